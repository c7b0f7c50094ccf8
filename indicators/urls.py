from django.urls import path

from . import views

app_name = "indicators"
urlpatterns = [
    path("indicators/", views.dashboard, name="dashboard"),
    path("indicators/capacity/", views.capacity, name="capacity"),
    path("indicators/<slug:code>/", views.indicator_detail, name="indicator"),
]
