import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from common.exceptions import StateConflict
from coordination import services
from coordination.models import Coordinator, CoordinatorAssignment, PlanStatus
from pathways.models import CareRelationship, Patient
from registry.models import Notification, Role
from tests import factories

from .conftest import make_plan


def test_it_lets_only_the_ke_appoint_its_own_staff_as_coordinators(cast):
    with pytest.raises(PermissionDenied):
        services.create_coordinator_profile(user=cast.coordinator, organization=cast.tromso,
                                            by=cast.ke_bodo)
    with pytest.raises(ValidationError) as exc_info:
        services.create_coordinator_profile(user=cast.ke_bodo, organization=cast.tromso,
                                            by=cast.ke_tromso)
    assert "user" in exc_info.value.message_dict
    services.create_coordinator_profile(user=cast.coordinator, organization=cast.tromso,
                                        by=cast.ke_tromso, kind="cancer")
    with pytest.raises(ValidationError):  # the same profile twice
        services.create_coordinator_profile(user=cast.coordinator, organization=cast.tromso,
                                            by=cast.ke_tromso, kind="cancer")
    assert Coordinator.objects.count() == 1


def test_it_refuses_a_coordinator_from_another_municipality(cast, kora):
    bodo_user = factories.user("koord_bodo", cast.bodo, Role.COORDINATOR)
    bodo_coordinator = services.create_coordinator_profile(
        user=bodo_user, organization=cast.bodo, by=cast.ke_bodo)
    plan = make_plan(cast, kora)
    with pytest.raises(ValidationError) as exc_info:
        services.assign_coordinator(plan, bodo_coordinator, by=cast.ke_tromso)
    assert "coordinator" in exc_info.value.message_dict
    assert "Bodø" in exc_info.value.message_dict["coordinator"][0]
    plan.refresh_from_db()
    assert plan.coordinator == kora


def test_it_refuses_an_inactive_coordinator(cast, kora, second_coordinator):
    plan = make_plan(cast, kora)
    services.update_coordinator_profile(second_coordinator, by=cast.ke_tromso, active=False)
    with pytest.raises(ValidationError) as exc_info:
        services.assign_coordinator(plan, second_coordinator, by=cast.ke_tromso)
    assert "coordinator" in exc_info.value.message_dict


def test_it_says_when_the_coordinator_is_full_and_assigns_only_when_told(cast, kora):
    services.update_coordinator_profile(kora, by=cast.ke_tromso, capacity=1)
    make_plan(cast, kora)
    request = services.submit_plan_request(
        patient=cast.shared, municipality=cast.tromso, kind="individual_plan",
        source="hospital", by=cast.planner)
    with pytest.raises(ValidationError) as exc_info:
        services.accept_request(request, by=cast.ke_tromso, coordinator=kora)
    assert exc_info.value.error_dict["coordinator"][0].code == "over_capacity"
    plan = services.accept_request(request, by=cast.ke_tromso, coordinator=kora,
                                   allow_over_capacity=True)
    assert plan.coordinator == kora
    loaded = services.coordinators_with_load(cast.tromso).get(pk=kora.pk)
    assert loaded.load == 2 and loaded.over_capacity


def test_it_counts_the_load_in_one_query(cast, kora, second_coordinator,
                                         django_assert_num_queries):
    make_plan(cast, kora)
    make_plan(cast, second_coordinator, patient=cast.shared)
    with django_assert_num_queries(1):  # coordinators joined to users, plans counted
        rows = [(c.user.username, c.load, c.over_capacity)
                for c in services.coordinators_with_load(cast.tromso)]
    assert sorted(rows) == [("coordinator", 1, False), ("coordinator2", 1, False)]


def test_it_keeps_the_history_and_moves_access_on_reassignment(cast, kora, second_coordinator):
    plan = make_plan(cast, kora)
    assert cast.tromso_only in Patient.objects.visible_to(cast.coordinator)
    version = plan.version

    services.assign_coordinator(plan, second_coordinator, by=cast.ke_tromso,
                                patient_wishes="Ønsker en mannlig koordinator")
    plan.refresh_from_db()
    assert plan.coordinator == second_coordinator and plan.version == version + 1
    first, second = CoordinatorAssignment.objects.filter(plan=plan).order_by("assigned_at")
    assert first.coordinator == kora and first.ended_at is not None
    assert second.coordinator == second_coordinator and second.ended_at is None
    assert second.patient_wishes == "Ønsker en mannlig koordinator"
    # The old coordinator's personal access ended; the new one's began.
    assert cast.tromso_only not in Patient.objects.visible_to(cast.coordinator)
    assert cast.tromso_only in Patient.objects.visible_to(second_coordinator.user)
    ended = CareRelationship.objects.get(patient=cast.tromso_only, user=cast.coordinator)
    assert ended.valid_to is not None and ended.reason == "coordination"
    assert Notification.objects.filter(recipient=second_coordinator.user,
                                       kind="coordination.coordinator_assigned").exists()
    # The new coordinator edits; the old one may not.
    services.update_plan(plan, by=second_coordinator.user, expected_version=plan.version,
                         resources="Sterk vilje")
    with pytest.raises(PermissionDenied):
        services.update_plan(plan, by=cast.coordinator, expected_version=plan.version + 1,
                             resources="x")


def test_it_lets_only_the_ke_assign_and_refuses_the_same_coordinator_again(
        cast, kora, second_coordinator):
    plan = make_plan(cast, kora)
    with pytest.raises(PermissionDenied):
        services.assign_coordinator(plan, second_coordinator, by=cast.coordinator)
    with pytest.raises(StateConflict):
        services.assign_coordinator(plan, kora, by=cast.ke_tromso)
    services.set_status(plan, PlanStatus.CLOSED, by=cast.ke_tromso)
    with pytest.raises(StateConflict):
        services.assign_coordinator(plan, second_coordinator, by=cast.ke_tromso)
    assert CoordinatorAssignment.objects.filter(plan=plan).count() == 1
