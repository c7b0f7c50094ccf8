"""The KE's demo data for `manage.py seed_demo`, added when pathways sends demo_data_seeded:
coordinators in Tromsø, an individual plan in force for Astrid (due for evaluation) and a
GP's request for Tor that waits for the KE's decision. Karlsøy gets nothing: no demo user
works at its coordinating unit, so a request there would be seen by no one who could act.

Everything goes through coordination.services as the demo users (KE staff decide, the
coordinator writes the plan), so permissions, versions, notifications and the audit trail
are what a real KE would leave. Idempotent: whatever exists already is left alone, also what
a demo user changed since (a decided request, a closed plan, an edited profile).
All people and texts are fictitious.
"""

import datetime

from django.utils import timezone

from registry.models import ServiceOffering

from . import services
from .models import (
    OPEN_PLAN_STATUSES,
    AchievementStatus,
    ConsentMethod,
    ConsentScope,
    Coordinator,
    CoordinatorKind,
    IndividualPlan,
    MeasureStatus,
    PlanParticipantKind,
    PlanRequest,
    PlanStatus,
    RequestKind,
    RequestSource,
    RequestStatus,
)

# The KE staff member who decides for each municipality that gets demo data.
KE_STAFF = {"tromso": "ke.tromso"}

# username, organisation key, profession, training completed, capacity (plans)
COORDINATORS = [
    ("koordinator.tromso", "tromso", "Ergoterapeut", datetime.date(2023, 11, 15), 8),
    ("koordinator2.tromso", "tromso", "Fysioterapeut", None, 10),
]

# Astrid's son asked for an individual plan before her stroke; the KE accepted it with Kora
# (whom she knew) as coordinator, and the plan is in force while she waits at UNN to go home.
ASTRID = {
    "patient": "astrid",
    "municipality": "tromso",
    "coordinator": "koordinator.tromso",
    "request": {
        "source": RequestSource.NEXT_OF_KIN,
        "submitter_name": "Ola Aune (sønn)",
        "description": "Mor bor alene og klarer seg dårligere hjemme. Hun har mange tjenester "
                       "og trenger én å forholde seg til.",
        "days_ago": 18,
    },
    "patient_wishes": "Ønsker Kora som koordinator; hun kjenner henne fra hjemmetjenesten.",
    "plan": {
        "what_matters": "Å klare meg selv hjemme og gå tur med hunden igjen.",
        "resources": "Sønnen Ola bor i nærheten og handler for henne. Kjenner nabolaget godt og "
                     "er motivert for å trene.",
        "service_needs": "Trening av gange, balanse og daglige gjøremål etter hjerneslaget; "
                         "logoped for afasien; trygg hjemkomst fra UNN.",
        "other_agencies": "Fastlegen; UNN Tromsø (utskrivning).",
    },
    # First evaluation soon after she is home again: it shows as due on the KE's overview.
    "evaluation_in_days": 14,
    # text, target date (days from today) or None, achievement, sub-goals [(text, days)]
    "goals": [
        ("Gå tur med hunden rundt Prestvannet på egen hånd.", 120,
         AchievementStatus.IN_PROGRESS,
         [("Gå 500 meter med rullator uten pause.", 30)]),
        ("Lage frokost og middag selv på kjøkkenet hjemme.", None,
         AchievementStatus.NOT_STARTED, []),
    ],
    # goal index, service (provider key, level code) or None, description, responsible
    # person, responsible organisation key, extent, starts (days from today), status
    "measures": [
        (0, ("tromso", "3"), "Trening av gange og balanse",
         "Fysioterapeut i rehabiliteringsteamet", "tromso", "2 ganger i uka i 8 uker", 3,
         MeasureStatus.PLANNED),
        (1, ("tromso", "2"), "Trening i å lage mat og stelle seg selv hjemme",
         "Ergoterapeut i hverdagsrehabiliteringen", "tromso", "4–6 uker i hjemmet", 3,
         MeasureStatus.PLANNED),
        (0, None, "Ola går tur med mor og hunden hver søndag.", "Ola Aune", None,
         "Hver søndag", 0, MeasureStatus.ONGOING),
    ],
    # kind, name (or the demo user's name), demo user, organisation key, contribution
    "participants": [
        (PlanParticipantKind.PATIENT, "Astrid Aune", None, None,
         "Sier hva som er viktig for henne og trener hjemme mellom øktene."),
        (PlanParticipantKind.NEXT_OF_KIN, "Ola Aune", None, None,
         "Sønn. Handler, følger til avtaler og går tur med henne på søndager."),
        (PlanParticipantKind.PROVIDER, "Fysioterapeut, tverrfaglig rehabiliteringsteam", None,
         "tromso", "Trening av gange og balanse."),
        (PlanParticipantKind.COORDINATOR, "", "koordinator.tromso", "tromso",
         "Kaller inn ansvarsgruppen og holder planen oppdatert."),
    ],
}

# Tor's GP asks for an individual plan after his discharge; the KE has not decided yet.
TOR = {
    "patient": "tor",
    "municipality": "tromso",
    "kind": RequestKind.INDIVIDUAL_PLAN,
    "source": RequestSource.GP,
    "submitter_name": "Fastlege Dr. Hansen",
    "description": "Utskrevet etter lungebetennelse med funksjonsfall. Bor alene, har "
                   "hjemmesykepleie og fysioterapi og trenger at tjenestene samordnes.",
    "days_ago": 4,
}


