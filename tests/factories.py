"""Small builders for tests: real rows through the real services, synthetic identities only.

The pathway and coordination builders take the cast (tests/conftest.py) and default to its
people: the shared patient admitted at UNN by the planner, requests to Tromsø's KE."""

import datetime
import itertools
from types import SimpleNamespace

from django.utils import timezone
from rest_framework.test import APIClient

from coordination import services as coordination_services
from coordination.models import ConsentMethod, ConsentScope, PlanStatus, RequestKind, RequestSource
from pathways import services as pathway_services
from pathways.identity import make_synthetic_identity_number
from pathways.models import Admission, CareRelationshipReason, Patient
from registry.models import (
    ApiScope,
    CoordinatingUnit,
    Department,
    Membership,
    Organization,
    OrganizationKind,
    Region,
    Role,
    ServiceLevel,
    ServiceOffering,
    TargetGroup,
    User,
    Ward,
)
from registry.services import create_api_client
from registry.validators import synthetic_orgnr

_seq = itertools.count(1000)


def organization(kind=OrganizationKind.MUNICIPALITY, name=None, **fields) -> Organization:
    n = next(_seq)
    defaults = {"name": name or f"Org {n}", "orgnr": synthetic_orgnr(n), "region": Region.NORTH}
    if kind == OrganizationKind.MUNICIPALITY:
        defaults.update(municipality_number=f"{n % 10000:04d}", population=10_000)
    defaults.update(fields)
    org = Organization(kind=kind, **defaults)
    org.full_clean()
    org.save()
    return org


def user(username, organization=None, role=None, password="correct horse battery", **fields):
    u = User.objects.create_user(username=username, password=password, **fields)
    if organization is not None:
        Membership.objects.create(user=u, organization=organization, role=role)
    return u


def identity_number(birth_date=datetime.date(1950, 3, 14), d_number=False) -> str:
    while True:
        number = make_synthetic_identity_number(birth_date, next(_seq), d_number=d_number)
        if number and not Patient.objects.filter(identity_number=number).exists():
            return number


def patient(registered_by, given_name="Kari", family_name="Nordmann", municipality=None,
            birth_date=datetime.date(1950, 3, 14), **fields) -> Patient:
    municipality = municipality or registered_by.memberships.first().organization
    return pathway_services.register_patient(
        by=registered_by, identity_number=identity_number(birth_date), given_name=given_name,
        family_name=family_name, birth_date=birth_date, municipality=municipality, **fields,
    )


def cast() -> SimpleNamespace:
    """The fixed cast (tests/conftest.py): UNN's planner, Tromsø's KE and coordinator, Bodø's
    KE as the outsider, and three patients: shared, known to Tromsø only, known to Bodø only."""
    rhf = organization(OrganizationKind.REGIONAL_HEALTH_AUTHORITY, "Helse Nord RHF")
    unn_hf = organization(OrganizationKind.HEALTH_TRUST, "Universitetssykehuset Nord-Norge HF",
                          parent=rhf)
    unn = organization(OrganizationKind.HOSPITAL, "UNN Tromsø", parent=unn_hf)
    tromso = organization(name="Tromsø", municipality_number="5501", population=78_745)
    bodo = organization(name="Bodø", municipality_number="1804", population=53_712)

    planner = user("planner", unn, Role.DISCHARGE_PLANNER, first_name="Pia",
                   last_name="Planlegger")
    ke_tromso = user("ke_tromso", tromso, Role.KE_STAFF, first_name="Kåre", last_name="Tromsø")
    coordinator = user("coordinator", tromso, Role.COORDINATOR, first_name="Kora",
                       last_name="Koordinator")
    ke_bodo = user("ke_bodo", bodo, Role.KE_STAFF, first_name="Bjørn", last_name="Bodø")

    # Admitted at UNN, resident in Tromsø, coordinated by the coordinator.
    shared = patient(planner, "Astrid", "Aune", municipality=tromso)
    relate(shared, tromso, planner, CareRelationshipReason.RESIDENCE)
    relate(shared, tromso, ke_tromso, CareRelationshipReason.COORDINATION, user=coordinator)
    # Known only to Tromsø's KE.
    tromso_only = patient(ke_tromso, "Tor", "Tindvik", municipality=tromso)
    # Known only to Bodø.
    bodo_only = patient(ke_bodo, "Berit", "Bakken", municipality=bodo)

    # UNN's stroke unit, where admissions go unless a test names another ward.
    stroke_unit = ward(unn, "Slag")

    return SimpleNamespace(
        rhf=rhf, unn_hf=unn_hf, unn=unn, tromso=tromso, bodo=bodo, stroke_unit=stroke_unit,
        planner=planner, ke_tromso=ke_tromso, coordinator=coordinator, ke_bodo=ke_bodo,
        shared=shared, tromso_only=tromso_only, bodo_only=bodo_only,
    )


