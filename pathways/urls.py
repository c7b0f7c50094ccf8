from django.urls import path

from . import views

app_name = "pathways"
urlpatterns = [
    path("patients/", views.patient_search, name="patient_search"),
    path("patients/<uuid:uuid>/", views.patient_detail, name="patient_detail"),
    path("patients/<uuid:uuid>/access-log/", views.access_log, name="access_log"),
]