def seed_coordination_demo(sender, *, organizations, users, patients, **kwargs) -> str:
    """Receiver of pathways.signals.demo_data_seeded; the line it returns is printed."""
    profiles = {username: _coordinator(users[username], organizations[org_key],
                                       by=users[KE_STAFF[org_key]], profession=profession,
                                       training_completed_on=trained, capacity=capacity)
                for username, org_key, profession, trained, capacity in COORDINATORS}
    _astrid_plan(ASTRID, organizations, users, patients, profiles)
    _waiting_request(TOR, organizations, users, patients)
    municipalities = [organizations[key] for key in KE_STAFF]
    open_requests = PlanRequest.objects.filter(
        municipality__in=municipalities,
        status__in=(RequestStatus.RECEIVED, RequestStatus.UNDER_ASSESSMENT)).count()
    open_plans = IndividualPlan.objects.filter(
        municipality__in=municipalities, status__in=OPEN_PLAN_STATUSES).count()
    coordinators = Coordinator.objects.filter(organization__in=municipalities).count()
    return (f"Coordination demo data in place ({', '.join(m.name for m in municipalities)}): "
            f"coordinators {coordinators}, open plans {open_plans}, "
            f"open requests {open_requests}.")


def _coordinator(user, organization, *, by, **profile) -> Coordinator:
    existing = Coordinator.objects.filter(user=user, organization=organization,
                                          kind=CoordinatorKind.GENERAL).first()
    return existing or services.create_coordinator_profile(user=user, organization=organization,
                                                           by=by, **profile)


def _days(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def _days_ago(days: int) -> datetime.datetime:
    """The same clock time `days` calendar days back in Europe/Oslo (aware arithmetic on the
    local time is wall-clock time), so the overview shows exactly that many days waited,
    across a change to or from summer time too."""
    return timezone.localtime() - datetime.timedelta(days=days)


def _service(provider, level_code: str) -> ServiceOffering | None:
    return ServiceOffering.objects.filter(provider=provider, level__code=level_code,
                                          active=True).order_by("pk").first()


def _astrid_plan(data, organizations, users, patients, profiles) -> None:
    patient, municipality = patients[data["patient"]], organizations[data["municipality"]]
    if (PlanRequest.objects.filter(patient=patient, municipality=municipality,
                                   kind=RequestKind.INDIVIDUAL_PLAN).exists()
            or IndividualPlan.objects.filter(patient=patient,
                                             municipality=municipality).exists()):
        return
    coordinator = profiles[data["coordinator"]]
    if not coordinator.active:
        return  # a demo user deactivated the profile: appoint no one behind their back
    ke, kora = users[KE_STAFF[data["municipality"]]], users[data["coordinator"]]
    request = data["request"]
    plan_request = services.submit_plan_request(
        patient=patient, municipality=municipality, kind=RequestKind.INDIVIDUAL_PLAN,
        source=request["source"], by=ke, submitter_name=request["submitter_name"],
        description=request["description"],
        received_at=_days_ago(request["days_ago"]))
    plan = services.accept_request(plan_request, by=ke, coordinator=coordinator,
                                   patient_wishes=data["patient_wishes"])
    # From here on the coordinator writes the plan with the patient.
    plan = services.update_plan(plan, by=kora,
                                expected_version=services.current_plan_version(plan),
                                next_evaluation_on=_days(data["evaluation_in_days"]),
                                **data["plan"])
    goals = []
    for text, target, status, sub_goals in data["goals"]:
        goal = services.add_goal(plan, by=kora, text=text, status=status,
                                 target_date=_days(target) if target is not None else None)
        for sub_text, sub_target in sub_goals:
            services.add_goal(plan, by=kora, text=sub_text, parent=goal,
                              target_date=_days(sub_target))
        goals.append(goal)
    for (goal_index, service, description, person, org_key, extent, starts,
         status) in data["measures"]:
        services.add_measure(
            plan, by=kora, goal=goals[goal_index],
            service=_service(organizations[service[0]], service[1]) if service else None,
            description=description, responsible_person=person,
            responsible_organization=organizations[org_key] if org_key else None,
            extent=extent, starts_on=_days(starts), status=status)
    for kind, name, username, org_key, contribution in data["participants"]:
        services.add_participant(plan, by=kora, kind=kind, name=name,
                                 user=users[username] if username else None,
                                 organization=organizations[org_key] if org_key else None,
                                 contribution=contribution)
    services.record_consent(plan, municipality, ConsentScope.PLAN, ConsentMethod.WRITTEN,
                            by=kora)
    services.set_status(plan, PlanStatus.ACTIVE, by=kora, note="plan agreed with the patient")


def _waiting_request(data, organizations, users, patients) -> None:
    patient, municipality = patients[data["patient"]], organizations[data["municipality"]]
    if PlanRequest.objects.filter(patient=patient, municipality=municipality,
                                  kind=data["kind"]).exists():
        return
    services.submit_plan_request(
        patient=patient, municipality=municipality, kind=data["kind"], source=data["source"],
        by=users[KE_STAFF[data["municipality"]]], submitter_name=data["submitter_name"],
        description=data["description"],
        received_at=_days_ago(data["days_ago"]))
