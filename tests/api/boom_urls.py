"""The portal's URLs plus views that fail, to see what a bug answers (500) under /api/ and
/fhir/ (tests/api/test_error_language.py)."""

from django.urls import path

from rehab_portal.urls import handler404, handler500
from rehab_portal.urls import urlpatterns as portal_urls


def boom(request):
    raise RuntimeError("a bug with a secret in its message")


urlpatterns = [path("api/v1/boom/", boom), path("fhir/boom/", boom), *portal_urls]

__all__ = ["handler404", "handler500", "urlpatterns"]
