"""The generated access matrix: every route of the API router (list, detail, every action),
of the FHIR API, and of the web URLconf that takes a patient-bound UUID, for every member of
the cast, an organisation outside every care relationship and the EPJ systems, against real
objects of every patient (tests/access_world.py).

A member sees an object exactly when they see its owner (the patient, for patient data): then
a read is a 200 and a list shows it; otherwise the answer is the one a made-up id gets (a 404),
and a list leaves it out. A route met here without a rule fails the test by name: a new
endpoint is covered the day it is added."""

import re
import uuid

import pytest
from django.db import transaction
from django.urls import reverse
from rest_framework.test import APIClient

from pathways.models import Patient
from webhooks.models import WebhookDelivery

from . import access_world, factories
from .access_world import MEMBERS, PATIENTS, SEES, SYSTEMS
from .route_rules import (
    ACTORS,
    QUERIES,
    READS_ACCESS_LOG,
    RESOURCES,
    ROUTES,
    SUB_IDS,
    patterns_named,
)


def test_every_route_has_a_rule():
    missing = sorted(key for key, route in ROUTES.items() if route.rule is None)
    assert not missing, f"routes without an access rule in tests/route_rules.py: {missing}"
    assert len([r for r in ROUTES.values() if r.rule.kind != "exempt"]) > 100


# --- asking --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once for the module, in a transaction rolled back at its end: each test's own
    transaction (and each request's, see ask()) nests inside it."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield _build_world()
        transaction.set_rollback(True)


def _build_world():
    world = access_world.build(factories.cast())
    world.service = factories.service(world.cast.tromso, "3", name="Hverdagsrehabilitering")
    for system in world.systems.values():
        system.delivery = WebhookDelivery.objects.create(
            subscription=system.subscription, event="admission.created", event_id=uuid.uuid4(),
            payload={})
    for member in MEMBERS:  # the world must not widen anyone's view of the patients
        seen = set(Patient.objects.visible_to(world.people[member]).values_list("pk", flat=True))
        assert seen == {world.of[name].patient.pk for name in SEES[member]}, member
    return world


def client_of(world, member) -> APIClient:
    client = APIClient()
    if member in SYSTEMS:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {world.systems[member].key}")
    else:
        client.force_login(world.people[member])
    return client


def ask(client, method, path, data=None, **kwargs):
    """One request whose writes are undone: every cell starts from the same world."""
    with transaction.atomic():
        response = getattr(client, method.lower())(path, data, **kwargs)
        transaction.set_rollback(True)
    return response


def _fill(pattern: str, values: dict) -> str:
    return re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(values[m.group(1)]), pattern)


def _sub_ids(names, objects) -> dict:
    return {name: getattr(objects, SUB_IDS[name]).uuid for name in names}


def _made_up_sub_ids(names) -> dict:
    return {name: uuid.uuid4() for name in names}


class Verdicts:
    """Collects every cell that breaks the rule, so that one run names them all."""

    def __init__(self, key):
        self.key, self.wrong = key, []

    def expect(self, ok: bool, member, owner, got, wanted) -> None:
        if not ok:
            self.wrong.append(f"{member} → {owner}'s: {got}, expected {wanted}")

    def check(self):
        assert not self.wrong, f"{self.key}:\n  " + "\n  ".join(self.wrong)


def _object_cells(world, key, route, verdicts):
    """A detail route or an action: a 200 for a read in scope, the made-up id's answer out of
    scope; in scope, a step may be refused (403, 409 ...) but never as absent."""
    resource = RESOURCES[route.rule.resource]
    web = key.startswith("web ")
    if web:
        pattern = next(patterns_named(route.name))
        subs = [n for n in pattern.pattern.converters if n != "uuid"]
        method = route.rule.method.lower()
    else:
        subs = [n for n in re.findall(r"\(\?P<(\w+)>", str(route.pattern.pattern)) if n != "uuid"]
        method = route.method
    objects = resource.objects(world)
    members = [m for m in MEMBERS if not (web and m in SYSTEMS)]

    def path(obj_uuid, sub_values):
        if web:
            return reverse(route.name, kwargs={"uuid": obj_uuid, **sub_values})
        return _fill(route.path, {"uuid": obj_uuid, **sub_values})

    # Steps are posted as the pages post them (htmx); reads ask what they need.
    extra = {"HTTP_HX_REQUEST": "true"} if web and method == "post" else {}
    query = QUERIES.get(key)

    def own_sub_ids(owner):
        return _sub_ids(subs, world.of[owner]) if subs else {}

    for member in members:
        client = client_of(world, member)
        made_up = ask(client, method, path(uuid.uuid4(), own_sub_ids(objects[0][0])), query,
                      **extra).status_code
        for owner, obj in objects:
            own = own_sub_ids(owner)
            got = ask(client, method, path(obj.uuid, own), query, **extra).status_code
            sees = resource.sees(world, member, owner, obj)
            if web and route.name == "pathways:access_log":
                sees = owner in READS_ACCESS_LOG.get(member, set())
            if not sees:
                verdicts.expect(got == made_up == 404 or got == made_up, member, owner, got,
                                f"{made_up} as for a made-up id")
            elif method == "get":
                verdicts.expect(got == 200, member, owner, got, 200)
            elif web and member not in ACTORS.get(route.name, {member}):
                verdicts.expect(got in (403, 404), member, owner, got, "refused")
            else:
                verdicts.expect(got != 404 and got < 500, member, owner, got, "not 404")
            if sees and subs:  # another patient's sub-object through one's own is absent
                made_up_sub = ask(client, method, path(obj.uuid, _made_up_sub_ids(subs)),
                                  query, **extra)
                for other in PATIENTS:
                    if other == owner or not all(
                            hasattr(world.of[other], SUB_IDS[n]) for n in subs):
                        continue
                    crossed = ask(client, method, path(obj.uuid, _sub_ids(
                        subs, world.of[other])), query, **extra).status_code
                    verdicts.expect(crossed == made_up_sub.status_code, member,
                                    f"{owner} with {other}", crossed, made_up_sub.status_code)


