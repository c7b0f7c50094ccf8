"""The /api/v1/ router: every app's viewsets are registered here."""

from rest_framework.routers import DefaultRouter

router = DefaultRouter()
