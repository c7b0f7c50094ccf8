"""Synthetic admissions on SQLite: the same shares as on PostgreSQL, in chunked bulk inserts."""

import datetime
import random
import time

from django.utils import timezone

from pathways.models import (
    Admission,
    CareRelationship,
    DischargeMeeting,
    EarlyNotification,
    MeetingParticipant,
    MunicipalAnswer,
    Patient,
    ReadyForDischarge,
)

from .world import OPEN_ADMISSIONS, WARDS, World


class SqliteGenerator:
    """The same shares as PostgresGenerator, from Python, in chunked bulk inserts."""

    CHUNK = 2_000

    def __init__(self, world: World):
        self.world = world
        self.count = 0
        self.random = random.Random(42)  # noqa: S311 - synthetic data, not security
        self.seconds = 0.0

    def describe(self) -> str:
        return f"bulk inserts {self.seconds:.1f} s"

    def fill_to(self, size: int) -> None:
        started = time.perf_counter()
        for start in range(self.count, size, self.CHUNK):
            self.chunk(range(start, min(start + self.CHUNK, size)))
        self.count = max(self.count, size)
        self.seconds = time.perf_counter() - started

    def chunk(self, numbers: range) -> None:
        rnd, world, now = self.random.random, self.world, timezone.now()
        hour, day = datetime.timedelta(hours=1), datetime.timedelta(days=1)
        planner = world.planners[world.hospitals[0]][0]
        patients = Patient.objects.bulk_create([Patient(
            identity_number=f"9{g:010d}", given_name="Syntetisk", family_name=f"Pasient {g}",
            birth_date=datetime.date(1930, 1, 1) + datetime.timedelta(days=g % 25_000),
            municipality_id=world.municipalities[g % len(world.municipalities)],
        ) for g in numbers])
        admissions = []
        for g, patient in zip(numbers, patients, strict=True):
            bucket = g % 10 if g < OPEN_ADMISSIONS else 10 + g % 990
            history = bucket >= 10
            if bucket < 2:
                admitted = now - rnd() * 40 * hour
            elif bucket < 10:
                admitted = now - rnd() * 10 * day
            else:
                admitted = now - 14 * day - rnd() * 5 * 365 * day
            r3 = rnd()
            status = ("admitted" if bucket < 8 else "ready_for_discharge" if bucket < 10
                      else "discharged" if r3 < 0.95 else "deceased" if r3 < 0.98
                      else "transferred")
            sent = None if bucket < 2 or (history and rnd() > 0.99) else \
                min(now, admitted + rnd() * 30 * hour)
            discharged = admitted + (1 + rnd() * 20) * day if history else None
            admissions.append(Admission(
                patient=patient, hospital_id=world.hospitals[g % len(world.hospitals)],
                municipality_id=patient.municipality_id,
                ward_id=world.wards[world.hospitals[g % len(world.hospitals)]][
                    g // len(world.hospitals) % WARDS], admitted_at=admitted,
                notification_deadline=admitted + 24 * hour, status=status,
                first_notification_sent_at=sent, discharged_at=discharged,
                estimated_discharge_date=(discharged.date() if discharged else
                                          (now + (g % 10 - 2) * day).date()),
                needs_interdisciplinary_follow_up=g % 5 == 0, is_rehabilitation_stay=g % 10 == 3,
            ))
        admissions = Admission.objects.bulk_create(admissions)
        CareRelationship.objects.bulk_create([CareRelationship(
            patient_id=a.patient_id, organization_id=organization, reason="admission",
            valid_from=a.admitted_at) for a in admissions
            for organization in (a.hospital_id, a.municipality_id)])
        notices, declarations, meetings = [], [], []
        for a in admissions:
            if a.first_notification_sent_at:
                unacknowledged = (a.first_notification_sent_at > now - 24 * hour
                                  and rnd() < 0.33) or (a.discharged_at and rnd() < 0.01)
                notices.append(EarlyNotification(
                    admission=a, municipality_id=a.municipality_id, state="sent",
                    sent_at=a.first_notification_sent_at,
                    sent_by_id=planner, late=a.first_notification_sent_at
                    > a.notification_deadline,
                    acknowledged_at=None if unacknowledged else
                    min(now, a.first_notification_sent_at + rnd() * 6 * hour),
                    acknowledged_by_id=None if unacknowledged else world.ke_staff))
            if a.status == "ready_for_discharge" or (a.discharged_at and a.pk % 4 == 0):
                declarations.append(ReadyForDischarge(
                    admission=a, physician="Lege",
                    declared_at=now - rnd() * 12 * hour if a.status == "ready_for_discharge"
                    else a.discharged_at - rnd() * day))
            if a.needs_interdisciplinary_follow_up and (a.discharged_at or a.pk % 3 != 2):
                held = a.discharged_at is not None
                meetings.append(DischargeMeeting(
                    admission=a, organizer_id=planner, location="Møterom 1",
                    scheduled_at=(a.discharged_at - day if held else
                                  now + rnd() * 3 * day if a.pk % 3 == 0 else
                                  now - hour - rnd() * 3 * day),
                    status="held" if held else "scheduled", minutes="Referat" if held else "",
                    minutes_recorded_at=a.discharged_at - 20 * hour if held else None))
        EarlyNotification.objects.bulk_create(notices)
        declarations = ReadyForDischarge.objects.bulk_create(declarations)
        MunicipalAnswer.objects.bulk_create([MunicipalAnswer(
            declaration=d, kind="can_receive", receive_on=d.declared_at.date(),
            answered_at=min(now, d.declared_at + rnd() * 3 * hour),
            answered_by_id=world.ke_staff,
        ) for d in declarations
            if d.admission.status != "ready_for_discharge" or d.admission.pk % 2 == 0])
        meetings = DischargeMeeting.objects.bulk_create(meetings)
        MeetingParticipant.objects.bulk_create([participant for m in meetings
                                                if m.status == "scheduled" for participant in (
            MeetingParticipant(meeting=m, kind="coordinating_unit", user_id=world.ke_staff,
                               name="KE", status="accepted"),
            MeetingParticipant(meeting=m, kind="gp", name="Fastlege",
                               email=f"fastlege{m.pk}@bench.example"))])
