from django.urls import path

from . import views

app_name = "registry"
urlpatterns = [
    path("", views.home, name="home"),
    path("services/", views.catalogue, name="catalogue"),
    path("organisations/", views.organization_list, name="organization_list"),
    path("organisations/<uuid:uuid>/", views.organization_detail, name="organization_detail"),
]
