"""Migrations that move data: rows that existed before get what the new schema needs."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("coordination", "0001_individual_plans")]
AFTER = [("coordination", "0002_item_uuids")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_existing_goals_and_measures_get_distinct_public_uuids(cast):
    apps = migrate(BEFORE)
    try:
        Plan = apps.get_model("coordination", "IndividualPlan")
        Goal = apps.get_model("coordination", "Goal")
        Measure = apps.get_model("coordination", "Measure")
        patient_id = cast.tromso_only.pk
        plan = Plan.objects.create(patient_id=patient_id, municipality_id=cast.tromso.pk,
                                   status="active")
        goals = [Goal.objects.create(plan=plan, text=f"Mål {i}") for i in range(3)]
        Measure.objects.create(plan=plan, goal=goals[0], description="Trening")
    finally:
        apps = migrate(AFTER)
    Goal = apps.get_model("coordination", "Goal")
    Measure = apps.get_model("coordination", "Measure")
    uuids = list(Goal.objects.values_list("uuid", flat=True))
    assert len(uuids) == 3 and None not in uuids and len(set(uuids)) == 3
    assert Measure.objects.get().uuid is not None
