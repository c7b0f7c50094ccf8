"""The common needs assessment: the patient's goals first, scores, the suggested level from
the rules (data), a professional's confirmation or override with a reason, versions."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from common.exceptions import StaleVersion, StateConflict
from referrals import services
from referrals.models import (
    AssessmentStatus,
    FunctionDomain,
    LevelRule,
    LevelRuleSet,
    NeedsAssessment,
)
from referrals.suggestion import suggest_level
from registry.models import AuditEvent, ServiceLevel


@pytest.mark.parametrize("barthel, rankin, level", [
    (100, 0, "1"), (85, 2, "2"), (70, 3, "3"), (45, 4, "4"), (25, 4, "5.1"), (5, 5, "5.2"),
])
def test_the_stroke_rules_suggest_a_level_from_barthel_and_rankin(db, barthel, rankin, level):
    suggestion = suggest_level(barthel, rankin)
    assert suggestion.level.code == level
    assert suggestion.reason  # the reason is shown with the suggestion


def test_no_scores_or_no_band_suggest_nothing(db):
    assert suggest_level(None, None) is None
    assert suggest_level(None, 6) is None  # every band names a Rankin range that 6 is outside


def test_the_rules_are_data_a_new_active_set_changes_the_suggestion(db):
    LevelRuleSet.objects.update(active=False)
    mine = LevelRuleSet.objects.create(code="local", name="Lokal", active=True)
    LevelRule.objects.create(rule_set=mine, order=1, level=ServiceLevel.objects.get(code="3"),
                             barthel_min=0, barthel_max=100, reason="Alle til team")
    assert suggest_level(100, 0).level.code == "3"


def test_a_professional_confirms_or_overrides_with_a_reason_and_both_are_kept(world):
    draft = services.start_assessment(by=world.gp, patient=world.patient)
    domain = FunctionDomain.objects.get(code="mobility")
    draft = services.save_assessment(
        draft, by=world.gp, version=draft.version,
        changes={"patient_goals": "Gå til butikken selv", "barthel_index": 70,
                 "modified_rankin": 3},
        scores={domain.pk: (2, "Trenger rullator")})
    assert (draft.suggested_level.code, draft.suggestion_rule.order) == ("3", 30)
    with pytest.raises(ValidationError) as error:
        services.complete_assessment(draft, by=world.gp, version=draft.version,
                                     level=ServiceLevel.objects.get(code="4"))
    assert "override_reason" in error.value.message_dict
    done = services.complete_assessment(draft, by=world.gp, version=draft.version,
                                        level=ServiceLevel.objects.get(code="4"),
                                        override_reason="Bor alene, trenger døgnopphold")
    assert (done.suggested_level.code, done.level.code, done.overridden) == ("3", "4", True)
    assert done.status == AssessmentStatus.COMPLETED
    assert AuditEvent.objects.filter(object_type="needsassessment",
                                     detail__contains="overridden").exists()
    # A completed version is kept as it is; a revision is a new version with its scores.
    with pytest.raises(StateConflict):
        services.save_assessment(done, by=world.gp, changes={"barthel_index": 90})
    revision = services.start_assessment(by=world.gp, patient=world.patient)
    assert (revision.number, revision.previous, revision.patient_goals) == (
        2, done, "Gå til butikken selv")
    assert revision.domain_scores.get().difficulty == 2


def test_the_goals_come_first_a_stale_edit_is_refused_and_strangers_cannot_assess(cast, world):
    draft = services.start_assessment(by=world.gp, patient=world.patient)
    with pytest.raises(ValidationError) as error:
        services.complete_assessment(draft, by=world.gp, level=ServiceLevel.objects.first())
    assert "patient_goals" in error.value.message_dict
    services.save_assessment(draft, by=world.gp, changes={"barthel_index": 50},
                             version=draft.version)
    with pytest.raises(StaleVersion):
        services.save_assessment(draft, by=world.gp, changes={"barthel_index": 60},
                                 version=draft.version)
    with pytest.raises(StateConflict):  # one draft at a time
        services.start_assessment(by=world.gp, patient=world.patient)
    with pytest.raises(PermissionDenied):
        services.start_assessment(by=cast.ke_bodo, patient=world.patient)
    with pytest.raises(PermissionDenied):
        services.save_assessment(draft, by=cast.ke_bodo, changes={"barthel_index": 1})
    assert NeedsAssessment.objects.get().barthel_index == 50


def test_scores_outside_their_range_are_refused(world):
    draft = services.start_assessment(by=world.gp, patient=world.patient)
    for field, value in (("barthel_index", 101), ("modified_rankin", 7)):
        with pytest.raises(ValidationError) as error:
            services.save_assessment(draft, by=world.gp, changes={field: value})
        assert field in error.value.message_dict
