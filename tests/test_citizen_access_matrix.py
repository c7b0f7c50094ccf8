"""The citizen roles against every citizen URL and every staff URL (issue 14): the patient,
a next of kin with a grant of meetings only, one with a grant of everything, one whose grant
was withdrawn, one with no grant at all, and a parent whose child has turned 16. A citizen on
a staff URL gets 404 (the page, the API, the admin); staff on a citizen page too; on the
patient's own door each role reaches exactly the parts it was given, and 404 elsewhere.

The URLs are read from the URLconf, so a page added later is in the matrix at once; a citizen
page whose name says nothing of its part (PARTS) fails the matrix until it is added."""

import datetime
import re
import uuid
from types import SimpleNamespace

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from citizen.auth import BACKEND, citizen_user
from pathways.models import Representation, RepresentationKind
from tests import factories

pytestmark = pytest.mark.django_db

PREFIX = "/me/"
# A citizen page's part, by the start of its URL name (the first that matches); "any" for
# pages every door has, None for pages outside any door (sign-in).
PARTS = [
    ("sign_", None), ("home", None),
    ("overview", "any"),
    ("plan", "plan"), ("self_report", "self_report"),
    ("meeting", "meetings"),
    ("message", "messages"), ("referral", "referrals"),
    ("rights_log", "log"), ("rights_consent", "consents"),
    ("rights_representative", "representatives"), ("rights", "own"),
    ("survey", "survey"),
]
OWN_ONLY = {"log", "consents", "representatives", "survey", "self_report", "own", "referrals"}


def part_of(name: str) -> str | None:
    for start, part in PARTS:
        if name.startswith(start):
            return part
    raise AssertionError(f"The citizen page {name!r} has no part in PARTS: add it.")


def _walk(patterns, prefix=""):
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield route, entry


CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")


def concrete(route: str, values: dict) -> str | None:
    """The route with its converters filled in from values (by name), a new uuid for other
    uuids, and plain words for the rest; None for a regex route."""
    if route.startswith("^"):
        return None

    def fill(match):
        kind, name = match.group(1) or "str", match.group(2)
        if name in values:
            return str(values[name])
        return {"uuid": str(uuid.uuid4()), "int": "1", "slug": "x", "path": "x"}.get(kind, "x")

    return "/" + CONVERTER.sub(fill, route)


def staff_routes():
    for route, entry in _walk(get_resolver().url_patterns):
        path = concrete(route, {})
        if path is None or path.startswith(PREFIX) or path.startswith(
                ("/static/", "/i18n/", "/healthz", "/accounts/logout/")):
            continue
        yield pytest.param(path, id=entry.name or route)


def citizen_routes():
    for route, entry in _walk(get_resolver().url_patterns):
        if ("/" + route).startswith(PREFIX) and "<uuid:patient>" in route:
            others = set(CONVERTER.findall(route)) - {("uuid", "patient")}
            if not others:
                yield pytest.param(route, entry.name, id=entry.name)


@pytest.fixture
def world(cast):
    """Astrid (the cast's shared patient, with a plan) and the people around her."""
    plan = factories.individual_plan(cast, factories.coordinator(cast), cast.shared)
    factories.activate_plan(cast, plan)
    people = SimpleNamespace(patient=citizen_user(cast.shared.identity_number))

    def relative(name, **parts):
        number = factories.identity_number(datetime.date(1976, 4, 2))
        row = Representation(patient=cast.shared, kind=RepresentationKind.NEXT_OF_KIN,
                             representative_identity_number=number, representative_name=name,
                             **parts)
        row.full_clean()
        row.save()
        return citizen_user(number), row

    people.meetings_only, _ = relative("Kari", sees_meetings=True)
    people.everything, _ = relative("Ola", sees_plan=True, sees_meetings=True,
                                    sees_messages=True)
    people.withdrawn, grant = relative("Per", sees_plan=True, sees_meetings=True,
                                       sees_messages=True)
    Representation.objects.filter(pk=grant.pk).update(withdrawn_at=timezone.now())
    people.no_grant = citizen_user(factories.identity_number(datetime.date(1980, 1, 5)))
    # A child who turned 16 today: the parent's representation has ended with it.
    today = timezone.localdate()
    child = factories.patient(cast.ke_tromso, "Emma", "Eriksen",
                              birth_date=today.replace(year=today.year - 16))
    parent_number = factories.identity_number(datetime.date(1987, 2, 11))
    Representation.objects.create(patient=child, kind=RepresentationKind.PARENT,
                                  representative_identity_number=parent_number,
                                  representative_name="Sara", sees_plan=True,
                                  sees_meetings=True, sees_messages=True)
    people.parent_of_sixteen = citizen_user(parent_number)
    return SimpleNamespace(cast=cast, plan=plan, people=people, child=child)


# What each role may reach of Astrid's door.
REACHES = {
    "patient": {"any", "plan", "meetings", "messages", *OWN_ONLY},
    "meetings_only": {"any", "meetings"},
    "everything": {"any", "plan", "meetings", "messages"},
    "withdrawn": set(),
    "no_grant": set(),
    "parent_of_sixteen": set(),
}


def _status(client, path):
    response = client.get(path)
    if response.status_code == 405:
        response = client.post(path, {})
    return response.status_code


@pytest.mark.parametrize("role", sorted(REACHES))
def test_citizen_on_every_citizen_page(world, client, role):
    client.force_login(getattr(world.people, role), backend=BACKEND)
    checked = 0
    for param in citizen_routes():
        route, name = param.values
        part = part_of(name)
        path = concrete(route, {"patient": world.cast.shared.uuid})
        allowed = part in REACHES[role]
        status = _status(client, path)
        assert (status != 404) is allowed, (role, name, status)
        # Somebody else's door is never there.
        other = concrete(route, {"patient": world.cast.bodo_only.uuid})
        assert _status(client, other) == 404, (role, name)
        checked += 1
    assert checked >= 2


def test_the_parent_of_a_child_under_16_is_in(world, client):
    """The same parent, while the child is 15: the door is open (the matrix's 404 above is
    the 16th birthday's doing, not a missing grant)."""
    Representation.objects.filter(patient=world.child).delete()
    child = world.child
    child.birth_date = child.birth_date + datetime.timedelta(days=1)
    # The identity number stays; only the age decides here.
    type(child).objects.filter(pk=child.pk).update(birth_date=child.birth_date)
    number = factories.identity_number(datetime.date(1987, 2, 11))
    Representation.objects.create(patient=child, kind=RepresentationKind.PARENT,
                                  representative_identity_number=number,
                                  representative_name="Sara", sees_meetings=True)
    client.force_login(citizen_user(number), backend=BACKEND)
    assert client.get(f"{PREFIX}p/{child.uuid}/").status_code == 200


@pytest.mark.parametrize("path", list(staff_routes()))
def test_a_citizen_on_a_staff_url_gets_404(world, client, path):
    client.force_login(world.people.patient, backend=BACKEND)
    assert client.get(path).status_code == 404
    assert client.post(path, {}).status_code == 404


def test_staff_on_a_citizen_page_get_404(world, client):
    client.force_login(world.cast.ke_tromso)
    for param in citizen_routes():
        route, name = param.values
        if part_of(name) is None:
            continue
        path = concrete(route, {"patient": world.cast.shared.uuid})
        assert client.get(path).status_code == 404, name
    assert client.get(f"{PREFIX}sign-in/").status_code != 404

