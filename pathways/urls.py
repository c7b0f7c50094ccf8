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
    path("admissions/<uuid:uuid>/transfer/", views.transfer, name="transfer"),
    path("admissions/<uuid:uuid>/death/", views.record_death, name="record_death"),
    path("admissions/<uuid:uuid>/entered-in-error/", views.enter_in_error,
         name="enter_in_error"),
    path("admissions/<uuid:uuid>/meetings/new/", views.schedule_meeting,
         name="schedule_meeting"),
    # The coordinating unit's inbox and its steps.
    path("inbox/ke/", views.ke_inbox, name="ke_inbox"),
    path("inbox/ke/archive/", views.ke_inbox_archive, name="ke_inbox_archive"),
    path("early-notifications/<uuid:uuid>/acknowledge/", views.acknowledge_notice,
         name="acknowledge_notice"),
    path("early-notifications/<uuid:uuid>/take/", views.take_notice, name="take_notice"),
    path("early-notifications/<uuid:uuid>/release/", views.release_notice,
         name="release_notice"),
    path("ready-for-discharge/<uuid:uuid>/answer/", views.answer_declaration,
         name="answer_declaration"),
    path("meetings/<uuid:uuid>/respond/", views.respond_to_meeting, name="respond_to_meeting"),
    # A discharge meeting's own page and its steps.
    path("meetings/<uuid:uuid>/", views.meeting_detail, name="meeting_detail"),
    path("meetings/<uuid:uuid>/invitation.ics", views.meeting_invitation,
         name="meeting_invitation"),
    path("meetings/<uuid:uuid>/answer/", views.meeting_respond, name="meeting_respond"),
    path("meetings/<uuid:uuid>/reschedule/", views.meeting_reschedule,
         name="meeting_reschedule"),
    path("meetings/<uuid:uuid>/cancel/", views.meeting_cancel, name="meeting_cancel"),
    path("meetings/<uuid:uuid>/participants/", views.meeting_add_participants,
         name="meeting_add_participants"),
    path("meetings/<uuid:uuid>/minutes/", views.meeting_minutes, name="meeting_minutes"),
    path("meetings/<uuid:uuid>/tasks/", views.meeting_add_task, name="meeting_add_task"),
    path("meetings/<uuid:uuid>/tasks/<uuid:task_uuid>/done/", views.meeting_complete_task,
         name="meeting_complete_task"),
]

# The minutes meant for the patient, read on the patient's own pages (issue 14).
from .views.meetings import meeting_patient_minutes  # noqa: E402

urlpatterns += [
    path("meetings/<uuid:uuid>/minutes-for-patient/", meeting_patient_minutes,
         name="meeting_patient_minutes"),
]

# Who acts for the patient on the patient's own page, kept by the KE (issue 14).
from .views import representatives  # noqa: E402

urlpatterns += [
    path("patients/<uuid:uuid>/representatives/new/", representatives.register_representative,
         name="register_representative"),
    path("patients/<uuid:uuid>/representatives/<uuid:representation>/end/",
         representatives.end_representative, name="end_representative"),
    path("patients/<uuid:uuid>/representatives/<uuid:representation>/limit/",
         representatives.limit_representative, name="limit_representative"),
]

# The shared plan of home rehabilitation: pathway variants such as early supported discharge
# (issue 15 § 4), on the pathway page.
from .views import variants  # noqa: E402

urlpatterns += [
    path("admissions/<uuid:uuid>/home-rehabilitation/", variants.enrol_in_variant,
         name="enrol_in_variant"),
    path("home-rehabilitation/<uuid:uuid>/activities/new/", variants.schedule_variant_activity,
         name="schedule_variant_activity"),
    path("home-rehabilitation/<uuid:uuid>/hand-over/", variants.hand_over_variant,
         name="hand_over_variant"),
    path("home-rehabilitation/<uuid:uuid>/end/", variants.end_variant, name="end_variant"),
    path("home-rehabilitation/activities/<uuid:uuid>/record/", variants.record_variant_activity,
         name="record_variant_activity"),
]

# A question one side of a stay asks the other, and its answer, on the pathway page (issue 16).
from .views import questions  # noqa: E402

urlpatterns += [
    path("admissions/<uuid:uuid>/questions/new/", questions.ask_question, name="ask_question"),
    path("questions/<uuid:uuid>/answer/", questions.answer_question, name="answer_question"),
]

# A report on a stay written in the portal: the municipality's admission report, the
# hospital's discharge report.
from .views import reports  # noqa: E402

urlpatterns += [
    path("admissions/<uuid:uuid>/admission-report/new/", reports.write_admission_report,
         name="write_admission_report"),
    path("admissions/<uuid:uuid>/discharge-report/new/", reports.write_discharge_report,
         name="write_discharge_report"),
]
