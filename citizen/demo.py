"""The patient's door in the demo (`manage.py seed_demo`, `make run`), added when pathways
sends demo_data_seeded: Astrid's daughter Kari as her next of kin (who Astrid may give access),
Astrid and Kari invited to Astrid's discharge meeting tomorrow, Emma's mother Sara registered
by nobody yet (the KE can register her as parent), and the KE in Tromsø's reading of Astrid's
plan yesterday in the trail, so that "who has read my data" has something to show. The demo
login (citizen.views.signin, development only) lists the demo's patients and these
relatives, with or without access.

Idempotent; all people fictitious, all identity numbers synthetic."""

import datetime
from dataclasses import dataclass

from django.db import connection
from django.utils import timezone

from pathways.identity import make_synthetic_identity_number
from pathways.models import MeetingStatus, NextOfKin, ParticipantKind, Patient
from pathways.services import add_next_of_kin, add_participants
from registry.models import AuditAction, AuditEvent, AuditObjectType, Membership


@dataclass(frozen=True)
class DemoRelative:
    patient: str  # the demo patient's key (pathways.demo_data.PATIENTS)
    name: str
    relation: str
    birth_date: datetime.date
    serial: int

    @property
    def identity_number(self) -> str:
        for serial in range(self.serial, self.serial + 20):
            number = make_synthetic_identity_number(self.birth_date, serial)
            if number:
                return number
        raise ValueError(f"no synthetic number near {self.serial}")


RELATIVES = [
    DemoRelative("astrid", "Kari Aune", "datter", datetime.date(1976, 4, 2), 700),
    DemoRelative("emma", "Sara Eriksen", "mor", datetime.date(1987, 2, 11), 720),
]


def seed_citizen_demo(sender, *, organizations, users, patients, **kwargs) -> str:
    """Receiver of pathways.signals.demo_data_seeded; the line it returns is printed."""
    planner = users["planlegger.unn"]
    kin = {}
    for relative in RELATIVES:
        patient = patients[relative.patient]
        row = NextOfKin.objects.filter(patient=patient, name=relative.name).first()
        kin[relative.name] = row or add_next_of_kin(
            patient, by=planner, name=relative.name, relation=relative.relation,
            consent_to_share=True)
    astrid = patients["astrid"]
    meeting = (astrid.admissions.order_by("-admitted_at").first().discharge_meetings
               .filter(status=MeetingStatus.SCHEDULED).first()
               if astrid.admissions.exists() else None)
    if meeting is not None and not meeting.participants.filter(
            kind=ParticipantKind.PATIENT).exists():
        add_participants(meeting, by=meeting.organizer, participants=[
            {"kind": ParticipantKind.PATIENT},
            {"kind": ParticipantKind.NEXT_OF_KIN, "next_of_kin": kin["Kari Aune"]},
        ])
    _ke_read_yesterday(astrid, users["ke.tromso"])
    return ("The patient's door: sign in at /me/sign-in/ as a demo patient or relative "
            "(Astrid Aune, Kari Aune, ...), development only.")


def _ke_read_yesterday(patient: Patient, ke_user) -> None:
    """Demo history: the KE in Tromsø read Astrid's plan yesterday at 14:05 (Oslo). The trail
    is append-only and stamps every event with the time it is written, so this one past event
    is written as the demo's history, the way indicators/demo.py writes two years of stays;
    nothing outside seed_demo writes an event with a time of its own."""
    plan = patient.individual_plans.order_by("-created_at").first()
    if plan is None or AuditEvent.objects.filter(
            patient_uuid=patient.uuid, user=ke_user, detail="demo history").exists():
        return
    membership = Membership.objects.filter(user=ke_user).select_related("organization").first()
    yesterday = timezone.localtime() - datetime.timedelta(days=1)
    at = yesterday.replace(hour=14, minute=5, second=0, microsecond=0)
    event = AuditEvent(user=ke_user, user_display=ke_user.display_name(),
                       organization=membership.organization if membership else None,
                       role=membership.role if membership else "",
                       action=AuditAction.VIEW, object_type=AuditObjectType.INDIVIDUAL_PLAN,
                       object_id=str(plan.uuid), patient_uuid=patient.uuid, via="web",
                       detail="demo history")
    fields = [f for f in AuditEvent._meta.concrete_fields if not f.primary_key]
    event.at = at
    values = [f.get_db_prep_save(getattr(event, f.attname), connection) for f in fields]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(AuditEvent._meta.db_table)} "  # noqa: S608 - model names
            f"({', '.join(quote(f.column) for f in fields)}) "
            f"VALUES ({', '.join(['%s'] * len(fields))})", values)
