"""The portal's suggestion of a pyramid level from an assessment's scores: the first rule of
the active rule set whose bands hold (referrals.models.LevelRule). It never decides."""

from typing import NamedTuple

from registry.models import ServiceLevel

from .models import LevelRule


class Suggestion(NamedTuple):
    level: ServiceLevel
    reason: str
    rule: LevelRule


def suggest_level(barthel_index: int | None, modified_rankin: int | None) -> Suggestion | None:
    """None when no score is given or no rule of the active set holds."""
    if barthel_index is None and modified_rankin is None:
        return None
    rules = (LevelRule.objects.filter(rule_set__active=True).select_related("level")
             .order_by("order"))
    for rule in rules:
        if rule.applies_to(barthel_index, modified_rankin):
            return Suggestion(rule.level, rule.localized_reason, rule)
    return None
