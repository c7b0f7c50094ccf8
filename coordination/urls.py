from django.urls import path

from . import views

app_name = "coordination"
urlpatterns = [
    # The coordinating unit's overview (forskrift § 5) and its decisions on requests.
    path("ke/overview/", views.ke_overview, name="ke_overview"),
    path("ke/plans/", views.plan_list, name="plan_list"),
    path("ke/coordinators/new/", views.create_coordinator, name="create_coordinator"),
    path("ke/coordinators/<uuid:uuid>/", views.update_coordinator, name="update_coordinator"),
    path("plan-requests/<uuid:uuid>/accept/", views.accept_request, name="accept_request"),
    path("plan-requests/<uuid:uuid>/decline/", views.decline_request, name="decline_request"),
    # A request to the KE from the patient's page (melding om behov).
    path("patients/<uuid:uuid>/plan-requests/new/", views.new_plan_request,
         name="new_plan_request"),
    # The individual plan and its inline edits.
    path("plans/<uuid:uuid>/", views.plan_detail, name="plan_detail"),
    path("plans/<uuid:uuid>/pdf/", views.plan_pdf, name="plan_pdf"),
    path("plans/<uuid:uuid>/what-matters/", views.edit_what_matters, name="edit_what_matters"),
    path("plans/<uuid:uuid>/goals/", views.add_goal, name="add_goal"),
    path("plans/<uuid:uuid>/measures/", views.add_measure, name="add_measure"),
    path("plans/<uuid:uuid>/measures/services/", views.service_options, name="measure_services"),
    path("plans/<uuid:uuid>/status/", views.change_status, name="change_status"),
    path("plans/<uuid:uuid>/coordinator/", views.reassign_coordinator,
         name="reassign_coordinator"),
    path("plans/<uuid:uuid>/consents/", views.record_consent, name="record_consent"),
    path("plans/<uuid:uuid>/consents/<uuid:consent_uuid>/revoke/", views.revoke_consent,
         name="revoke_consent"),
    path("plans/<uuid:uuid>/goals/<uuid:goal_uuid>/", views.update_goal, name="update_goal"),
    path("plans/<uuid:uuid>/goals/<uuid:goal_uuid>/wording/", views.reword_goal,
         name="reword_goal"),
    path("plans/<uuid:uuid>/goals/<uuid:goal_uuid>/sub-goals/", views.add_sub_goal,
         name="add_sub_goal"),
    path("plans/<uuid:uuid>/measures/<uuid:measure_uuid>/", views.update_measure,
         name="update_measure"),
    path("plans/<uuid:uuid>/measures/<uuid:measure_uuid>/text/", views.reword_measure,
         name="reword_measure"),
    path("plans/<uuid:uuid>/participants/", views.add_participant, name="add_participant"),
    path("plans/<uuid:uuid>/participants/<uuid:participant_uuid>/remove/",
         views.remove_participant, name="remove_participant"),
    path("plans/<uuid:uuid>/evaluations/", views.record_evaluation, name="record_evaluation"),
]

# What the patient added on their own pages (issue 14): take their goal into the plan,
# propose a new wording of it, withdraw a proposal.
urlpatterns += [
    path("plans/<uuid:uuid>/goals/<uuid:goal_uuid>/acknowledge/",
         views.acknowledge_patient_goal, name="acknowledge_patient_goal"),
    path("plans/<uuid:uuid>/goals/<uuid:goal_uuid>/propose/", views.propose_goal_wording,
         name="propose_goal_wording"),
    path("plans/<uuid:uuid>/goals/<uuid:goal_uuid>/proposal/withdraw/",
         views.withdraw_goal_proposal, name="withdraw_goal_proposal"),
]

# The message thread with the patient, on the plan page: staff's reply (issue 14).
urlpatterns += [
    path("plans/<uuid:uuid>/messages/", views.send_plan_message, name="send_plan_message"),
]
