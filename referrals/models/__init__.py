from .assessments import (
    AssessmentStatus,
    Difficulty,
    DomainScore,
    FunctionDomain,
    LevelRule,
    LevelRuleSet,
    NeedsAssessment,
    RehabilitationPotential,
)
from .referrals import (
    AWAITING_ASSESSMENT,
    OPEN_STATUSES,
    Referral,
    ReferralStatus,
    WithdrawalReason,
)

__all__ = [
    "AWAITING_ASSESSMENT", "OPEN_STATUSES", "AssessmentStatus", "Difficulty", "DomainScore",
    "FunctionDomain", "LevelRule", "LevelRuleSet", "NeedsAssessment", "Referral",
    "ReferralStatus", "RehabilitationPotential", "WithdrawalReason",
]