def _list_cells(world, key, route, verdicts):
    resource = RESOURCES[route.rule.resource]
    objects = resource.objects(world)
    universe = {str(obj.uuid) for _owner, obj in objects}
    for member in MEMBERS:
        response = client_of(world, member).get(route.path, {"page_size": 200})
        listed = {row["uuid"] for row in response.json()["results"]} & universe
        wanted = {str(obj.uuid) for owner, obj in objects
                  if resource.sees(world, member, owner, obj)}
        verdicts.expect(response.status_code == 200 and listed == wanted, member, "list",
                        sorted(listed), sorted(wanted))


UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _create_cells(world, key, route, verdicts):
    field = route.rule.field

    def verdict(response):
        body = response.json() if response.content else {}
        messages = (body.get("error") or {}).get("fields", {}).get(field) or []
        return response.status_code, [UUID.sub("<uuid>", str(m)) for m in messages]

    resource = RESOURCES[route.rule.resource]
    for member in MEMBERS:
        client = client_of(world, member)
        made_up = verdict(ask(client, "post", route.path, {field: str(uuid.uuid4())},
                              format="json"))
        for owner, obj in resource.objects(world):
            got = verdict(ask(client, "post", route.path, {field: str(obj.uuid)},
                              format="json"))
            if resource.sees(world, member, owner, obj):
                verdicts.expect(got[0] < 500, member, owner, got, "no server error")
            else:
                verdicts.expect(got == made_up, member, owner, got, made_up)


def _fhir_cells(world, key, route, verdicts):
    resource = RESOURCES[route.rule.resource]
    handler, objects = route.handler, resource.objects(world)
    base = f"/fhir/r4/{route.type}"
    universe = {handler.id_of(obj) for _owner, obj in objects}
    for member in MEMBERS:
        client = client_of(world, member)
        if route.rule.kind == "read":
            made_up = ask(client, "get", f"{base}/{uuid.uuid4()}").status_code
            for owner, obj in objects:
                got = ask(client, "get", f"{base}/{handler.id_of(obj)}").status_code
                wanted = 200 if resource.sees(world, member, owner, obj) else made_up
                verdicts.expect(got == wanted, member, owner, got, wanted)
            continue
        if route.rule.kind == "search":
            response = client.get(base)
        else:
            response = client.post(f"{base}/_search", "",
                                   content_type="application/x-www-form-urlencoded")
        found = {entry["resource"]["id"] for entry in response.json().get("entry", [])}
        wanted = {handler.id_of(obj) for owner, obj in objects
                  if resource.sees(world, member, owner, obj)}
        verdicts.expect(response.status_code == 200 and found & universe == wanted, member,
                        "search", sorted(found & universe), sorted(wanted))


CELLS = {"object": _object_cells, "web": _object_cells, "list": _list_cells,
         "create": _create_cells, "read": _fhir_cells, "search": _fhir_cells,
         "_search": _fhir_cells}


@pytest.mark.django_db
@pytest.mark.parametrize("key", sorted(k for k, r in ROUTES.items()
                                       if r.rule is not None and r.rule.kind != "exempt"))
def test_every_member_sees_exactly_what_their_care_relationships_allow(world, key):
    route = ROUTES[key]
    verdicts = Verdicts(key)
    CELLS[route.rule.kind](world, key, route, verdicts)
    verdicts.check()
