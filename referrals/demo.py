"""The referrals' demo data for `manage.py seed_demo`, added when pathways sends
demo_data_seeded: the region's assessment unit (RVE) at UNN with an assessor and its lead, a
GP office in Tromsø with its GP, Valnesfjord's intake, and three of the GP's patients:

- Gerd, assessed by the GP (her own goals first; the rules suggest level 4, the GP chose 5.1
  with a reason), applied for a stay at Valnesfjord through the RVE three working days ago:
  in the RVE's inbox, awaiting its rights assessment;
- Hans, accepted at Valnesfjord with a right and a date: on its waiting list;
- Marit, who started her stay at Valnesfjord 25 days ago.

Valnesfjord's waiting time is then computed from its list and its starts, like every
service's (the catalogue shows no typed-in figure). Everything goes through
referrals.services as the demo users, so permissions, deadlines, notifications and the audit
trail are what real use leaves. Idempotent: a patient's referral that exists is left alone.
All people and texts are fictitious."""

import datetime

from django.utils import timezone

from common.sweeps import local_midnight
from pathways.identity import make_synthetic_identity_number
from pathways.models import Patient
from pathways.services import register_patient
from registry.demo_credentials import demo_user
from registry.models import Membership, Organization, OrganizationKind, Role, ServiceLevel
from registry.validators import synthetic_orgnr

from . import services
from .models import NeedsAssessment, Referral
from .waiting import refresh_waiting_times
from .workdays import is_working_day

REGION = "helse_nord"
# key, name, kind, parent key, orgnr seed
ORGANIZATIONS = [
    ("rve-nord", "Regional vurderingsenhet, UNN", OrganizationKind.ASSESSMENT_UNIT, "unn", 898),
    ("tromso-legesenter", "Tromsø legesenter", OrganizationKind.GP_OFFICE, None, 899),
]
# username, given name, family name, organisation key, role
USERS = [
    ("fastlege.tromso", "Geir", "Fastlege", "tromso-legesenter", Role.GP),
    ("vurdering.rve", "Vera", "Vurdering", "rve-nord", Role.REFERRAL_ASSESSOR),
    ("leder.rve", "Lars", "Leder", "rve-nord", Role.UNIT_LEAD),
    ("inntak.valnesfjord", "Ingrid", "Inntak", "valnesfjord", Role.REFERRAL_ASSESSOR),
]
INSTITUTION_SERVICE = "Rehabiliteringsopphold, Valnesfjord Helsesportsenter"

# key, given name, family name, birth date, identity serial
PATIENTS = [
    ("gerd", "Gerd", "Grønli", datetime.date(1951, 4, 2), 700),
    ("hans", "Hans", "Hågensen", datetime.date(1962, 10, 17), 710),
    ("marit", "Marit", "Moe", datetime.date(1958, 1, 23), 720),
]


def seed_referrals_demo(sender, *, organizations, **kwargs) -> str:
    """Receiver of pathways.signals.demo_data_seeded; the line it returns is printed."""
    orgs = dict(organizations)
    for key, name, kind, parent, seed in ORGANIZATIONS:
        org, _created = Organization.objects.get_or_create(
            orgnr=synthetic_orgnr(seed), defaults={
                "name": name, "kind": kind, "region": REGION,
                "parent": orgs[parent] if parent else None})
        orgs[key] = org
    people = {}
    for username, first, last, org_key, role in USERS:
        people[username] = demo_user(username, first, last)
        Membership.objects.get_or_create(user=people[username], organization=orgs[org_key],
                                         role=role)
    gp = people["fastlege.tromso"]
    service = orgs["valnesfjord"].services.get(name=INSTITUTION_SERVICE)
    patients = {key: _patient(gp, orgs, key, given, family, born, serial)
                for key, given, family, born, serial in PATIENTS}
    today = timezone.localdate()

    if not Referral.objects.filter(patient=patients["gerd"], service=service).exists():
        assessment = _assessment(gp, patients["gerd"])
        services.refer(by=gp, patient=patients["gerd"], service=service,
                       needs_assessment=assessment, received_at=_working_days_ago(today, 3),
                       reason="Hjerneslag for seks uker siden. Trenger intensiv, tverrfaglig "
                              "opptrening for å kunne bo hjemme alene igjen.")
    if not Referral.objects.filter(patient=patients["hans"], service=service).exists():
        hans = services.refer(by=gp, patient=patients["hans"], service=service,
                              received_at=_working_days_ago(today, 12),
                              reason="MS med økende gangvansker; ønsker opphold for å holde "
                                     "seg i arbeid.")
        services.accept(hans, by=people["vurdering.rve"], has_right=True,
                        care_start_deadline=today + datetime.timedelta(days=45),
                        expected_start=today + datetime.timedelta(days=21),
                        severity="Moderat, økende funksjonstap.",
                        expected_benefit="God: klare mål om arbeid og gange.",
                        resource_use="Rimelig i forhold til nytten.")
    if not Referral.objects.filter(patient=patients["marit"], service=service).exists():
        marit = services.refer(by=gp, patient=patients["marit"], service=service,
                               received_at=_working_days_ago(today, 40),
                               reason="Etter hoftebrudd og hjerneslag; trenger opptrening.")
        marit = services.accept(marit, by=people["vurdering.rve"], has_right=False)
        services.record_start(marit, by=people["inntak.valnesfjord"],
                              started_on=today - datetime.timedelta(days=25))
    # Every active service's figure from its list and starts: none is typed in.
    refresh_waiting_times()
    service.refresh_from_db()
    waiting = "not known" if service.waiting_days is None else f"{service.waiting_days} days"
    return (f"Referrals demo data in place: {orgs['rve-nord'].name} and "
            f"{orgs['tromso-legesenter'].name}; {service.name}: waiting list "
            f"{Referral.objects.waiting_list(service).count()}, waiting time {waiting}.")


def _patient(gp, orgs, key, given, family, born, serial) -> Patient:
    existing = Patient.objects.filter(given_name=given, family_name=family,
                                      birth_date=born).first()
    if existing is not None:
        return existing
    while True:
        number = make_synthetic_identity_number(born, serial)
        serial += 1
        if number and not Patient.objects.filter(identity_number=number).exists():
            break
    return register_patient(by=gp, organization=orgs["tromso-legesenter"],
                            identity_number=number, given_name=given, family_name=family,
                            birth_date=born, municipality=orgs["tromso"])


def _assessment(gp, patient) -> NeedsAssessment:
    draft = services.start_assessment(by=gp, patient=patient)
    draft = services.save_assessment(draft, by=gp, version=draft.version, changes={
        "patient_goals": "Klare meg selv hjemme, gå tur med hunden og handle på butikken.",
        "barthel_index": 55, "modified_rankin": 3,
        "cognition": "Litt redusert hukommelse og tempo.",
        "communication": "Lett afasi; forstår godt.",
        "social_situation": "Bor alene i enebolig; datter i Tromsø.",
        "rehabilitation_potential": "good",
        "potential_note": "Motivert, god framgang på sykehuset."})
    return services.complete_assessment(
        draft, by=gp, version=draft.version, level=ServiceLevel.objects.get(code="5.1"),
        override_reason="Trenger intensiv, tverrfaglig opptrening over flere uker; det har "
                        "ikke kommunen kapasitet til nå.")


def _working_days_ago(today: datetime.date, days: int) -> datetime.datetime:
    """Nine in the morning `days` working days before today."""
    day, counted = today, 0
    while counted < days:
        day -= datetime.timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return local_midnight(day) + datetime.timedelta(hours=9)
