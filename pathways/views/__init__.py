"""Server-rendered pathway pages, one module a screen (and its steps): patients, the ward
board, the KE inbox, discharge meetings, the pathway."""

from .inbox import ke_inbox, ke_inbox_archive
from .inbox_steps import (
    acknowledge_notice,
    answer_declaration,
    release_notice,
    respond_to_meeting,
    take_notice,
)
from .meeting_steps import (
    meeting_add_participants,
    meeting_add_task,
    meeting_cancel,
    meeting_minutes,
    meeting_reschedule,
)
from .meetings import (
    meeting_complete_task,
    meeting_detail,
    meeting_invitation,
    meeting_respond,
)
from .pathway import patient_pathway
from .patients import access_log, patient_detail, patient_search
from .ward import ward_board
from .ward_steps import (
    admit,
    declare_ready,
    discharge,
    early_notification,
    enter_in_error,
    record_death,
    schedule_meeting,
    transfer,
    withdraw_ready,
)

__all__ = [
    "access_log", "acknowledge_notice", "admit", "answer_declaration", "declare_ready",
    "discharge", "early_notification", "enter_in_error", "ke_inbox", "ke_inbox_archive",
    "patient_detail", "patient_pathway",
    "meeting_add_participants", "meeting_add_task", "meeting_cancel", "meeting_complete_task",
    "meeting_detail", "meeting_invitation", "meeting_minutes", "meeting_reschedule",
    "meeting_respond", "patient_search", "record_death", "release_notice", "respond_to_meeting",
    "schedule_meeting", "take_notice", "transfer", "ward_board", "withdraw_ready",
]
