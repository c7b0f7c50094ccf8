"""Server-rendered screens of the KE's work, one module a screen: the overview, its decisions
and coordinator profiles, a request from the patient's page, the plan page, its inline edits
and its PDF. Every change goes through coordination.services and the step kit
(common.htmx)."""

from .decisions import accept_request, create_coordinator, decline_request, update_coordinator
from .overview import ke_overview
from .pdf import plan_pdf
from .plan import plan_detail, service_options
from .plan_edits import (
    add_goal,
    add_measure,
    add_participant,
    add_sub_goal,
    change_status,
    edit_what_matters,
    reassign_coordinator,
    record_consent,
    record_evaluation,
    remove_participant,
    revoke_consent,
    reword_goal,
    reword_measure,
    update_goal,
    update_measure,
)
from .plan_list import plan_list
from .requests import new_plan_request

__all__ = [
    "accept_request", "add_goal", "add_measure", "add_participant", "add_sub_goal",
    "change_status", "create_coordinator", "decline_request", "edit_what_matters",
    "ke_overview", "new_plan_request", "plan_detail", "plan_list", "plan_pdf",
    "reassign_coordinator",
    "record_consent", "record_evaluation", "remove_participant", "revoke_consent",
    "reword_goal", "reword_measure", "service_options",
    "update_coordinator", "update_goal", "update_measure",
]

# What the patient added on their own pages: the staff's steps on it (issue 14).
from .plan_from_patient import (  # noqa: E402
    acknowledge_patient_goal,
    propose_goal_wording,
    withdraw_goal_proposal,
)

__all__ += ["acknowledge_patient_goal", "propose_goal_wording", "withdraw_goal_proposal"]

# The message thread with the patient: staff's reply (issue 14).
from .plan_messages import send_plan_message  # noqa: E402

__all__ += ["send_plan_message"]
