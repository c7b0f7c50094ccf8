"""The KE inbox of a big municipality in `make bench`: Tromsø receives hundreds of notices a
month, so the inbox is timed for a municipality with OPEN_NOTICE_QUEUE patients in hospital
at once, each notice waiting. The queue is made once before the first size, in a
municipality of its own (the other pages' working sets stay as they were), and its pages
are timed at every size beside the others, with their query counts."""

import datetime
import re

from django.test import Client
from django.urls import reverse
from django.utils import timezone

OPEN_NOTICE_QUEUE = 500
CLIENT = "ke_queue"


def open_notice_queue(hospital_id: int, municipality_id: int, planner_id: int, *,
                      count: int = OPEN_NOTICE_QUEUE, given_name: str = "Kø",
                      first: int = 0) -> int:
    """`count` residents of the municipality in hospital now, each with a sent notice nobody
    has acknowledged yet and the care relationships an admission grants, in bulk inserts
    (a few queries, not a service call per patient). Synthetic identity numbers, the
    `first`th on (a second call with `first` past the first's count makes new people)."""
    from pathways.identity import make_synthetic_identity_number
    from pathways.models import Admission, CareRelationship, EarlyNotification, Patient

    now = timezone.now()
    numbers, serial = [], 300
    while len(numbers) < count:
        made = first + len(numbers)
        birth = datetime.date(1925 + made % 70, 1 + made // 70 % 12, 1 + made // 840 % 28)
        number = make_synthetic_identity_number(birth, serial)
        serial += 1
        if number is not None:
            numbers.append((number, birth))
            serial = 300
    taken = set(Patient.objects.filter(identity_number__in=[n for n, _b in numbers])
                .values_list("identity_number", flat=True))
    patients = Patient.objects.bulk_create([Patient(
        identity_number=number, given_name=f"{given_name}{first + i}", family_name="Bench",
        birth_date=birth, municipality_id=municipality_id)
        for i, (number, birth) in enumerate(numbers) if number not in taken])
    ward = _ward(hospital_id)
    admissions = Admission.objects.bulk_create([Admission(
        patient=patient, hospital_id=hospital_id, municipality_id=municipality_id, ward=ward,
        admitted_at=now - datetime.timedelta(minutes=30 + i),
        notification_deadline=now + datetime.timedelta(hours=23),
        first_notification_sent_at=now - datetime.timedelta(minutes=20 + i),
    ) for i, patient in enumerate(patients)])
    CareRelationship.objects.bulk_create([CareRelationship(
        patient_id=a.patient_id, organization_id=organization, reason="admission",
        valid_from=a.admitted_at) for a in admissions
        for organization in (hospital_id, municipality_id)])
    EarlyNotification.objects.bulk_create([EarlyNotification(
        admission=a, municipality_id=municipality_id, state="sent",
        sent_at=a.first_notification_sent_at, sent_by_id=planner_id) for a in admissions])
    return len(admissions)


def _ward(hospital_id: int):
    """The ward of the queue's admissions: the hospital's first ward."""
    from registry.models import Ward

    ward = Ward.objects.filter(hospital_id=hospital_id).order_by("pk").first()
    if ward is None:
        raise RuntimeError(f"hospital {hospital_id} has no ward for the bench's queue")
    return ward


def make(world) -> None:
    """The queue in the second municipality, admitted to the first hospital."""
    hospital = world.hospitals[0]
    open_notice_queue(hospital, world.municipalities[1], world.planners[hospital][0],
                      count=OPEN_NOTICE_QUEUE)


def targets(pages) -> list:
    """The queue's first page, a search, a filter, and a poll that finds nothing new, read by
    a KE worker of the queue's municipality (a client of its own on `pages`)."""
    from registry.models import User

    from .pages import Target

    if CLIENT not in pages.clients:
        ke = User.objects.get(pk=pages.world.ke_by_org[pages.world.municipalities[1]][0])
        pages.clients[CLIENT] = Client(HTTP_HOST="127.0.0.1")
        pages.clients[CLIENT].force_login(ke)
    inbox = reverse("pathways:ke_inbox")
    name = f"KE inbox, {OPEN_NOTICE_QUEUE} open notices"
    return [
        Target(name, CLIENT, inbox, {}),
        Target(f"{name}, sorted by patient", CLIENT, inbox, {"sort": "patient"}),
        Target(f"{name}, ?q=kø1 due today", CLIENT, inbox, {"q": "kø1", "due": "1"}),
        Target(f"{name}, page 5 (htmx)", CLIENT, inbox, {"page": 5}, htmx=True),
        Target(f"{name}, poll (unchanged)", CLIENT, inbox,
               {"fingerprint": fingerprint(pages.clients[CLIENT], inbox)}, htmx=True,
               status=204),
    ]


def fingerprint(client, url: str) -> str:
    """The fingerprint the inbox shows, for its poll (the hidden input the poll includes)."""
    html = client.get(url).content.decode()
    found = re.search(r'id="inbox-fingerprint" name="fingerprint" value="([0-9a-f]+)"', html)
    if not found:
        raise RuntimeError("the KE inbox shows no fingerprint")
    return found.group(1)
