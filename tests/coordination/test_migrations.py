"""Migrations that move data: rows that existed before get what the new schema needs."""

import pytest
from django.utils import timezone

from coordination import services
from tests.factories import coordinator, individual_plan
from tests.migrations import latest_schema_afterwards, migrate  # noqa: F401 - a fixture

BEFORE = [("coordination", "0001_individual_plans")]
AFTER = [("coordination", "0002_item_uuids")]


pytestmark = pytest.mark.usefixtures("latest_schema_afterwards")


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


# --- one open request and one open plan (0004), on data two races left behind ---------

BEFORE_ONE_OPEN = [("coordination", "0003_versions")]
ONE_OPEN = [("coordination", "0004_one_open_request_and_plan")]


@pytest.mark.django_db(transaction=True)
def test_the_migration_closes_duplicate_requests_and_keeps_the_first(cast):
    apps = migrate(BEFORE_ONE_OPEN)
    Request = apps.get_model("coordination", "PlanRequest")
    common = {"patient_id": cast.tromso_only.pk, "municipality_id": cast.tromso.pk,
              "kind": "individual_plan", "source": "patient"}
    now = timezone.now()
    later = Request.objects.create(received_at=now, **common)
    first = Request.objects.create(received_at=now - timezone.timedelta(days=3), **common)
    other_kind = Request.objects.create(received_at=now, **{**common, "kind": "coordinator"})
    apps = migrate(ONE_OPEN)
    Request = apps.get_model("coordination", "PlanRequest")
    assert Request.objects.get(pk=first.pk).status == "received"
    assert Request.objects.get(pk=other_kind.pk).status == "received"
    closed = Request.objects.get(pk=later.pk)
    assert closed.status == "declined" and str(first.uuid) in closed.decline_reason


@pytest.mark.django_db(transaction=True)
def test_the_migration_stops_on_duplicate_open_plans_and_names_them(cast):
    apps = migrate(BEFORE_ONE_OPEN)
    Plan = apps.get_model("coordination", "IndividualPlan")
    plans = [Plan.objects.create(patient_id=cast.tromso_only.pk,
                                 municipality_id=cast.tromso.pk, status=status)
             for status in ("active", "in_preparation")]
    with pytest.raises(Exception, match="more than one open individual plan") as exc_info:
        migrate(ONE_OPEN)
    assert all(str(plan.uuid) in str(exc_info.value) for plan in plans)
    Plan.objects.filter(pk=plans[0].pk).update(status="closed")


# --- a public UUID for coordinator assignments (0006) -----------------------------------

BEFORE_ASSIGNMENT_UUID = [("coordination", "0005_plan_sync_index")]
ASSIGNMENT_UUID = [("coordination", "0006_assignment_uuid")]


@pytest.mark.django_db(transaction=True)
def test_assignments_from_before_get_distinct_public_uuids_backwards_and_forwards(cast):
    plan = individual_plan(cast, coordinator(cast))
    other = coordinator(cast, user=cast.ke_tromso)
    services.assign_coordinator(plan, other, by=cast.ke_tromso)
    apps = migrate(BEFORE_ASSIGNMENT_UUID)
    Assignment = apps.get_model("coordination", "CoordinatorAssignment")
    assert "uuid" not in {field.name for field in Assignment._meta.get_fields()}
    assert Assignment.objects.count() == 2
    apps = migrate(ASSIGNMENT_UUID)
    uuids = list(apps.get_model("coordination", "CoordinatorAssignment").objects
                 .values_list("uuid", flat=True))
    assert len(uuids) == 2 and None not in uuids and len(set(uuids)) == 2


# --- plan versions name their items by UUID (0007) ----------------------------------------

BEFORE_SNAPSHOTS = [("coordination", "0006_assignment_uuid")]
SNAPSHOTS = [("coordination", "0007_snapshots_by_uuid")]


