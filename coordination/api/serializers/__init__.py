"""The KE's work over the API. Validation only: every write goes through
coordination.services. One module per resource (requests, coordinators, plans, the plan's
items); everything is importable from coordination.api.serializers."""

from ._common import ColleagueField, MunicipalRecordSerializer, coordinator_field
from .coordinators import (
    CoordinatorCreateSerializer,
    CoordinatorSerializer,
    CoordinatorUpdateSerializer,
)
from .plan_items import (
    ConsentInputSerializer,
    ConsentSerializer,
    EvaluationInputSerializer,
    EvaluationSerializer,
    GoalInputSerializer,
    GoalSerializer,
    MeasureInputSerializer,
    MeasureSerializer,
    PlanParticipantInputSerializer,
    PlanParticipantSerializer,
    SubGoalSerializer,
)
from .plans import (
    AssignmentSerializer,
    DiffQuerySerializer,
    PlanChangeSerializer,
    PlanCoordinatorSerializer,
    PlanDetailSerializer,
    PlanSerializer,
    PlanStatusChangeSerializer,
    PlanUpdateSerializer,
    PlanVersionSerializer,
)
from .requests import (
    AcceptSerializer,
    AppealSerializer,
    DeclineSerializer,
    PlanRequestCreateSerializer,
    PlanRequestSerializer,
)

__all__ = [
    "AcceptSerializer", "AppealSerializer", "AssignmentSerializer", "ColleagueField",
    "ConsentInputSerializer", "ConsentSerializer", "CoordinatorCreateSerializer",
    "CoordinatorSerializer", "CoordinatorUpdateSerializer", "DeclineSerializer",
    "DiffQuerySerializer", "EvaluationInputSerializer", "EvaluationSerializer",
    "GoalInputSerializer", "GoalSerializer", "MeasureInputSerializer", "MeasureSerializer",
    "MunicipalRecordSerializer", "PlanChangeSerializer", "PlanCoordinatorSerializer",
    "PlanDetailSerializer", "PlanParticipantInputSerializer", "PlanParticipantSerializer",
    "PlanRequestCreateSerializer", "PlanRequestSerializer", "PlanSerializer",
    "PlanStatusChangeSerializer", "PlanUpdateSerializer", "PlanVersionSerializer",
    "SubGoalSerializer", "coordinator_field",
]
