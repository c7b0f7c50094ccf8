"""Searches cost the same number of queries for 3 rows as for 30 (select_related and
prefetch in the handlers; the audit is one INSERT per page)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from coordination import services as coordination
from coordination.models import PlanParticipantKind, RequestKind, RequestSource
from tests import factories

from .conftest import admit, validate_bundle

BASE = "/fhir/r4/"


def queries(client, url: str, rows: int) -> int:
    # Warm up: the first request of a key also records when the key was last used.
    client.get(f"{BASE}Organization?_count=0")
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    bundle = response.json()
    assert bundle["total"] == rows
    validate_bundle(bundle)
    return len(captured)


def patients(cast, n):
    return [factories.patient(cast.ke_tromso, f"P{i}", "Pasient", municipality=cast.tromso)
            for i in range(n)]


@pytest.mark.django_db
def test_encounter_search_cost_does_not_grow_with_rows(cast, tromso_epj):
    made = patients(cast, 30)
    for patient in made[:3]:
        admit(cast, patient)
    # key lookup, bundle total, page (the scope is a subquery of both), audit grounds
    # (memberships, relationships), audit INSERT: 6.
    small = queries(tromso_epj, f"{BASE}Encounter?_count=50", 3)
    for patient in made[3:]:
        admit(cast, patient)
    large = queries(tromso_epj, f"{BASE}Encounter?_count=50", 30)
    assert small == large
    assert large <= 6


@pytest.mark.django_db
def test_careplan_and_careteam_search_cost_does_not_grow_with_rows(cast, tromso_epj):
    kora = coordination.create_coordinator_profile(user=cast.coordinator,
                                                   organization=cast.tromso, by=cast.ke_tromso)

    def plan_for(patient):
        request = coordination.submit_plan_request(
            patient=patient, municipality=cast.tromso, kind=RequestKind.INDIVIDUAL_PLAN,
            source=RequestSource.PATIENT, by=cast.ke_tromso)
        plan = coordination.accept_request(request, by=cast.ke_tromso, coordinator=kora,
                                           allow_over_capacity=True)
        goal = coordination.add_goal(plan, by=cast.ke_tromso, text="Klare meg selv")
        coordination.add_measure(plan, by=cast.ke_tromso, description="Trening", goal=goal,
                                 responsible_organization=cast.tromso)
        coordination.add_participant(plan, by=cast.ke_tromso,
                                     kind=PlanParticipantKind.PROVIDER, name="Fysio",
                                     organization=cast.tromso)

    made = patients(cast, 30)
    for patient in made[:3]:
        plan_for(patient)
    small_plans = queries(tromso_epj, f"{BASE}CarePlan", 3)
    small_teams = queries(tromso_epj, f"{BASE}CareTeam", 3)
    small_goals = queries(tromso_epj, f"{BASE}Goal", 3)
    for patient in made[3:]:
        plan_for(patient)
    assert queries(tromso_epj, f"{BASE}CarePlan", 30) == small_plans
    assert queries(tromso_epj, f"{BASE}CareTeam", 30) == small_teams
    assert queries(tromso_epj, f"{BASE}Goal", 30) == small_goals
    assert small_plans <= 8  # as Encounter, plus the goals and measures prefetches


@pytest.mark.django_db
def test_task_search_cost_does_not_grow_with_rows(cast, tromso_epj):
    from pathways import services

    made = patients(cast, 12)
    for patient in made[:2]:
        services.declare_ready_for_discharge(admit(cast, patient), by=cast.planner,
                                             physician="Dr. Lege")
    small = queries(tromso_epj, f"{BASE}Task", 4)
    for patient in made[2:]:
        services.declare_ready_for_discharge(admit(cast, patient), by=cast.planner,
                                             physician="Dr. Lege")
    assert queries(tromso_epj, f"{BASE}Task", 24) == small
