from django.urls import path

from . import views

app_name = "pathways"
urlpatterns = [
    path("patients/", views.patient_search, name="patient_search"),
    path("patients/<uuid:uuid>/", views.patient_detail, name="patient_detail"),
    path("patients/<uuid:uuid>/access-log/", views.access_log, name="access_log"),
    path("patients/<uuid:uuid>/pathway/", views.patient_pathway, name="patient_pathway"),
    # The ward board of discharge planners and its steps.
    path("ward/", views.ward_board, name="ward_board"),
    path("wards/<uuid:hospital_uuid>/", views.ward_board, name="hospital_ward_board"),
    path("wards/<uuid:hospital_uuid>/admit/", views.admit, name="admit"),
    path("admissions/<uuid:uuid>/early-notification/", views.early_notification,
         name="early_notification"),
    path("admissions/<uuid:uuid>/ready/", views.declare_ready, name="declare_ready"),
    path("admissions/<uuid:uuid>/ready/withdraw/", views.withdraw_ready, name="withdraw_ready"),
    path("admissions/<uuid:uuid>/discharge/", views.discharge, name="discharge"),
    path("admissions/<uuid:uuid>/meetings/new/", views.schedule_meeting,
         name="schedule_meeting"),
    # The coordinating unit's inbox and its steps.
    path("inbox/ke/", views.ke_inbox, name="ke_inbox"),
    path("early-notifications/<uuid:uuid>/acknowledge/", views.acknowledge_notice,
         name="acknowledge_notice"),
    path("ready-for-discharge/<uuid:uuid>/answer/", views.answer_declaration,
         name="answer_declaration"),
    path("meetings/<uuid:uuid>/respond/", views.respond_to_meeting, name="respond_to_meeting"),
]
