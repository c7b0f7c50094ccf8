"""The version history speaks the reader's language: field and section names from the models,
choice labels instead of stored values, dates as dates, a goal's text instead of its id. The
API's diff keeps the raw keys and values."""

import datetime

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from coordination import diff, services
from coordination.models import AchievementStatus, PlanStatus

from .conftest import activate


def test_a_status_change_has_translated_labels_and_keeps_the_raw_values(cast, plan):
    start = services.current_plan_version(plan)
    activate(cast, plan)
    changes = {c.field: c for c in diff.diff_plan(plan, start) if c.section == "plan"}
    status = changes["status"]
    assert (status.before, status.after) == ("in_preparation", "active")
    with translation.override("en"):
        assert str(status.section_label) == "plan"
        assert str(status.field_label) == "status"
        assert (str(status.before_display), str(status.after_display)) == (
            "In preparation", "Active")
    with translation.override("nb"):
        assert (str(status.before_display), str(status.after_display)) == (
            "Under utarbeiding", "Aktiv")
    assert changes["period_start"].after_display == datetime.date.fromisoformat(
        changes["period_start"].after)


def test_goal_fields_use_the_models_names_and_a_measure_names_its_goal(cast, plan):
    goal = services.add_goal(plan, by=cast.ke_tromso, text="Gå til butikken")
    measure = services.add_measure(plan, by=cast.ke_tromso, description="Gåtrening")
    start = services.current_plan_version(plan)
    services.update_goal(goal, by=cast.ke_tromso, status=AchievementStatus.ACHIEVED,
                         target_date=datetime.date(2030, 6, 1))
    services.update_measure(measure, by=cast.ke_tromso, goal=goal)
    changes = {(c.section, c.field): c for c in diff.diff_plan(plan, start)}
    with translation.override("en"):
        achievement = changes["goals", "status"]
        assert str(achievement.field_label) == "achievement"
        assert str(achievement.after_display) == "Achieved"
        assert str(changes["goals", "target_date"].field_label) == "target date"
        assert changes["goals", "target_date"].after_display == datetime.date(2030, 6, 1)
        linked = changes["measures", "goal"]
        assert linked.after == str(goal.uuid)  # raw: the goal's public UUID, as the API gives it
        assert (linked.before_display, linked.after_display) == (None, "Gå til butikken")
        assert str(linked.section_label) == "measures"


def test_a_consents_scope_is_shown_by_its_label(cast, plan):
    start = services.current_plan_version(plan)
    services.record_consent(plan, cast.tromso, "information_sharing", "oral",
                            by=cast.ke_tromso)
    [added] = diff.diff_plan(plan, start)
    assert added.item == "Tromsø (information_sharing)"  # raw, as before
    with translation.override("en"):
        assert str(added.item_display) == "Tromsø (Consent to share information)"
        assert str(added.after_display) == "Tromsø (Consent to share information)"


@pytest.mark.parametrize(("language", "shown", "raw"), [
    ("en", ["Plan · what matters to you?", "Plan · status", "In preparation", "Active",
            "Goals «Gå tur med hunden selv»"], ["what_matters", "in_preparation"]),
    ("nb", ["Plan · hva er viktig for deg?", "Aktiv", "Mål «Gå tur med hunden selv»"],
     ["what_matters", "in_preparation"]),
])
def test_the_plan_page_shows_human_labels(client, cast, plan, language, shown, raw):
    services.update_plan(plan, by=cast.ke_tromso, expected_version=plan.version,
                         what_matters="Gå på ski igjen")
    activate(cast, plan)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(cast.coordinator)
    html = client.get(reverse("coordination:plan_detail", kwargs={"uuid": plan.uuid})
                      ).content.decode()
    history = html.split('id="history"')[1]
    for text in shown:
        assert text in history
    for key in raw:
        assert key not in history


def test_the_api_diff_keeps_the_raw_keys_and_values(client, cast, plan):
    start = services.current_plan_version(plan)
    plan = activate(cast, plan)
    client.force_login(cast.coordinator)
    response = client.get(f"/api/v1/individual-plans/{plan.uuid}/diff/", {"from": start},
                          HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    rows = response.json()
    assert set(rows[0]) == {"section", "item", "field", "kind", "before", "after", "text_diff"}
    status = next(r for r in rows if r["field"] == "status")
    assert (status["section"], status["before"], status["after"]) == (
        "plan", PlanStatus.IN_PREPARATION, PlanStatus.ACTIVE)
