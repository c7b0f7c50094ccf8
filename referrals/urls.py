"""The staff pages of referrals and needs assessments (issue 15): the receiving unit's inbox,
a referral and its steps, a service's waiting list, a needs assessment and its steps."""

from django.urls import path

from . import views

app_name = "referrals"
urlpatterns = [
    path("referrals/", views.inbox, name="inbox"),
    path("referrals/<uuid:uuid>/", views.referral_detail, name="referral"),
    path("waiting-lists/<uuid:uuid>/", views.waiting_list, name="waiting_list"),
    path("assessments/<uuid:uuid>/", views.assessment_detail, name="assessment"),
]
