"""Two years of synthetic history for the demo's indicators, added when pathways sends
demo_data_seeded (`manage.py seed_demo`, `make run`), then the figures computed in full.

Stays at the region's hospitals of residents of every demo municipality (in proportion to
their population), with their early notifications (some late, some acknowledged late),
ready-for-discharge declarations and the municipality's answers, discharge meetings, the
pyramid level after discharge (drifting lower over the two years, the shift seed 004 asks
for), requests to the KE, individual plans with coordinators and measures, and coordinator
profiles in the municipalities that have no demo coordinators of their own.

All of it is finished history: every stay discharged at least a week ago (rehabilitation
stays long enough ago that no follow-up falls due), every notice acknowledged, every plan
closed, so no reminder fires, no worklist, board or coordinator's load changes; no care
relationship is granted, so no user sees these patients, only the aggregates. Identities are
synthetic (pathways.identity), people and places fictitious. Deterministic
(random.Random(SEED)) and bulk-inserted; a second seed finds the history and adds nothing.
The number of months is settings.INDICATORS_DEMO_HISTORY_MONTHS (0: none).
"""

import datetime
import random
import time
from collections import defaultdict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from common.sweeps import OSLO, local_date
from coordination.models import (
    Coordinator,
    CoordinatorAssignment,
    CoordinatorKind,
    IndividualPlan,
    Measure,
    MeasureStatus,
    PlanRequest,
    PlanStatus,
    RequestKind,
    RequestSource,
    RequestStatus,
)
from pathways import demo_data
from pathways.identity import make_synthetic_identity_number
from pathways.models import (
    Admission,
    AdmissionStatus,
    DischargeDestination,
    DischargeMeeting,
    EarlyNotification,
    MeetingStatus,
    MessageStatus,
    MunicipalAnswer,
    MunicipalAnswerKind,
    NoticeState,
    Patient,
    ReadyForDischarge,
)
from registry.models import Organization, OrganizationKind, ServiceLevel, ServiceOffering, Ward
from registry.validators import synthetic_orgnr

from .services import compute

SEED = 13
# Stays admitted per month in the whole demo region (about 337 000 inhabitants).
STAYS_PER_MONTH = 64
# The newest stay is discharged this long before the seed; a rehabilitation stay long enough
# before that its follow-up (REMINDERS["follow_up"], with the sweep's catch-up) is past.
NEWEST_DISCHARGE = datetime.timedelta(days=8)
NEWEST_REHABILITATION_DISCHARGE = datetime.timedelta(days=75)

# Where a municipality's residents are admitted (hospital keys of pathways/demo_data.py);
# a share of them at UNN Tromsø, the region's university hospital.
HOSPITAL_OF = {
    "tromso": "unn-tromso", "balsfjord": "unn-tromso", "karlsoy": "unn-tromso",
    "senja": "unn-harstad", "harstad": "unn-harstad", "narvik": "unn-narvik",
    "alta": "hammerfest", "hammerfest": "hammerfest", "loppa": "hammerfest",
    "nordkapp": "hammerfest", "sor-varanger": "kirkenes",
    "bodo": "nlsh-bodo", "fauske": "nlsh-bodo", "sorfold": "nlsh-bodo",
    "vestvagoy": "nlsh-lofoten", "hadsel": "nlsh-vesteralen",
    "rana": "hsyk-mo-i-rana", "vefsn": "hsyk-mosjoen", "alstahaug": "hsyk-sandnessjoen",
    "somna": "hsyk-sandnessjoen",
}
REGIONAL_HOSPITAL = "unn-tromso"
# The demo's own coordinators work here (coordination/demo.py): the history uses theirs.
OWN_COORDINATORS = {"tromso": ["koordinator.tromso", "koordinator2.tromso"]}
PLANNERS = {"unn": "planlegger.unn", "nlsh": "planlegger.nlsh"}

REASONS = ["Hjerneslag", "Hoftebrudd", "Lungebetennelse med funksjonsfall", "Hjerteinfarkt",
           "Fall i hjemmet", "KOLS-forverring", "Kneprotese", "Hodeskade etter ulykke",
           "Kreftbehandling, redusert allmenntilstand", "Multitraume"]
