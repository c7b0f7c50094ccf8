"""The demo region, seeded once per module, and the real objects two EPJ systems (UNN
Tromsø's and Tromsø municipality's, every scope) find in it through the API: their ids,
the path parameters of every operation on an object, and each object's ETag. Shared by the
tests generated over every operation (Schemathesis, bad bodies)."""

import io
import re

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client

from pathways import demo_data as demo
from pathways.models import DischargeMeeting, Patient
from pathways.services import add_follow_up_task
from referrals import services as referrals
from referrals.models import NeedsAssessment
from registry.models import (
    ApiClient,
    ApiScope,
    Membership,
    Organization,
    Role,
    ServiceOffering,
    User,
)
from registry.notifications import Message, notify
from registry.services import create_api_client, set_api_client_scopes
from webhooks import services as webhooks

from .support import openapi


class Seen:
    """What the clients found through the API: filled once per module."""

    keys: list[str] = []  # Authorization headers, one per client
    admins: list = []  # people who administer the organisations that provide services
    ids: dict[str, list] = {}  # "patients", "goals", ... -> ids
    paths: dict[str, list[dict]] = {}  # operation path -> path parameters of real objects
    etags: dict[str, str] = {}  # uuid -> ETag

    @classmethod
    def clear(cls) -> None:
        cls.keys, cls.admins, cls.ids, cls.paths, cls.etags = [], [], {}, {}, {}


def _collect_nested(value) -> None:
    """Ids of the objects in every list of objects in a body (goals, next_of_kin ...)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, list) and item and all(isinstance(i, dict) for i in item):
                ids = [i.get("uuid", i.get("id")) for i in item]
                Seen.ids.setdefault(key, []).extend(i for i in ids if i is not None)
            _collect_nested(item)
    elif isinstance(value, list):
        for item in value:
            _collect_nested(item)


def _harvest(http: Client) -> None:
    """Every list the client may read, each object's detail, and its parts' ids."""
    templates = openapi()["paths"]
    for path, operations in templates.items():
        if "{" in path or "get" not in operations:
            continue
        body = http.get(path, {"page_size": 200}).json()
        collection = path.rstrip("/").rsplit("/", 1)[-1]
        uuids = [row["uuid"] for row in body.get("results", []) if "uuid" in row]
        Seen.ids.setdefault(collection, []).extend(uuids)
        _collect_nested(body)
        detail = f"{path}{{uuid}}/"
        if detail not in templates:
            continue
        for uuid in uuids:
            response = http.get(f"{path}{uuid}/")
            if response.has_header("ETag"):
                Seen.etags[uuid] = response["ETag"]
            parent = response.json()
            _collect_nested(parent)
            for template in templates:
                if not template.startswith(detail):
                    continue
                names = re.findall(r"\{(\w+)\}", template)
                if len(names) == 1:
                    Seen.paths.setdefault(template, []).append({"uuid": uuid})
                    continue
                part = template.removeprefix(detail).split("/")[0]  # goals, tasks ...
                for child in parent.get(part) or []:
                    Seen.paths.setdefault(template, []).append(
                        {"uuid": uuid, names[1]: child.get("uuid", child.get("id"))})


def _what_the_demo_lacks(epj_user) -> None:
    """Objects of every kind some operation acts on: a follow-up task, the EPJ system's own
    notification, webhook subscription and delivery; and an administrator of the services'
    providers, the only one who may change a service."""
    admin = User.objects.create_user("tjenesteadmin", first_name="Tone", last_name="Admin")
    for provider in Organization.objects.filter(
            pk__in=ServiceOffering.objects.values("provider")):
        Membership.objects.create(user=admin, organization=provider, role=Role.ORG_ADMIN)
    Seen.admins = [admin]
    meeting = DischargeMeeting.objects.order_by("pk").first()
    add_follow_up_task(meeting, by=meeting.organizer, description="Bestille hjelpemidler",
                       responsible_name="Ergoterapeut", due_date=meeting.scheduled_at.date())
    notify([epj_user], Message(kind="test", title="Ny melding"))
    subscription = webhooks.create_subscription(
        by=epj_user, target_url="https://93.184.216.34/hooks", events=["admission.created"])
    webhooks.ping(subscription, by=epj_user)


def _referrals_of_the_clients(unn_user, tromso_user) -> None:
    """Referrals the two clients are party to (the demo's go from a GP office through the
    RVE): UNN's to a Tromsø service, awaiting Tromsø's assessment, and Tromsø's own, accepted
    onto its waiting list; and a draft needs assessment by Tromsø."""
    patient = (Patient.objects.visible_to(unn_user)
               .filter(pk__in=Patient.objects.visible_to(tromso_user).values("pk"))
               .order_by("pk").first())
    tromso = Organization.objects.get(municipality_number="5501")
    asked, waiting = ServiceOffering.objects.filter(provider=tromso, active=True).order_by(
        "level__sort_order", "pk")[:2]
    referrals.refer(by=unn_user, patient=patient, service=asked, reason="Trenger opptrening")
    referrals.accept(referrals.refer(by=tromso_user, patient=patient, service=waiting,
                                     reason="Trenger opptrening"), by=tromso_user)
    if not NeedsAssessment.objects.filter(patient=patient, status="draft").exists():
        referrals.start_assessment(by=tromso_user, patient=patient)


@pytest.fixture(scope="module")
def demo_region(django_db_setup, django_db_blocker):
    """The demo region once for the module (each test's own writes roll back after it)."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", stdout=io.StringIO())
        hospital = ApiClient.objects.get(name=demo.API_CLIENT_NAME)
        set_api_client_scopes(hospital, ApiScope.values)
        _client, municipal_key = create_api_client(
            Organization.objects.get(municipality_number="5501"), "Tromsø EPJ",
            scopes=ApiScope.values)
        _what_the_demo_lacks(_client.user)
        _referrals_of_the_clients(hospital.user, _client.user)
        Seen.keys = [f"Bearer {demo.API_KEY}", f"Bearer {municipal_key}"]
        for key in Seen.keys:
            _harvest(Client(HTTP_AUTHORIZATION=key))
        yield Seen
        Seen.clear()
        transaction.set_rollback(True)
