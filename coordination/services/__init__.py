"""State changes of the KE's work; views, viewsets and tasks call these and nothing else."""

from ._common import plan_conflict, snapshot
from .consents import record_consent, revoke_consent
from .coordinators import (
    assign_coordinator,
    check_coordinator,
    coordinator_load,
    coordinators_with_load,
    create_coordinator_profile,
    update_coordinator_profile,
)
from .intake import (
    TRANSITIONS as REQUEST_TRANSITIONS,
)
from .intake import (
    accept_request,
    decline_request,
    record_appeal,
    request_from_early_notification,
    start_assessment,
    submit_plan_request,
    waiting_days,
)
from .plan_items import (
    add_goal,
    add_measure,
    add_participant,
    remove_participant,
    update_goal,
    update_measure,
)
from .plans import (
    TRANSITIONS as PLAN_TRANSITIONS,
)
from .plans import (
    current_plan_version,
    record_evaluation,
    set_status,
    update_plan,
)

__all__ = [
    "PLAN_TRANSITIONS", "REQUEST_TRANSITIONS", "accept_request", "add_goal",
    "add_measure", "add_participant", "assign_coordinator", "check_coordinator",
    "coordinator_load", "coordinators_with_load", "create_coordinator_profile",
    "current_plan_version", "decline_request", "plan_conflict", "record_appeal", "record_consent",
    "record_evaluation", "remove_participant", "request_from_early_notification",
    "revoke_consent", "set_status", "snapshot", "start_assessment", "submit_plan_request",
    "update_coordinator_profile", "update_goal", "update_measure", "update_plan",
    "waiting_days",
]

# The patient's own door (issue 14): withdrawing consent, and the experience survey.
from .consents import other_grounds, patient_revoke_consent  # noqa: E402
from .experience import (  # noqa: E402
    answer_experience_survey,
    highest_service_level,
    invite_to_experience_survey,
)

__all__ += [
    "answer_experience_survey", "highest_service_level", "invite_to_experience_survey",
    "other_grounds", "patient_revoke_consent",
]

# The patient's own door (issue 14): what the patient adds to the plan, and the staff's side.
from .patient_input import (  # noqa: E402
    acknowledge_patient_goal,
    answer_goal_proposal,
    comment_on_measure,
    patient_add_goal,
    patient_update_goal,
    patient_write_what_matters,
    propose_goal_wording,
    submit_self_report,
    withdraw_goal_proposal,
)

__all__ += [
    "acknowledge_patient_goal", "answer_goal_proposal", "comment_on_measure",
    "patient_add_goal", "patient_update_goal", "patient_write_what_matters",
    "propose_goal_wording", "submit_self_report", "withdraw_goal_proposal",
]

# The plan's message thread between the patient's side and staff (issue 14).
from .messages import mark_read, send_message, takes_part, thread  # noqa: E402

__all__ += ["mark_read", "send_message", "takes_part", "thread"]