GIVEN = ["Anne", "Arne", "Berit", "Bjørn", "Eva", "Geir", "Hilde", "Ivar", "Kari", "Knut",
         "Liv", "Magne", "Nina", "Odd", "Ragnhild", "Rolf", "Sigrid", "Svein", "Tone", "Trond"]
FAMILY = ["Aas", "Berg", "Dahl", "Eide", "Fjeld", "Hagen", "Holm", "Jakobsen", "Johansen",
          "Karlsen", "Lund", "Moe", "Nilsen", "Olsen", "Pedersen", "Solberg", "Strand",
          "Vik", "Aune", "Isaksen"]

# The pyramid level after discharge, at the start and at the end of the history: more to
# the lower levels over time.
LEVELS_THEN = {"1": 3, "2": 22, "3": 20, "4": 27, "5.1": 14, "5.2": 9, "5.3": 5}
LEVELS_NOW = {"1": 6, "2": 30, "3": 25, "4": 20, "5.1": 10, "5.2": 6, "5.3": 3}


def seed_indicator_history(sender, *, organizations, users, **kwargs) -> str:
    """Receiver of pathways.signals.demo_data_seeded; the line it returns is printed."""
    months = settings.INDICATORS_DEMO_HISTORY_MONTHS
    if months <= 0:
        return ""
    started = time.perf_counter()
    history = History(organizations, users, months)
    if history.already_there():
        run = compute()
        return (f"Indicator history in place ({months} months); figures brought up to date "
                f"({run.months} months).")
    history.write()
    run = compute(full=True)
    return (f"Indicator history written: {len(history.admissions)} stays over {months} "
            f"months, {len(history.plans)} plans; {run.rows} figures computed in "
            f"{time.perf_counter() - started:.1f} s.")


