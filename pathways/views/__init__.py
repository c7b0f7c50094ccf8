"""Server-rendered pathway pages: patients, the ward board, the KE inbox, the pathway."""

from .inbox import acknowledge_notice, answer_declaration, ke_inbox, respond_to_meeting
from .pathway import patient_pathway
from .patients import access_log, patient_detail, patient_search
from .ward import (
    admit,
    declare_ready,
    discharge,
    early_notification,
    schedule_meeting,
    ward_board,
    withdraw_ready,
)

__all__ = [
    "access_log", "acknowledge_notice", "admit", "answer_declaration", "declare_ready",
    "discharge", "early_notification", "ke_inbox", "patient_detail", "patient_pathway",
    "patient_search", "respond_to_meeting", "schedule_meeting", "ward_board", "withdraw_ready",
]
