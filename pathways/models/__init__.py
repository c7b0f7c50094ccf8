from .admissions import (
    Admission,
    AdmissionStatus,
    DailyRate,
    DischargeDestination,
    MunicipalAnswer,
    MunicipalAnswerKind,
    ReadyForDischarge,
)
from .citizens import (
    AGE_HEARD_ON_PARENTS,
    AGE_OF_HEALTH_CONSENT,
    Citizen,
    Representation,
    RepresentationKind,
    RepresentationScope,
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
from .questions import QUESTION_MAX_LENGTH, PathwayQuestion
from .reports import AdmissionReport, DischargeReport

__all__ = [
    "AdmissionReport", "DischargeReport", "PathwayQuestion", "QUESTION_MAX_LENGTH",
    "AGE_HEARD_ON_PARENTS", "AGE_OF_HEALTH_CONSENT", "Citizen", "Representation",
    "RepresentationKind", "RepresentationScope",
    "Admission", "AdmissionStatus", "CareRelationship", "CareRelationshipReason", "DailyRate",
    "DischargeDestination", "DischargeMeeting", "EarlyNotification", "FollowUpTask",
    "MeetingParticipant", "MeetingStatus", "MessageStatus", "MunicipalAnswer",
    "MunicipalAnswerKind", "NextOfKin", "NoticeAssignment", "NoticeState", "ParticipantKind",
    "ParticipantStatus", "Patient", "PatientQuerySet", "PatientScopedQuerySet", "ReadyForDischarge",
]

# Pathway variants: early supported discharge and other shared home-rehabilitation plans
# (issue 15, part 4).
from .variants import (  # noqa: E402
    LIVE_ENROLMENT_STATUSES,
    ActivityStatus,
    EnrolmentStatus,
    PathwayActivity,
    PathwayEnrolment,
    PathwayVariant,
    ProviderSide,
    VariantActivityKind,
)

__all__ += [
    "LIVE_ENROLMENT_STATUSES", "ActivityStatus", "EnrolmentStatus", "PathwayActivity",
    "PathwayEnrolment", "PathwayVariant", "ProviderSide", "VariantActivityKind",
]
