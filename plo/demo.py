"""PLO's demo data for `manage.py seed_demo` (`make run`), added when pathways sends
demo_data_seeded: UNN Tromsø and Tromsø kommune exchange PLO messages through the folder
transport (var/plo/), each with a HER-id made up for the demo.

- Tromsø takes the hospital's logistics steps as PLO messages into its EPJ (admitted,
  ready, withdrawn, discharged); UNN takes the municipality's answers and the questions.
- UNN's EPJ has sent one admission message: Per Pedersen, admitted to the orthopaedic ward two
  hours ago. The portal received it, made the stay (the KE's inbox shows it) and, since
  Tromsø chose PLO for admissions, wrote the LOG_INNLAGT for Tromsø's EPJ into the outbox.

Log in as admin.tromso to see the PLO log (/plo/messages/) and the channels
(/plo/channels/). Idempotent: HER-ids and connections that exist are left alone, and the
admission message keeps its MsgId, so a second run is a duplicate that changes nothing."""

import datetime
import uuid

from django.utils import timezone

from pathways.identity import make_synthetic_identity_number
from pathways.models import Admission, Patient
from registry.models import ChannelChoice, ChannelStep, Organization, StepChannel, Ward

from . import outgoing, services
from .models import PloEndpoint

# Made up for the demo: not these organisations' HER-ids in the address register.
HER_IDS = {"unn-tromso": "8100001", "tromso": "8100002"}
CHANNELS = {
    "tromso": (ChannelStep.ADMISSION, ChannelStep.READY, ChannelStep.WITHDRAWN,
               ChannelStep.DISCHARGED),
    "unn-tromso": (ChannelStep.MUNICIPAL_ANSWER, ChannelStep.QUESTION,
                   ChannelStep.QUESTION_ANSWERED),
}
# The admission message's MsgId, the same on every run.
ADMISSION_MSG_ID = str(uuid.uuid5(uuid.NAMESPACE_URL, "rehab-portal-demo/plo/per-pedersen"))
PATIENT = ("Per", "Pedersen", datetime.date(1947, 6, 11), 730)


def seed_plo_demo(sender, *, organizations, **kwargs) -> str:
    """Receiver of pathways.signals.demo_data_seeded; the line it returns is printed."""
    orgs = dict(organizations)
    for key, her_id in HER_IDS.items():
        organization = orgs[key]
        if not organization.her_id:
            organization.her_id = her_id
            organization.save(update_fields=["her_id"])
        if not PloEndpoint.objects.filter(organization=organization).exists():
            ward = Ward.objects.filter(hospital=organization, code="ORT").first() \
                if key == "unn-tromso" else None
            services.connect(organization, default_ward=ward)
        for step in CHANNELS[key]:
            ChannelChoice.objects.get_or_create(organization=organization, step=step,
                                                defaults={"channel": StepChannel.PLO})
    message = services.receive(_admission_message(orgs), transport="folder")
    return (f"PLO: UNN Tromsø and Tromsø connected by folder; an admission message "
            f"{message.get_status_display()}")


def _admission_message(orgs: dict[str, Organization]) -> bytes:
    given, family, born, serial = PATIENT
    patient = Patient.objects.filter(given_name=given, family_name=family,
                                     birth_date=born).first()
    number = patient.identity_number if patient else None
    while number is None:
        number = make_synthetic_identity_number(born, serial)
        serial += 1
        if number and Patient.objects.filter(identity_number=number).exists():
            number = None
    now = timezone.now()
    stay = Admission(hospital=orgs["unn-tromso"], municipality=orgs["tromso"],
                     ward=Ward.objects.get(hospital=orgs["unn-tromso"], code="ORT"),
                     admitted_at=now - datetime.timedelta(hours=2),
                     patient=Patient(identity_number=number, given_name=given,
                                     family_name=family, birth_date=born))
    return outgoing.admitted(stay, now=now, msg_id=ADMISSION_MSG_ID)
