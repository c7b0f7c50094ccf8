"""One of every patient-bound object for each of the cast's patients, plus a patient whose care
relationships have all ended, and the people and EPJ systems who ask for them: the world the
generated access matrix (tests/test_route_matrix.py) runs against. Besides the cast: the
region's assessment unit (RVE) and two private institutions, one of which the RVE allocated
the shared patient a place at."""

import datetime
from types import SimpleNamespace

from django.utils import timezone

from coordination import services as coordination
from coordination.models import ConsentMethod, ConsentScope, PlanParticipantKind
from pathways import services as pathways
from pathways.models import CareRelationship
from referrals import services as referrals
from registry.models import Notification, OrganizationKind, Role
from webhooks.models import WebhookSubscription

from . import factories
from .pathways.variant_helpers import ESD, kind, variant

PATIENTS = ("shared", "tromso_only", "bodo_only", "orphan")
# Who sees which patient: the care relationship alone (tests/conftest.py). The orphan's
# relationships have all ended: nobody sees it, whatever rows it still has.
SEES = {
    "planner": {"shared"},
    "ke_tromso": {"shared", "tromso_only"},
    "coordinator": {"shared"},
    "ke_bodo": {"bodo_only"},
    "ke_narvik": set(),  # an organisation outside every care relationship
    "unn_system": {"shared"},  # UNN's EPJ system, by API key
    "tromso_system": {"shared", "tromso_only"},
    # The RVE assessed the shared patient's referral to Valnesfjord and allocated a place
    # there: both have a care relationship from it; Skibotn was sent nothing.
    "rve": {"shared"},
    "valnesfjord": {"shared"},
    "skibotn": set(),
}
MEMBERS = sorted(SEES)
SYSTEMS = {"unn_system", "tromso_system"}
# Who sees the shared patient's referral through the RVE: the unit that sent it (Tromsø's
# KE, its coordinator and its EPJ system), the RVE that assessed it and the institution
# that has the patient on its list; not the hospital, though it sees the patient. The RVE
# and the institutions see no other referral: they were sent none.
INSTITUTION_REFERRAL_SEEN_BY = {"ke_tromso", "coordinator", "tromso_system", "rve",
                                "valnesfjord"}
INSTITUTIONS = {"rve", "valnesfjord", "skibotn"}


def _everything_of(cast, patient, *, planner, hospital, ke, municipality, coordinator,
                   admitted=True):
    """An admission with a sent notice, a declaration, a meeting with a follow-up task and an
    enrolment in early supported discharge with a visit planned; a plan (its accepted
    request) with a goal, a measure, a participant and a consent."""
    objects = SimpleNamespace(patient=patient)
    if admitted:
        stay = factories.admit(cast, patient, hours_ago=30, by=planner, hospital=hospital)
        objects.admission = stay
        objects.notice = factories.early_notification(cast, stay, by=planner)
        objects.declaration = factories.ready_for_discharge(cast, stay, by=planner)
        objects.meeting = factories.discharge_meeting(
            cast, stay, by=planner, participants=[{"kind": "coordinating_unit", "user": ke}])
        objects.task = pathways.add_follow_up_task(
            objects.meeting, by=planner, description="Hjelpemidler", responsible_name="KE",
            due_date=timezone.localdate() + datetime.timedelta(days=7))
        objects.participant = objects.meeting.participants.get(user=ke)
        # The shared plan of home rehabilitation (early supported discharge) and a team visit.
        objects.enrolment = pathways.enrol(stay, by=planner, variant=variant(ESD))
        objects.activity = pathways.schedule_activity(
            objects.enrolment, by=planner, kind=kind("hjemmebesok"),
            scheduled_at=timezone.now() + datetime.timedelta(days=2))
        # A question from the hospital to the municipality, not yet answered.
        objects.question = pathways.ask_question(stay, by=planner,
                                                 to_organization=stay.municipality,
                                                 text="Har pasienten hjemmetjenester i dag?")
    plan = factories.individual_plan(cast, coordinator, patient, by=ke,
                                     municipality=municipality)
    objects.plan, objects.request = plan, plan.request
    objects.goal = coordination.add_goal(plan, by=ke, text="Gå til butikken")
    objects.measure = coordination.add_measure(plan, by=ke, description="Gangtrening",
                                               goal=objects.goal)
    objects.plan_participant = coordination.add_participant(
        plan, by=ke, kind=PlanParticipantKind.OTHER, name="Fysioterapeut Fia")
    objects.consent = coordination.record_consent(plan, municipality, ConsentScope.PLAN,
                                                  ConsentMethod.WRITTEN, by=ke)
    return objects


def _referrals_of(objects, *, referrer, assessor, services_asked) -> None:
    """A referral awaiting assessment, one accepted onto a waiting list, and a needs
    assessment with scores (issue 15): to the municipality's own services."""
    patient = objects.patient
    asked, waiting = services_asked
    objects.referral = referrals.refer(by=referrer, patient=patient, service=asked,
                                       reason="Trenger hverdagsrehabilitering")
    objects.waiting_referral = referrals.accept(
        referrals.refer(by=referrer, patient=patient, service=waiting,
                        reason="Trenger korttidsopphold med rehabilitering"),
        by=assessor, expected_start=timezone.localdate() + datetime.timedelta(days=14))
    assessment = referrals.start_assessment(by=assessor, patient=patient)
    objects.assessment = referrals.save_assessment(
        assessment, by=assessor, version=assessment.version,
        changes={"patient_goals": "Klare meg selv hjemme", "barthel_index": 60,
                 "modified_rankin": 3})


