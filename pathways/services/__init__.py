"""State changes of the pathway; views, viewsets and tasks call these and nothing else."""

from .admissions import (
    TRANSITIONS,
    admit_by_identity_number,
    admit_patient,
    discharge_patient,
    record_death,
    transfer_patient,
    update_admission,
)
from .assignments import release_notice, take_notice
from .meetings import (
    add_follow_up_task,
    add_participants,
    cancel_discharge_meeting,
    complete_follow_up_task,
    record_minutes,
    reschedule_discharge_meeting,
    respond_to_invitation,
    schedule_discharge_meeting,
)
from .notices import acknowledge_early_notification, save_draft, send_early_notification
from .patients import (
    PATIENT_FIELDS,
    acting_membership,
    add_next_of_kin,
    end_care_relationship,
    grant_care_relationship,
    register_patient,
    update_patient,
)
from .readiness import (
    active_declaration,
    answer_ready_for_discharge,
    declare_ready_for_discharge,
    withdraw_ready_for_discharge,
)

__all__ = [
    "PATIENT_FIELDS", "TRANSITIONS", "acknowledge_early_notification",
    "acting_membership", "active_declaration", "add_follow_up_task", "add_next_of_kin",
    "add_participants", "admit_by_identity_number", "admit_patient", "answer_ready_for_discharge",
    "cancel_discharge_meeting", "complete_follow_up_task", "declare_ready_for_discharge",
    "discharge_patient", "end_care_relationship", "grant_care_relationship", "record_death",
    "record_minutes", "register_patient", "release_notice", "reschedule_discharge_meeting",
    "respond_to_invitation", "save_draft", "schedule_discharge_meeting",
    "send_early_notification", "take_notice", "transfer_patient", "update_admission",
    "update_patient", "withdraw_ready_for_discharge",
]

# Who may act for the patient in their own door (issue 14).
from .representations import (  # noqa: E402
    grant_representation,
    limit_parent_representation,
    register_representative,
    withdraw_representation,
)

__all__ += [
    "grant_representation", "limit_parent_representation", "register_representative",
    "withdraw_representation",
]

# The citizen's side of a meeting, and the minutes meant for the patient (issue 14).
from .citizen_meetings import citizen_add_topics, citizen_respond, own_participant  # noqa: E402
from .meetings import record_patient_minutes  # noqa: E402

__all__ += ["citizen_add_topics", "citizen_respond", "own_participant",
            "record_patient_minutes"]

# Pathway variants: early supported discharge and the like (issue 15, part 4).
from .variants import (  # noqa: E402
    end_enrolment,
    enrol,
    hand_over,
    record_activity,
    schedule_activity,
)

__all__ += ["end_enrolment", "enrol", "hand_over", "record_activity", "schedule_activity"]

# The municipality's admission report (issue 16: PLO's innleggelsesrapport).
from .reports import record_admission_report, record_discharge_report  # noqa: E402

__all__ += ["record_admission_report", "record_discharge_report"]

# A question on the pathway and its answer (issue 16: PLO's Dialogmelding forespørsel/svar).
from .questions import answer_question, ask_question  # noqa: E402

__all__ += ["answer_question", "ask_question"]
