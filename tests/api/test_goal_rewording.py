"""A reworded goal over the API, as the plan page shows it: the goal stays the patient's, and
`reworded_by` and `reworded_at` say who changed the wording last and when (read-only, in the
schema too); reading them costs no query per goal."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coordination import services
from coordination.models import Goal
from tests.coordination.conftest import kora, plan

from .support import error, schema_of

__all__ = ["kora", "plan"]  # fixtures shared with tests/coordination


def plan_url(plan) -> str:
    return f"/api/v1/individual-plans/{plan.uuid}/"


def etag(plan) -> str:
    plan.refresh_from_db()
    return f'W/"{plan.version}"'


def test_a_reworded_goal_says_who_reworded_it_and_when(cast, api, plan):
    goal = services.add_goal(plan, by=cast.ke_tromso, text="Gå tur med hunden")
    sub = services.add_goal(plan, by=cast.ke_tromso, text="Til postkassen", parent=goal)
    client = api(cast.coordinator)
    before = client.get(plan_url(plan)).json()["goals"][0]
    assert before["reworded_by"] is None and before["reworded_at"] is None
    assert before["sub_goals"][0]["reworded_by"] is None

    response = client.patch(f"{plan_url(plan)}goals/{goal.uuid}/",
                            {"text": "Gå tur med hunden Bamse hver dag"}, format="json",
                            HTTP_IF_MATCH=etag(plan))
    assert response.status_code == 200, response.json()
    reworded_at = Goal.objects.get(pk=goal.pk).reworded_at
    assert response.json()["reworded_by"] == "Kora Koordinator"
    assert datetime.datetime.fromisoformat(response.json()["reworded_at"]) == reworded_at
    assert response.json()["expressed_by_patient"] is True  # still the patient's words

    services.update_goal(Goal.objects.get(pk=sub.pk), by=cast.ke_tromso, text="Til butikken")
    shown = client.get(plan_url(plan)).json()["goals"][0]
    assert shown["reworded_by"] == "Kora Koordinator"
    assert shown["sub_goals"][0]["reworded_by"] == cast.ke_tromso.display_name()
    assert shown["sub_goals"][0]["reworded_at"] is not None


def test_who_reworded_a_goal_cannot_be_written(cast, api, plan):
    goal = services.add_goal(plan, by=cast.ke_tromso, text="Gå tur")
    response = api(cast.coordinator).patch(
        f"{plan_url(plan)}goals/{goal.uuid}/",
        {"status": "in_progress", "reworded_by": "Noen Andre",
         "reworded_at": "2020-01-01T00:00:00Z"}, format="json", HTTP_IF_MATCH=etag(plan))
    assert response.status_code == 400
    assert {"reworded_by", "reworded_at"} <= set(error(response)["fields"])
    goal.refresh_from_db()
    assert goal.reworded_by is None and goal.reworded_at is None


def test_the_schema_documents_both_as_read_only(db):
    for component in ("Goal", "SubGoal"):
        properties = schema_of(component)
        assert properties["reworded_by"]["readOnly"] is True, component
        assert properties["reworded_by"]["type"] == "string"
        assert properties["reworded_by"].get("nullable") is True
        assert properties["reworded_at"]["readOnly"] is True
        assert properties["reworded_at"]["format"] == "date-time"
        assert properties["reworded_at"].get("nullable") is True
        assert properties["reworded_by"].get("description")


def _plan_queries(client, plan) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(plan_url(plan)).status_code == 200
    return len(queries)


def test_who_reworded_costs_no_query_per_goal(cast, api, plan):
    client = api(cast.ke_tromso)
    client.get(plan_url(plan))  # the session's first read
    first = services.add_goal(plan, by=cast.ke_tromso, text="Mål 0")
    services.update_goal(first, by=cast.ke_tromso, text="Mål 0, omformulert")
    few = _plan_queries(client, plan)
    for n in range(1, 6):
        goal = services.add_goal(plan, by=cast.coordinator if n % 2 else cast.ke_tromso,
                                 text=f"Mål {n}", target_date=timezone.localdate()
                                 + datetime.timedelta(days=n))
        services.update_goal(goal, by=goal.plan.coordinator.user, text=f"Mål {n}, omformulert")
        sub = services.add_goal(plan, by=cast.ke_tromso, text=f"Delmål {n}", parent=goal)
        services.update_goal(sub, by=cast.ke_tromso, text=f"Delmål {n}, omformulert")
    assert _plan_queries(client, plan) == few