def build(cast):
    """The world: `world.people[member]` is the user behind each member (an EPJ system's
    service account), `world.of[patient]` the patient's objects."""
    trust = factories.organization(OrganizationKind.HEALTH_TRUST, "Nordlandssykehuset HF",
                                   parent=cast.rhf)
    nlsh = factories.organization(OrganizationKind.HOSPITAL, "Nordlandssykehuset Bodø",
                                  parent=trust)
    nlsh_planner = factories.user("planner_nlsh", nlsh, Role.DISCHARGE_PLANNER)
    narvik = factories.organization(name="Narvik", municipality_number="1806")
    ke_narvik = factories.user("ke_narvik", narvik, Role.KE_STAFF)
    kora = factories.coordinator(cast)
    # Tromsø's own patient gets another coordinator: the cast's sees the shared patient only.
    kai = factories.coordinator(cast, user=factories.user("coordinator_kai", cast.tromso,
                                                          Role.COORDINATOR))
    bo = factories.coordinator(
        cast, user=factories.user("coordinator_bodo", cast.bodo, Role.COORDINATOR),
        organization=cast.bodo, by=cast.ke_bodo)
    systems = {}
    for name, organization in (("unn_system", cast.unn), ("tromso_system", cast.tromso)):
        http = factories.api_client(organization, name)
        client, key = http.api_client, http.key
        systems[name] = SimpleNamespace(client=client, key=key)
        host = name.replace("_", "-")
        subscription = WebhookSubscription(client=client, events=["admission.created"],
                                           target_url=f"https://{host}.example.org/hooks")
        subscription.full_clean()
        subscription.save()
        systems[name].subscription = subscription

    orphan = factories.patient(cast.ke_tromso, "Otto", "Orphan", municipality=cast.tromso)
    of = {
        "shared": _everything_of(cast, cast.shared, planner=cast.planner, hospital=cast.unn,
                                 ke=cast.ke_tromso, municipality=cast.tromso, coordinator=kora),
        "tromso_only": _everything_of(cast, cast.tromso_only, planner=None, hospital=None,
                                      ke=cast.ke_tromso, municipality=cast.tromso,
                                      coordinator=kai, admitted=False),
        "bodo_only": _everything_of(cast, cast.bodo_only, planner=nlsh_planner, hospital=nlsh,
                                    ke=cast.ke_bodo, municipality=cast.bodo, coordinator=bo),
        "orphan": _everything_of(cast, orphan, planner=cast.planner, hospital=cast.unn,
                                 ke=cast.ke_tromso, municipality=cast.tromso, coordinator=kai),
    }
    # Each patient's referrals and needs assessment, to its municipality's services.
    offered = {municipality.pk: (
        factories.service(municipality, "3", name=f"Hverdagsrehabilitering {municipality}"),
        factories.service(municipality, "4", name=f"Korttidsrehabilitering {municipality}"))
        for municipality in (cast.tromso, cast.bodo)}
    for name, referrer, assessor in (("shared", cast.planner, cast.ke_tromso),
                                     ("tromso_only", cast.ke_tromso, cast.ke_tromso),
                                     ("bodo_only", cast.ke_bodo, cast.ke_bodo),
                                     ("orphan", cast.ke_tromso, cast.ke_tromso)):
        _referrals_of(of[name], referrer=referrer, assessor=assessor,
                      services_asked=offered[of[name].patient.municipality_id])
    # Tromsø's KE refers the shared patient to Valnesfjord, through the RVE (seed 001 § 3.2),
    # which allocates a place there.
    rve = factories.organization(OrganizationKind.ASSESSMENT_UNIT,
                                 "Regional vurderingsenhet, UNN", parent=cast.unn_hf)
    units = {"rve": rve, "valnesfjord": factories.organization(
        OrganizationKind.PRIVATE_INSTITUTION, "Valnesfjord Helsesportssenter"),
        "skibotn": factories.organization(OrganizationKind.PRIVATE_INSTITUTION,
                                          "Skibotnsenteret")}
    assessors = {name: factories.user(name, unit, Role.REFERRAL_ASSESSOR)
                 for name, unit in units.items()}
    at_institution = {name: factories.service(units[name], "5.1", f"{units[name]}: rehabilitering")
                      for name in ("valnesfjord", "skibotn")}
    shared = of["shared"]
    shared.institution_referral = referrals.accept(
        referrals.refer(by=cast.ke_tromso, patient=shared.patient,
                        service=at_institution["valnesfjord"], reason="Intensiv rehabilitering"),
        by=assessors["rve"], has_right=False, allocated_service=at_institution["valnesfjord"])
    assert shared.institution_referral.receiver == rve
    # The orphan's stay and plan are over, and with them every care relationship.
    for relationship in CareRelationship.objects.filter(patient=orphan, valid_to__isnull=True):
        pathways.end_care_relationship(relationship, by=cast.ke_tromso)

    people = {name: getattr(cast, name, None) for name in MEMBERS}
    people["ke_narvik"] = ke_narvik
    people |= assessors
    for name, system in systems.items():
        people[name] = system.client.user
    # Something of each member's own to ask for: a notification (the systems have none).
    Notification.objects.create(recipient=ke_narvik, kind="admission.discharged", title="T",
                                channel="in_app")
    # The services' waiting lists, and who keeps each (the provider's assessors; for an
    # institution's, the region's RVE too).
    waiting_lists = [({"ke_tromso", "tromso_system"}, service)
                     for service in offered[cast.tromso.pk]]
    waiting_lists += [({"ke_bodo"}, service) for service in offered[cast.bodo.pk]]
    waiting_lists += [({"rve", name}, service) for name, service in at_institution.items()]
    return SimpleNamespace(cast=cast, people=people, systems=systems, of=of,
                           waiting_lists=waiting_lists,
                           coordinators={"tromso": kora, "tromso_kai": kai, "bodo": bo})
