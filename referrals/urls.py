"""The staff pages of referrals and needs assessments (issue 15): the receiving unit's inbox,
a referral and its steps, a service's waiting list, a needs assessment and its steps, and
starting either from the patient's page."""

from django.urls import path

from . import views

app_name = "referrals"
urlpatterns = [
    path("referrals/", views.inbox, name="inbox"),
    path("referrals/<uuid:uuid>/", views.referral_detail, name="referral"),
    path("referrals/<uuid:uuid>/decide/", views.decide, name="decide"),
    path("referrals/<uuid:uuid>/forward/", views.forward, name="forward"),
    path("referrals/<uuid:uuid>/ask/", views.request_information, name="request_information"),
    path("referrals/<uuid:uuid>/answer/", views.give_information, name="give_information"),
    path("referrals/<uuid:uuid>/choice/", views.record_choice, name="record_choice"),
    path("referrals/<uuid:uuid>/expected-start/", views.set_expected_start,
         name="set_expected_start"),
    path("referrals/<uuid:uuid>/start/", views.record_start, name="record_start"),
    path("referrals/<uuid:uuid>/withdraw/", views.withdraw, name="withdraw"),
    path("waiting-lists/<uuid:uuid>/", views.waiting_list, name="waiting_list"),
    path("assessments/<uuid:uuid>/", views.assessment_detail, name="assessment"),
    path("assessments/<uuid:uuid>/save/", views.save_assessment, name="save_assessment"),
    path("assessments/<uuid:uuid>/suggestion/", views.assessment_suggestion,
         name="assessment_suggestion"),
    path("assessments/<uuid:uuid>/revise/", views.revise_assessment, name="revise_assessment"),
    # From the patient's page.
    path("patients/<uuid:uuid>/assessments/new/", views.start_assessment,
         name="start_assessment"),
    path("patients/<uuid:uuid>/referrals/new/", views.new_referral, name="new_referral"),
]
