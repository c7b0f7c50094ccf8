"""The KE's work: requests for a plan or a coordinator, coordinators, and the individual plan
(forskrift om individuell plan § 19): the patient's own goals first, then measures, the
responsible group, consent, evaluations and a version history. One module per concern;
everything is importable from coordination.models."""

from .coordinators import (
    Coordinator,
    CoordinatorKind,
)
from .experience import ExperienceInvitation, ExperienceQuestion, ExperienceResponse
from .patient_input import (
    COMMENT_MAX_LENGTH,
    MESSAGE_MAX_LENGTH,
    GoalProposal,
    MeasureComment,
    PlanMessage,
    PlanMessageRead,
    ProposalStatus,
    SelfReport,
)
from .plan_items import (
    AchievementStatus,
    Consent,
    ConsentMethod,
    ConsentScope,
    Evaluation,
    Goal,
    Measure,
    MeasureStatus,
    PlanParticipant,
    PlanParticipantKind,
)
from .plans import (
    OPEN_PLAN_STATUSES,
    CoordinatorAssignment,
    IndividualPlan,
    IndividualPlanQuerySet,
    PlanStatus,
    PlanVersion,
)
from .requests import (
    OPEN_REQUEST_STATUSES,
    PlanRequest,
    PlanRequestQuerySet,
    RequestKind,
    RequestSource,
    RequestStatus,
)

__all__ = [
    "COMMENT_MAX_LENGTH",
    "ExperienceInvitation",
    "ExperienceQuestion",
    "ExperienceResponse",
    "GoalProposal",
    "MESSAGE_MAX_LENGTH",
    "MeasureComment",
    "PlanMessage",
    "PlanMessageRead",
    "ProposalStatus",
    "SelfReport",
    "AchievementStatus",
    "Consent",
    "ConsentMethod",
    "ConsentScope",
    "Coordinator",
    "CoordinatorAssignment",
    "CoordinatorKind",
    "Evaluation",
    "Goal",
    "IndividualPlan",
    "IndividualPlanQuerySet",
    "Measure",
    "MeasureStatus",
    "OPEN_PLAN_STATUSES",
    "OPEN_REQUEST_STATUSES",
    "PlanParticipant",
    "PlanParticipantKind",
    "PlanRequest",
    "PlanRequestQuerySet",
    "PlanStatus",
    "PlanVersion",
    "RequestKind",
    "RequestSource",
    "RequestStatus",
]