_register = patient  # for builders whose own argument is named `patient`


def relate(patient, organization, by, reason=CareRelationshipReason.ADMISSION, user=None):
    return pathway_services.grant_care_relationship(patient, organization, reason, by=by, user=user)


def service(provider, level_code="3", name=None, **fields) -> ServiceOffering:
    target_groups = fields.pop("target_groups", [])
    served = fields.pop("municipalities_served", [])
    offering = ServiceOffering.objects.create(
        provider=provider, level=ServiceLevel.objects.get(code=level_code),
        name=name or f"Service {next(_seq)}", **fields,
    )
    offering.target_groups.set(target_groups)
    offering.municipalities_served.set(served)
    return offering


def target_group(code, name=None) -> TargetGroup:
    return TargetGroup.objects.get_or_create(code=code, defaults={"name": name or code})[0]


def coordinating_unit(org, **fields) -> CoordinatingUnit:
    unit = CoordinatingUnit(organization=org, name=f"KE {org.name}",
                            inbox_address=f"ke{org.pk}@example.org", **fields)
    unit.full_clean()
    unit.save()
    return unit


def api_client(organization, name="EPJ", scopes=ApiScope.values) -> APIClient:
    """An EPJ system acting for the organisation: an HTTP client carrying its API key, with
    the ApiClient row and the key itself as `.api_client` and `.key`."""
    client, key = create_api_client(organization, name, scopes=list(scopes))
    http = APIClient()
    http.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    http.api_client, http.key = client, key
    return http


def ward(hospital, name="Slag", code=None, department="Nevrologisk avdeling",
         **fields) -> Ward:
    """The hospital's ward of that name (registered on first use; code: the name in
    capitals without spaces)."""
    if isinstance(name, Ward):
        return name
    code = code or "".join(name.split()).upper()[:20]
    found = Ward.objects.filter(hospital=hospital, code=code).first()
    if found is not None:
        return found
    department = Department.objects.get_or_create(hospital=hospital, name=department)[0]
    registered = Ward(department=department, name=name, code=code, **fields)
    registered.full_clean()
    registered.save()
    return registered


_ward = ward  # for builders whose own argument is named `ward`


def tie_to_ward(user, hospital, name="Slag") -> Ward:
    """The user's membership at the hospital names the ward as their own (Membership.ward)."""
    own = ward(hospital, name)
    Membership.objects.filter(user=user, organization=hospital).update(ward=own)
    return own


# --- the pathway (pathways.services) -----------------------------------------------------------

def admit(cast, patient=None, hours_ago=2, *, by=None, hospital=None, ward="Slag",
          admitted_at=None, **fields):
    """An admission as the ward registers it: the shared patient at UNN by the planner, on
    the ward named (a Ward, or a name registered at the hospital on first use)."""
    hospital = hospital or cast.unn
    return pathway_services.admit_patient(
        by=by or cast.planner, patient=patient or cast.shared, hospital=hospital,
        ward=_ward(hospital, ward),
        admitted_at=admitted_at or timezone.now() - datetime.timedelta(hours=hours_ago),
        **fields)


