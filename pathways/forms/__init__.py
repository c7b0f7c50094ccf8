"""Forms of the patient pages, one module per screen family; all importable from here."""

from .admissions import (
    AdmitForm,
    AnswerReadyForm,
    DeathForm,
    DeclareReadyForm,
    DischargeForm,
    EarlyNotificationForm,
    TransferForm,
    WithdrawReadyForm,
)
from .fields import LevelChoiceField, PersonChoiceField, PersonField
from .meetings import (
    AddParticipantsForm,
    AttendedChoiceField,
    CancelMeetingForm,
    FollowUpTaskForm,
    MeetingForm,
    MeetingParticipantsForm,
    MeetingPlaceForm,
    MinutesForm,
    RescheduleMeetingForm,
)
from .patients import MIN_NAME_LENGTH, PatientSearchForm

__all__ = [
    "MIN_NAME_LENGTH", "AddParticipantsForm", "AdmitForm", "AnswerReadyForm",
    "AttendedChoiceField", "CancelMeetingForm", "DeathForm", "DeclareReadyForm",
    "DischargeForm", "EarlyNotificationForm", "FollowUpTaskForm", "LevelChoiceField",
    "MeetingForm", "MeetingParticipantsForm", "MeetingPlaceForm", "MinutesForm",
    "PatientSearchForm", "PersonChoiceField", "PersonField", "RescheduleMeetingForm",
    "TransferForm", "WithdrawReadyForm",
]
