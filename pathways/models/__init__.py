from .admissions import (
    Admission,
    AdmissionStatus,
    DailyRate,
    DischargeDestination,
    MunicipalAnswer,
    MunicipalAnswerKind,
    ReadyForDischarge,
)
from .meetings import (
    DischargeMeeting,
    FollowUpTask,
    MeetingParticipant,
    MeetingStatus,
    ParticipantKind,
    ParticipantStatus,
)
from .notices import EarlyNotification, MessageStatus, NoticeAssignment, NoticeState
from .patients import (
    CareRelationship,
    CareRelationshipReason,
    NextOfKin,
    Patient,
    PatientQuerySet,
    PatientScopedQuerySet,
)

__all__ = [
    "Admission", "AdmissionStatus", "CareRelationship", "CareRelationshipReason", "DailyRate",
    "DischargeDestination", "DischargeMeeting", "EarlyNotification", "FollowUpTask",
    "MeetingParticipant", "MeetingStatus", "MessageStatus", "MunicipalAnswer",
    "MunicipalAnswerKind", "NextOfKin", "NoticeAssignment", "NoticeState", "ParticipantKind",
    "ParticipantStatus", "Patient", "PatientQuerySet", "PatientScopedQuerySet", "ReadyForDischarge",
]
