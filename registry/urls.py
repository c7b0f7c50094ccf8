from django.urls import path

from . import views

app_name = "registry"
urlpatterns = [
    path("", views.home, name="home"),
    path("services/", views.catalogue, name="catalogue"),
    path("organisations/", views.organization_list, name="organization_list"),
    path("organisations/<uuid:uuid>/", views.organization_detail, name="organization_detail"),
    path("notifications/", views.notification_list, name="notification_list"),
    path("notifications/badge/", views.notification_badge, name="notification_badge"),
    path("notifications/read-all/", views.notification_read_all, name="notification_read_all"),
    path("notifications/undelivered/", views.undelivered_notifications,
         name="undelivered_notifications"),
    path("notifications/<uuid:uuid>/read/", views.notification_read, name="notification_read"),
]