class History:
    def __init__(self, organizations, users, months: int):
        self.organizations = organizations
        self.users = users
        self.rng = random.Random(SEED)  # noqa: S311 - synthetic demo data, not security
        self.now = timezone.now()
        first = local_date(self.now).replace(day=1)
        for _ in range(months):
            first = (first - datetime.timedelta(days=1)).replace(day=1)
        self.start = datetime.datetime.combine(first, datetime.time(0), tzinfo=OSLO)
        self.end = self.now - NEWEST_DISCHARGE - datetime.timedelta(days=2)
        self.count = int(STAYS_PER_MONTH * months)
        self.admissions: list[Admission] = []
        self.plans: list[IndividualPlan] = []
        # The people of the history, drawn before anything else so that a second seed draws
        # the same identity numbers (already_there).
        self.people = [self._person() for _ in range(self.count)]

    # -- who ----------------------------------------------------------------------------
    def _person(self):
        rng = self.rng
        birth = datetime.date(rng.randrange(1932, 1995), rng.randrange(1, 13),
                              rng.randrange(1, 29))
        return birth, rng.choice(GIVEN), rng.choice(FAMILY)

    def _numbers(self) -> list[str]:
        """A synthetic number per person, in a serial range of its own (the demo's own
        patients use 100 to about 300)."""
        numbers = []
        for i, (birth, _given, _family) in enumerate(self.people):
            for serial in range(5000 + i * 7, 5000 + i * 7 + 7):
                number = make_synthetic_identity_number(birth, serial)
                if number:
                    numbers.append(number)
                    break
            else:
                numbers.append("")
        return numbers

    def already_there(self) -> bool:
        self.numbers = self._numbers()
        probe = [n for n in self.numbers[:50] if n]
        return Patient.objects.filter(identity_number__in=probe).count() >= len(probe) // 2

    # -- what ---------------------------------------------------------------------------
    def write(self) -> None:
        rng = self.rng
        orgs = self.organizations
        hospitals = demo_hospitals()
        municipalities = [(key, org) for key, org in orgs.items()
                          if org.kind == OrganizationKind.MUNICIPALITY and key in HOSPITAL_OF]
        weights = [org.population or 1000 for _key, org in municipalities]
        wards = {}
        for ward in Ward.objects.filter(active=True).order_by("pk"):
            wards.setdefault(ward.hospital_id, ward)
        used = set(Patient.objects.filter(identity_number__in=[
            n for n in self.numbers if n]).values_list("identity_number", flat=True))
        levels = {level.code: level for level in ServiceLevel.objects.all()}
        planner = self.users.get(PLANNERS["unn"]) or next(iter(self.users.values()))
        planners = {trust: self.users.get(username, planner)
                    for trust, username in PLANNERS.items()}

        patients, stays = [], []
        span = (self.end - self.start).total_seconds()
        for i in range(self.count):
            number = self.numbers[i]
            if not number or number in used:
                continue
            used.add(number)
            key, municipality = rng.choices(municipalities, weights)[0]
            hospital = hospitals[HOSPITAL_OF[key]]
            if hospital.parent_id != hospitals[REGIONAL_HOSPITAL].parent_id and \
                    rng.random() < 0.15:
                hospital = hospitals[REGIONAL_HOSPITAL]
            birth, given, family = self.people[i]
            patient = Patient(identity_number=number, given_name=given, family_name=family,
                              birth_date=birth, municipality=municipality)
            patients.append(patient)
            admitted = self.start + datetime.timedelta(seconds=rng.random() * span)
            stays.append(self._stay(patient, hospital, wards[hospital.pk], municipality,
                                    admitted, levels))
        Patient.objects.bulk_create(patients, batch_size=500)
        self.admissions = [stay["admission"] for stay in stays]
        Admission.objects.bulk_create(self.admissions, batch_size=500)

        notices, declarations, meetings = [], [], []
        for stay in stays:
            admission = stay["admission"]
            if admission.first_notification_sent_at:
                notices.append(self._notice(admission))
            if stay["ready"]:
                declarations.append((ReadyForDischarge(
                    admission=admission, declared_at=stay["ready"], physician="Overlege",
                    health_information_sent=True), stay))
            if admission.needs_interdisciplinary_follow_up and rng.random() < 0.72:
                held = admission.discharged_at - datetime.timedelta(
                    hours=rng.choice([6, 20, 26, 44]))
                if held > admission.admitted_at:
                    trust = "nlsh" if hospital_trust(admission, orgs) == "nlsh" else "unn"
                    meetings.append(DischargeMeeting(
                        admission=admission, organizer=planners[trust], scheduled_at=held,
                        location="Møterom", status=MeetingStatus.HELD, minutes="Referat.",
                        minutes_recorded_at=held + datetime.timedelta(hours=2)))
        EarlyNotification.objects.bulk_create(notices, batch_size=500)
        ReadyForDischarge.objects.bulk_create([d for d, _stay in declarations], batch_size=500)
        answers = []
        ke = self.users.get("ke.tromso") or planner
        for declaration, stay in declarations:
            answers.extend(self._answers(declaration, stay["admission"], ke))
        MunicipalAnswer.objects.bulk_create(answers, batch_size=500)
        DischargeMeeting.objects.bulk_create(meetings, batch_size=500)
        self._coordination(stays, ke)

    def _stay(self, patient, hospital, ward, municipality, admitted, levels) -> dict:
        rng = self.rng
        length = datetime.timedelta(days=rng.choice([1, 2, 3, 4, 5, 6, 8, 10, 14, 21]),
                                    hours=rng.randrange(24))
        # (admitted is at most self.end, two days before the newest discharge)
        discharged = min(admitted + length, self.now - NEWEST_DISCHARGE)
        rehabilitation = rng.random() < 0.1 and \
            discharged < self.now - NEWEST_REHABILITATION_DISCHARGE
        draw = rng.random()
        if draw < 0.62:
            sent = admitted + datetime.timedelta(hours=rng.uniform(0.5, 23.5))
        elif draw < 0.84:
            sent = admitted + datetime.timedelta(hours=rng.uniform(1, 12))
        elif draw < 0.97:
            sent = admitted + datetime.timedelta(hours=rng.uniform(24.5, 80))
        else:
            sent = None
        sent = min(sent, discharged) if sent else None
        died = rng.random() < 0.02
        follow_up = rng.random() < 0.38
        progress = (admitted - self.start) / (self.end - self.start)
        level = None
        if not died and rng.random() < 0.6:
            weights = {code: LEVELS_THEN[code] + (LEVELS_NOW[code] - LEVELS_THEN[code])
                       * progress for code in LEVELS_THEN}
            level = levels.get(rng.choices(list(weights), list(weights.values()))[0])
        if died:
            destination = DischargeDestination.DECEASED
        elif level is None:
            destination = rng.choice([DischargeDestination.HOME,
                                      DischargeDestination.HOME_WITH_SERVICES])
        elif level.code in ("2", "3", "4"):
            destination = DischargeDestination.MUNICIPAL_REHABILITATION
        elif level.is_specialist:
            destination = DischargeDestination.PRIVATE_INSTITUTION
        else:
            destination = DischargeDestination.HOME_WITH_SERVICES
        ready = None
        if not died and rng.random() < 0.4 and discharged - admitted > datetime.timedelta(
                days=2):
            ready = discharged - datetime.timedelta(days=rng.choice([0, 1, 1, 2, 3, 5, 8]),
                                                    hours=rng.randrange(12))
            ready = max(ready, admitted + datetime.timedelta(hours=20))
        admission = Admission(
            patient=patient, hospital=hospital, ward=ward, municipality=municipality,
            admitted_at=admitted, reason=rng.choice(REASONS),
            receives_municipal_services=rng.random() < 0.45,
            notification_deadline=admitted + datetime.timedelta(hours=24),
            first_notification_sent_at=sent, discharged_at=discharged,
            status=AdmissionStatus.DECEASED if died else AdmissionStatus.DISCHARGED,
            discharge_destination=destination, discharge_level=level,
            estimated_discharge_date=local_date(discharged),
            needs_interdisciplinary_follow_up=follow_up,
            is_rehabilitation_stay=rehabilitation, interdisciplinary_report_ready=follow_up,
            epicrisis_ready=True)
        return {"admission": admission, "ready": ready}

    def _notice(self, admission) -> EarlyNotification:
        rng = self.rng
        sent = admission.first_notification_sent_at
        late = rng.random() < 0.18
        acknowledged = sent + datetime.timedelta(
            hours=rng.uniform(9, 40) if late else rng.uniform(0.1, 7.5))
        return EarlyNotification(
            admission=admission, municipality=admission.municipality, sequence=1,
            message_status=MessageStatus.NEW, state=NoticeState.SENT, sent_at=sent,
            late=sent > admission.notification_deadline,
            acknowledged_at=min(acknowledged, self.now - NEWEST_DISCHARGE),
            expected_course="Forventet forløp beskrevet i tidligmeldingen.",
            requests_individual_plan=admission.needs_interdisciplinary_follow_up)

    def _answers(self, declaration, admission, ke) -> list[MunicipalAnswer]:
        rng = self.rng
        declared_on = local_date(declaration.declared_at)
        first = declaration.declared_at + datetime.timedelta(hours=rng.uniform(0.5, 10))
        if first >= admission.discharged_at or rng.random() < 0.08:
            return []  # no answer: every day is the municipality's
        if rng.random() < 0.55:
            return [MunicipalAnswer(
                declaration=declaration, kind=MunicipalAnswerKind.CAN_RECEIVE,
                receive_on=min(declared_on + datetime.timedelta(days=rng.choice([0, 0, 1, 2])),
                               local_date(admission.discharged_at)),
                answered_at=first, answered_by=ke)]
        answers = [MunicipalAnswer(
            declaration=declaration, kind=MunicipalAnswerKind.CANNOT_YET,
            expected_date=declared_on + datetime.timedelta(days=rng.choice([2, 3, 5, 7])),
            comment="Venter på plass.", answered_at=first, answered_by=ke)]
        later = first + (admission.discharged_at - first) * rng.uniform(0.3, 0.9)
        if later > first:
            answers.append(MunicipalAnswer(
                declaration=declaration, kind=MunicipalAnswerKind.CAN_RECEIVE,
                receive_on=local_date(admission.discharged_at), answered_at=later,
                answered_by=ke))
        return answers

    # -- the KE's work ------------------------------------------------------------------
    def _coordination(self, stays, ke) -> None:
        rng = self.rng
        coordinators = self._coordinators()
        services = self._services()
        requests, plan_for = [], {}
        for stay in stays:
            admission = stay["admission"]
            if not admission.needs_interdisciplinary_follow_up or \
                    admission.status != AdmissionStatus.DISCHARGED or rng.random() > 0.42:
                continue
            received = admission.discharged_at - datetime.timedelta(
                hours=rng.uniform(2, 72))
            received = max(received, admission.admitted_at + datetime.timedelta(hours=3))
            decided = received + datetime.timedelta(days=rng.choice([1, 2, 4, 7, 10, 14, 21, 35]),
                                                    hours=rng.uniform(0, 8))
            decided = min(decided, self.now - datetime.timedelta(days=3))
            declined = rng.random() < 0.12
            request = PlanRequest(
                patient=admission.patient, municipality=admission.municipality,
                kind=RequestKind.INDIVIDUAL_PLAN, source=RequestSource.HOSPITAL,
                submitter_name="Utskrivningskoordinator", received_at=received,
                status=RequestStatus.DECLINED if declined else RequestStatus.ACCEPTED,
                decided_at=decided, decided_by=ke,
                decline_reason="Behovet dekkes av tjenestene pasienten har." if declined
                else "", coordinator_offered=declined)
            requests.append(request)
            if not declined:
                plan_for[id(request)] = admission
        PlanRequest.objects.bulk_create(requests, batch_size=500)
        plans, created = [], []
        for request in requests:
            admission = plan_for.get(id(request))
            if admission is None:
                continue
            choices = coordinators.get(request.municipality_id) or []
            # Many are never given the coordinator they have a right to (seed 003 §3.3).
            coordinator = rng.choice(choices) if choices and rng.random() < 0.93 else None
            start = local_date(request.decided_at)
            plan = IndividualPlan(
                patient=request.patient, municipality=request.municipality, request=request,
                coordinator=coordinator, status=PlanStatus.CLOSED,
                what_matters="Å klare meg selv hjemme.", period_start=start,
                period_end=min(start + datetime.timedelta(days=rng.choice([90, 180, 365])),
                               local_date(self.now)))
            plans.append(plan)
            created.append(request.decided_at)
        IndividualPlan.objects.bulk_create(plans, batch_size=500)
        for plan, when in zip(plans, created, strict=True):
            plan.created_at = when  # bulk_create stamped now; the plan was made at decision
        IndividualPlan.objects.bulk_update(plans, ["created_at"], batch_size=500)
        self.plans = plans
        assignments, measures = [], []
        latest = self.now - datetime.timedelta(days=1)
        for plan, when in zip(plans, created, strict=True):
            if plan.coordinator is not None:
                assigned = min(when + datetime.timedelta(days=rng.choice([0, 0, 1, 3, 6])),
                               latest)
                ended = datetime.datetime.combine(plan.period_end, datetime.time(12),
                                                  tzinfo=OSLO)
                assignments.append(CoordinatorAssignment(
                    plan=plan, coordinator=plan.coordinator, assigned_by=ke,
                    assigned_at=assigned, ended_at=max(ended, assigned)))
            offered = services.get(plan.municipality_id, [])
            own = [service for service in offered if service[1] < 5] or offered
            for position in range(rng.choice([1, 1, 2, 3]) if offered else 0):
                service = rng.choice(own if rng.random() < 0.8 else offered)
                registered = min(when + datetime.timedelta(days=rng.choice([0, 1, 2, 5])),
                                 latest)
                wait = rng.choice([3, 7, 10, 14, 21, 30]) * (2 if service[1] >= 4 else 1)
                measures.append(Measure(
                    plan=plan, service_id=service[0], position=position,
                    starts_on=min(local_date(registered) + datetime.timedelta(days=wait),
                                  local_date(self.now)),
                    status=MeasureStatus.COMPLETED, created_at=registered,
                    description="Tiltak i planen."))
        CoordinatorAssignment.objects.bulk_create(assignments, batch_size=500)
        Measure.objects.bulk_create(measures, batch_size=500)

    def _coordinators(self) -> dict[int, list[Coordinator]]:
        """The coordinators of each municipality: the demo's own where it has them, else
        synthetic profiles (about one per 6 000 inhabitants; a child coordinator, a cancer
        coordinator, most of them trained), whose users have no password."""
        rng = self.rng
        User = get_user_model()
        found: dict[int, list[Coordinator]] = defaultdict(list)
        for key, usernames in OWN_COORDINATORS.items():
            org = self.organizations.get(key)
            for profile in Coordinator.objects.filter(organization=org, active=True,
                                                      user__username__in=usernames):
                found[org.pk].append(profile)
        wanted = []
        for key, org in self.organizations.items():
            if org.kind != OrganizationKind.MUNICIPALITY or key in OWN_COORDINATORS:
                continue
            count = max(1, round((org.population or 3000) / 6000))
            for n in range(count):
                kind = CoordinatorKind.CHILD if n == 1 else (
                    CoordinatorKind.CANCER if n == 2 else CoordinatorKind.GENERAL)
                wanted.append((key, org, n, kind))
        usernames = [f"koordinator.{key}.{n + 1}" for key, _org, n, _kind in wanted]
        existing = {u.username: u for u in User.objects.filter(username__in=usernames)}
        new_users = []
        for username in usernames:
            if username not in existing:
                user = User(username=username, first_name=rng.choice(GIVEN),
                            last_name=rng.choice(FAMILY), is_active=True)
                user.set_unusable_password()
                new_users.append(user)
        User.objects.bulk_create(new_users, batch_size=500)
        users = {u.username: u for u in User.objects.filter(username__in=usernames)}
        have = set(Coordinator.objects.filter(user__username__in=usernames).values_list(
            "user__username", flat=True))
        profiles = []
        for (_key, org, _n, kind), username in zip(wanted, usernames, strict=True):
            if username in have:
                continue
            trained = rng.random() < 0.65
            profiles.append(Coordinator(
                user=users[username], organization=org, kind=kind,
                profession=rng.choice(["Sykepleier", "Ergoterapeut", "Fysioterapeut",
                                       "Sosionom", "Vernepleier"]),
                training_completed_on=(local_date(self.now) - datetime.timedelta(
                    days=rng.randrange(30, 900))) if trained else None,
                capacity=rng.choice([8, 10, 12])))
        Coordinator.objects.bulk_create(profiles, batch_size=500)
        for profile in Coordinator.objects.filter(user__username__in=usernames, active=True):
            found[profile.organization_id].append(profile)
        return found

    def _services(self) -> dict[int, list[tuple[int, int]]]:
        """(service id, level rank) a municipality's plans use: its own, those serving it,
        and the specialised ones (5.x) of the region."""
        rank = {"1": 1, "2": 2, "3": 3, "4": 4}
        offered: dict[int, list[tuple[int, int]]] = defaultdict(list)
        municipalities = [org.pk for org in self.organizations.values()
                          if org.kind == OrganizationKind.MUNICIPALITY]
        specialised = []
        served = ServiceOffering.municipalities_served.through.objects.filter(
            organization_id__in=municipalities).values_list("serviceoffering_id",
                                                             "organization_id")
        serving = defaultdict(list)
        for service_id, municipality_id in served:
            serving[service_id].append(municipality_id)
        for pk, provider_id, code in ServiceOffering.objects.filter(active=True).filter(
                Q(provider_id__in=municipalities) | Q(level__code__startswith="5")
                | Q(pk__in=list(serving))).values_list("pk", "provider_id", "level__code"):
            entry = (pk, rank.get(code, 5))
            if code.startswith("5"):
                specialised.append(entry)
            if provider_id in municipalities:
                offered[provider_id].append(entry)
            for municipality_id in serving.get(pk, []):
                offered[municipality_id].append(entry)
        for municipality_id in municipalities:
            offered[municipality_id].extend(specialised)
        return offered


def demo_hospitals() -> dict[str, Organization]:
    """The demo's hospitals by their keys (by organisation number: a hospital's key may be
    its town's too, and seed_demo's organisations then name the municipality)."""
    seeds = {synthetic_orgnr(seed): key for _trust, _name, _seed, hospitals in
             demo_data.HEALTH_TRUSTS for key, _hospital, seed in hospitals}
    return {seeds[org.orgnr]: org for org in Organization.objects.filter(orgnr__in=seeds)}


def hospital_trust(admission, organizations) -> str:
    for key in ("unn", "nlsh"):
        trust = organizations.get(key)
        if trust is not None and admission.hospital.parent_id == trust.pk:
            return key
    return "unn"