def admission_row(cast, admitted_at, patient=None, *, ward="Slag", **fields):
    """An admission row at a fixed moment, as a sweep meets it days later: a state no service
    makes (admit_patient stamps, notifies and audits now). The deadline is 24 hours on; without
    a patient, a new one of Tromsø (one open stay per patient and hospital)."""
    if patient is None:
        patient = _register(cast.ke_tromso, given_name="Test",
                            family_name=f"Pasient{Admission.objects.count()}",
                            municipality=cast.tromso)
    fields.setdefault("municipality", cast.tromso)
    return Admission.objects.create(
        patient=patient, hospital=cast.unn, ward=_ward(cast.unn, ward), admitted_at=admitted_at,
        notification_deadline=admitted_at + datetime.timedelta(hours=24), **fields)


def early_notification(cast, admission=None, *, by=None, **content):
    """A sent early notification (of a new admission unless one is given)."""
    return pathway_services.send_early_notification(admission or admit(cast),
                                                    by=by or cast.planner, **content)


def ready_for_discharge(cast, admission=None, *, by=None, physician="Dr. Lege", days_ago=0,
                        **fields):
    """A declaration that the patient is ready for discharge, `days_ago` (and a minute)."""
    return pathway_services.declare_ready_for_discharge(
        admission or admit(cast), by=by or cast.planner, physician=physician,
        declared_at=timezone.now() - datetime.timedelta(days=days_ago, minutes=1), **fields)


def discharge_meeting(cast, admission=None, *, by=None, hours_ahead=48, location="Møterom 3",
                      participants=None, **fields):
    """A discharge meeting ahead, with Tromsø's KE invited unless participants are given."""
    if participants is None:
        participants = [{"kind": "coordinating_unit", "user": cast.ke_tromso}]
    fields.setdefault("scheduled_at", timezone.now() + datetime.timedelta(hours=hours_ahead))
    return pathway_services.schedule_discharge_meeting(
        admission or admit(cast), by=by or cast.planner, location=location,
        participants=participants, **fields)


# --- the KE's work (coordination.services) -----------------------------------------------------

def coordinator(cast, user=None, organization=None, by=None):
    """A coordinator profile: the cast's coordinator, appointed by Tromsø's KE."""
    return coordination_services.create_coordinator_profile(
        user=user or cast.coordinator, organization=organization or cast.tromso,
        by=by or cast.ke_tromso)


def plan_request(cast, patient=None, kind=RequestKind.INDIVIDUAL_PLAN, by=None,
                 municipality=None, source=RequestSource.PATIENT, **fields):
    """A request to the KE (by default Tromsø's, for the patient only Tromsø knows)."""
    return coordination_services.submit_plan_request(
        patient=patient or cast.tromso_only, municipality=municipality or cast.tromso,
        kind=kind, source=source, by=by or cast.ke_tromso, **fields)


def individual_plan(cast, coordinator, patient=None, kind=RequestKind.INDIVIDUAL_PLAN, *,
                    by=None, municipality=None, patient_wishes="Someone who speaks slowly"):
    """A plan in preparation: a request accepted by the KE with this coordinator."""
    by = by or cast.ke_tromso
    request = plan_request(cast, patient, kind=kind, by=by, municipality=municipality)
    return coordination_services.accept_request(request, by=by, coordinator=coordinator,
                                                patient_wishes=patient_wishes)


def activate_plan(cast, plan, by=None):
    """The plan made active, with the goal and the consent activation asks for."""
    by = by or cast.ke_tromso
    coordination_services.add_goal(plan, by=by, text="Gå tur med hunden selv")
    coordination_services.record_consent(plan, plan.municipality, ConsentScope.PLAN,
                                         ConsentMethod.WRITTEN, by=by)
    return coordination_services.set_status(plan, PlanStatus.ACTIVE, by=by)