@pytest.mark.django_db(transaction=True)
def test_stored_snapshots_name_items_and_goal_references_by_uuid(cast):
    apps = migrate(BEFORE_SNAPSHOTS)
    Plan = apps.get_model("coordination", "IndividualPlan")
    Goal = apps.get_model("coordination", "Goal")
    Measure = apps.get_model("coordination", "Measure")
    Version = apps.get_model("coordination", "PlanVersion")
    plan = Plan.objects.create(patient_id=cast.tromso_only.pk, municipality_id=cast.tromso.pk,
                               status="active")
    goal = Goal.objects.create(plan=plan, text="Gå tur med hunden")
    sub_goal = Goal.objects.create(plan=plan, parent=goal, text="Gå til postkassen")
    measure = Measure.objects.create(plan=plan, goal=sub_goal, description="Gangtrening")
    deleted_goal_id = sub_goal.pk + 1000  # a goal removed since the version was stored
    snapshot = {"plan": {"status": "active"}, "goals": [
        {"id": goal.pk, "parent": None, "text": goal.text},
        {"id": sub_goal.pk, "parent": goal.pk, "text": sub_goal.text},
        {"id": deleted_goal_id, "parent": goal.pk, "text": "Borte"},
    ], "measures": [{"id": measure.pk, "goal": deleted_goal_id, "description": "Gangtrening"}],
        "participants": [], "consents": [], "evaluations": []}
    older = Version.objects.create(plan=plan, number=1, snapshot=snapshot,
                                   created_by_id=cast.coordinator.pk)
    newer = Version.objects.create(plan=plan, number=2, snapshot=snapshot,
                                   created_by_id=cast.coordinator.pk)

    apps = migrate(SNAPSHOTS)
    Version = apps.get_model("coordination", "PlanVersion")
    goals = Version.objects.get(pk=older.pk).snapshot["goals"]
    measures = Version.objects.get(pk=older.pk).snapshot["measures"]
    assert [row["id"] for row in goals[:2]] == [str(goal.uuid), str(sub_goal.uuid)]
    assert goals[1]["parent"] == str(goal.uuid)
    # The removed goal has a stand-in UUID, the same in every version and in its references.
    stand_in = goals[2]["id"]
    assert stand_in not in (str(goal.uuid), str(sub_goal.uuid)) and len(stand_in) == 36
    assert measures[0] == {"id": str(measure.uuid), "goal": stand_in, "description": "Gangtrening"}
    assert Version.objects.get(pk=newer.pk).snapshot["goals"][2]["id"] == stand_in

    apps = migrate(BEFORE_SNAPSHOTS)
    Version = apps.get_model("coordination", "PlanVersion")
    goals = Version.objects.get(pk=older.pk).snapshot["goals"]
    assert [row["id"] for row in goals[:2]] == [goal.pk, sub_goal.pk]
    assert goals[1]["parent"] == goal.pk


# --- when a measure was written into its plan (0009), for the observed waiting time -------

BEFORE_MEASURE_CREATED = [("coordination", "0008_goal_reworded")]
MEASURE_CREATED = [("coordination", "0009_measure_created_at")]


@pytest.mark.django_db(transaction=True)
def test_existing_measures_get_their_creation_from_the_audit_trail_else_the_plans(cast):
    apps = migrate(BEFORE_MEASURE_CREATED)
    Plan = apps.get_model("coordination", "IndividualPlan")
    Measure = apps.get_model("coordination", "Measure")
    AuditEvent = apps.get_model("registry", "AuditEvent")
    plan = Plan.objects.create(patient_id=cast.tromso_only.pk, municipality_id=cast.tromso.pk,
                               status="active")
    made = timezone.now() - timezone.timedelta(days=40)
    Plan.objects.filter(pk=plan.pk).update(created_at=made)
    audited = Measure.objects.create(plan=plan, description="Trening")
    unaudited = Measure.objects.create(plan=plan, description="Hjemmebesøk")
    added = timezone.now() - timezone.timedelta(days=12)
    # The trail is append-only (a trigger): the event is written as it was, 12 days ago.
    AuditEvent._meta.get_field("at").auto_now_add = False  # this state's model only
    AuditEvent.objects.create(action="create", object_type="measure",
                              object_id=str(audited.uuid), at=added)
    apps = migrate(MEASURE_CREATED)
    Measure = apps.get_model("coordination", "Measure")
    assert Measure.objects.get(pk=audited.pk).created_at == added
    assert Measure.objects.get(pk=unaudited.pk).created_at == made
