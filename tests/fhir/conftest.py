"""A small world for the FHIR tests, built through the real services: an admission of the
cast's shared patient at UNN with a sent early notice, a ready-for-discharge declaration
that Tromsø answered, a discharge meeting, and an individual plan in Tromsø."""

import datetime
from types import SimpleNamespace

import pytest
from django.utils import timezone
from fhir.resources import construct_fhir_element
from rest_framework.test import APIClient

from coordination import services as coordination
from coordination.models import (
    ConsentMethod,
    ConsentScope,
    PlanParticipantKind,
    PlanStatus,
)
from pathways import services
from pathways.models import MunicipalAnswerKind, ParticipantKind
from registry.models import ApiScope
from tests import factories
from tests.factories import admit

ALL_SCOPES = ApiScope.values
FHIR_JSON = "application/fhir+json"


def validate(resource: dict):
    """Parse with fhir.resources (R4 4.0.1): raises if the resource is not valid FHIR."""
    return construct_fhir_element(resource["resourceType"], resource)


def validate_bundle(bundle: dict) -> list[dict]:
    assert bundle["resourceType"] == "Bundle"
    validate(bundle)
    resources = [entry["resource"] for entry in bundle.get("entry", [])]
    for resource in resources:
        validate(resource)
    return resources


def ids(bundle: dict) -> set[str]:
    return {entry["resource"]["id"] for entry in bundle.get("entry", [])}


system = factories.api_client  # system(organization, name=..., scopes=...): an EPJ system


@pytest.fixture
def world(cast):
    admission = admit(cast, reason="Hjerneslag")
    notice = services.send_early_notification(
        admission, by=cast.planner, expected_course="Bedring over uker",
        barthel_index=55, requests_individual_plan=True)
    declaration = services.declare_ready_for_discharge(admission, by=cast.planner,
                                                       physician="Dr. Lege")
    answer = services.answer_ready_for_discharge(
        declaration, by=cast.ke_tromso, kind=MunicipalAnswerKind.CANNOT_YET,
        expected_date=timezone.localdate() + datetime.timedelta(days=3))
    meeting = services.schedule_discharge_meeting(
        admission, by=cast.planner,
        scheduled_at=timezone.now() + datetime.timedelta(days=2), location="Møterom 3",
        participants=[
            {"kind": ParticipantKind.COORDINATING_UNIT, "user": cast.ke_tromso,
             "organization": cast.tromso},
            {"kind": ParticipantKind.PATIENT, "name": "Astrid Aune"},
        ])
    ke_participant = meeting.participants.get(user=cast.ke_tromso)
    services.respond_to_invitation(ke_participant, by=cast.ke_tromso, status="accepted")

    kora = factories.coordinator(cast)
    plan = factories.individual_plan(cast, kora, cast.tromso_only, patient_wishes="")
    goal = coordination.add_goal(plan, by=cast.ke_tromso, text="Gå tur med hunden selv",
                                 target_date=timezone.localdate() + datetime.timedelta(days=90))
    coordination.add_measure(plan, by=cast.ke_tromso, description="Fysioterapi",
                             goal=goal, responsible_organization=cast.tromso,
                             extent="2 ganger i uka")
    coordination.add_participant(plan, by=cast.ke_tromso, kind=PlanParticipantKind.PATIENT,
                                 name="Tor Tindvik")
    coordination.add_participant(plan, by=cast.ke_tromso, kind=PlanParticipantKind.PROVIDER,
                                 name="Hjemmetjenesten", organization=cast.tromso)
    coordination.record_consent(plan, cast.tromso, ConsentScope.PLAN, ConsentMethod.WRITTEN,
                                by=cast.ke_tromso)
    plan = coordination.set_status(plan, PlanStatus.ACTIVE, by=cast.ke_tromso)
    return SimpleNamespace(admission=admission, notice=notice, declaration=declaration,
                           answer=answer, meeting=meeting, ke_participant=ke_participant,
                           kora=kora, plan=plan, goal=goal)


@pytest.fixture
def tromso_epj(cast):
    """Tromsø municipality's EPJ system with every scope."""
    return system(cast.tromso, name="Gerica Tromsø")


@pytest.fixture
def unn_epj(cast):
    """UNN's EPJ system with every scope: it admits and sends notices."""
    return system(cast.unn, name="DIPS UNN")


@pytest.fixture
def api_client():
    return APIClient()
