"""Searchsets walked by their links (issue 10, item 20): the `next` link carries a cursor, so
a walk returns every match once and in order however many share a timestamp or change while
the client pages; a forged cursor is a 400; Bundle.total is counted up to
API_PAGE_COUNT_LIMIT and left out above; a page costs the same queries over few rows or many.
"""

import base64
import datetime
import json
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.utils import timezone

from fhir_api import mapping as m
from fhir_api import paging
from pathways import services
from pathways.models import (
    Admission,
    DischargeMeeting,
    MeetingParticipant,
    ParticipantKind,
    Patient,
    ReadyForDischarge,
)
from tests import factories

from .conftest import admit, validate, validate_bundle

BASE = "/fhir/r4/"
SAME_MOMENT = datetime.datetime(2026, 3, 1, 12, 0, tzinfo=datetime.UTC)
FNR = "urn:oid:2.16.578.1.12.4.1.4.1"


def links(bundle) -> dict[str, str]:
    return {link["relation"]: link["url"] for link in bundle["link"]}


def entry_ids(bundle) -> list[str]:
    return [entry["resource"]["id"] for entry in bundle.get("entry", [])]


def walk(client, url: str, relation: str = "next") -> list[dict]:
    """The bundles met by following `relation` links from url."""
    bundles = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        bundle = response.json()
        validate_bundle(bundle)
        bundles.append(bundle)
        url = links(bundle).get(relation)
        assert len(bundles) < 50, "the links go round in circles"
    return bundles


def pages(bundles) -> list[list[str]]:
    return [entry_ids(bundle) for bundle in bundles]


def flat(bundles) -> list[str]:
    return [rid for bundle in bundles for rid in entry_ids(bundle)]


def make_patients(cast, n: int) -> list[Patient]:
    return [factories.patient(cast.ke_tromso, f"Side{i}", "Pasient", municipality=cast.tromso)
            for i in range(n)]


def stamp(model, rows, moment=SAME_MOMENT) -> None:
    """Give rows the same last-updated time, as a bulk change does."""
    model.objects.filter(pk__in=[row.pk for row in rows]).update(updated_at=moment)


@pytest.fixture
def epj(cast):
    """Tromsø's EPJ system, with the user it acts as (for the expected orders)."""
    http = factories.api_client(cast.tromso, "Gerica Tromsø")
    http.user = http.api_client.user
    return http


# What each type's walk returns: every match, newest change first, ties by the key.

def patients_in_order(cast, user):
    made = make_patients(cast, 7)
    stamp(Patient, made[1:6])  # five alike, between a newer and an older one
    Patient.objects.filter(pk=made[6].pk).update(
        updated_at=SAME_MOMENT - datetime.timedelta(days=1))
    visible = Patient.objects.visible_to(user)
    return [str(p.uuid) for p in visible.order_by("-updated_at", "-uuid")]


def encounters_in_order(cast, user):
    admissions = [admit(cast, patient) for patient in make_patients(cast, 6)]
    stamp(Admission, admissions[:4])
    visible = Admission.objects.visible_to(user)
    return [str(a.uuid) for a in visible.order_by("-updated_at", "-uuid")]


def tasks_in_order(cast, user):
    """Notices and answers stamped alike: ties go notice before answer, then by uuid."""
    admissions = [admit(cast, patient) for patient in make_patients(cast, 4)]
    declarations = [services.declare_ready_for_discharge(a, by=cast.planner,
                                                         physician="Dr. Lege")
                    for a in admissions[:3]]
    stamp(Admission, admissions)
    stamp(ReadyForDischarge, declarations)
    keys = [(a.updated_at, m.NOTICE_TASK, a.uuid)
            for a in Admission.objects.visible_to(user)]
    keys += [(d.updated_at, m.ANSWER_TASK, d.uuid) for d in ReadyForDischarge.objects.filter(
        admission__in=Admission.objects.visible_to(user))]
    return [f"{kind}-{key}" for _t, kind, key in sorted(keys, reverse=True)]


def appointment_responses_in_order(cast, user):
    """Two answers to each meeting, the meetings changed at the same moment."""
    meetings = [services.schedule_discharge_meeting(
        admit(cast, patient), by=cast.planner,
        scheduled_at=timezone.now() + datetime.timedelta(days=2), location="Rom 1",
        participants=[
            {"kind": ParticipantKind.COORDINATING_UNIT, "user": cast.ke_tromso,
             "organization": cast.tromso},
            {"kind": ParticipantKind.PATIENT, "name": "Pasienten"},
        ]) for patient in make_patients(cast, 3)]
    stamp(DischargeMeeting, meetings)
    participants = MeetingParticipant.objects.filter(
        meeting__in=DischargeMeeting.objects.visible_to(user)).select_related("meeting")
    ordered = sorted(participants, key=lambda p: (p.meeting.updated_at, p.meeting.uuid, p.uuid),
                     reverse=True)
    return [str(p.uuid) for p in ordered]


ORDERS = {"Patient": patients_in_order, "Encounter": encounters_in_order,
          "Task": tasks_in_order, "AppointmentResponse": appointment_responses_in_order}


@pytest.mark.django_db
@pytest.mark.parametrize("resource_type", ORDERS)
def test_walking_the_next_links_returns_every_match_once_in_order(cast, epj, resource_type):
    expected = ORDERS[resource_type](cast, epj.user)
    assert len(expected) >= 6
    forward = walk(epj, f"{BASE}{resource_type}?_count=2")
    assert [len(page) for page in pages(forward)[:-1]] == [2] * (len(forward) - 1)
    assert flat(forward) == expected
    # One page of all of them comes in the same order.
    assert pages(walk(epj, f"{BASE}{resource_type}?_count=200")) == [expected]
    # And the previous links walk back over the same pages.
    backward = walk(epj, links(forward[-1])["previous"], relation="previous")
    assert pages(backward) == pages(forward)[-2::-1]
    assert "previous" not in links(forward[0])


@pytest.mark.django_db
def test_a_walk_begun_by_offset_goes_on_by_cursor(cast, epj):
    expected = patients_in_order(cast, epj.user)
    first = epj.get(f"{BASE}Patient?_count=2&_offset=2").json()
    assert entry_ids(first) == expected[2:4]
    query = parse_qs(urlsplit(links(first)["next"]).query)
    assert "_cursor" in query and "_offset" not in query
    assert flat(walk(epj, links(first)["next"])) == expected[4:]
    assert flat(walk(epj, links(first)["previous"], relation="previous")) == expected[:2]


@pytest.mark.django_db
def test_a_resource_changed_while_paging_makes_no_other_skipped(cast, epj):
    made = make_patients(cast, 6)
    for n, patient in enumerate(made):  # Side0 newest, a minute apart
        Patient.objects.filter(pk=patient.pk).update(
            updated_at=SAME_MOMENT - datetime.timedelta(minutes=n))
    expected = [str(p.uuid) for p in made]
    # What changed before a day: a change moves a resource out of this search.
    first = epj.get(f"{BASE}Patient?_count=2&_lastUpdated=lt2026-03-02").json()
    assert entry_ids(first) == expected[:2]
    # While the client reads the first page, one resource it has seen changes, and one it
    # has not seen yet.
    now = timezone.now()
    Patient.objects.filter(pk__in=[made[0].pk, made[4].pk]).update(updated_at=now)
    # By offset the next page would start at the third of the five left and miss Side2.
    assert flat(walk(epj, links(first)["next"])) == [expected[2], expected[3], expected[5]]
    # Without the filter the changed ones come first in a new search, once each.
    again = flat(walk(epj, f"{BASE}Patient?_count=2"))
    assert sorted(again) == sorted(set(again))
    assert set(again) >= set(expected)


# -- cursors the server did not give ----------------------------------------------------------

def token(raw) -> str:
    text = raw if isinstance(raw, str) else json.dumps(raw)
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


NOW = "2026-03-01T12:00:00+00:00"
UUID = "0b7f5c4e-9a51-4d8c-a3f0-5c1b2a7d9e10"


@pytest.mark.django_db
@pytest.mark.parametrize("resource_type, cursor", [
    ("Encounter", "not-a-cursor"),
    ("Encounter", "%%%"),
    ("Encounter", token("not json")),
    ("Encounter", token([NOW, UUID])),
    ("Encounter", token({"r": "Encounter"})),
    ("Encounter", token({"r": "Patient", "k": [NOW, UUID]})),  # another type's
    ("Encounter", token({"r": "Encounter", "k": [NOW]})),
    ("Encounter", token({"r": "Encounter", "k": [NOW, UUID, 1]})),
    ("Encounter", token({"r": "Encounter", "k": ["2026-03-01T12:00:00", UUID]})),  # naive
    ("Encounter", token({"r": "Encounter", "k": ["yesterday", UUID]})),
    ("Encounter", token({"r": "Encounter", "k": [NOW, "not-a-uuid"]})),
    ("Encounter", token({"r": "Encounter", "k": [NOW, 7]})),
    ("Encounter", token({"r": "Encounter", "k": [NOW, UUID], "b": 2})),
    ("Encounter", token({"r": "Encounter", "k": [NOW, UUID], "x": 1})),
    ("Encounter", token('{"r": "Encounter", "k": ' + "[" * 100 + "]" * 100 + "}")),
    ("Encounter", "A" * 2000),
    ("Task", token({"r": "Task", "k": [NOW, "other", UUID]})),
    ("Task", token({"r": "Task", "k": [NOW, ["notice"], UUID]})),
    ("AppointmentResponse", token({"r": "AppointmentResponse", "k": [NOW, UUID, 7]})),  # an id
    ("AppointmentResponse", token({"r": "AppointmentResponse", "k": [NOW, UUID, "x"]})),
    ("Goal", token({"r": "Goal", "k": [NOW, UUID, "1"]})),
])
def test_a_cursor_the_server_did_not_give_is_a_400_naming_it(cast, epj, resource_type,
                                                             cursor):
    response = epj.get(f"{BASE}{resource_type}", {"_cursor": cursor})
    assert response.status_code == 400, response.content
    outcome = response.json()
    validate(outcome)
    assert outcome["issue"][0]["expression"] == ["_cursor"]


@pytest.mark.django_db
def test_a_cursor_with_an_offset_or_an_unknown_total_is_a_400_naming_it(cast, epj):
    cursor = paging.encode("Encounter", (SAME_MOMENT, UUID))
    both = epj.get(f"{BASE}Encounter", {"_cursor": cursor, "_offset": "2"})
    assert both.status_code == 400
    assert both.json()["issue"][0]["expression"] == ["_offset"]
    total = epj.get(f"{BASE}Encounter", {"_total": "exact"})
    assert total.status_code == 400
    assert total.json()["issue"][0]["expression"] == ["_total"]


@pytest.mark.django_db
def test_a_well_formed_cursor_with_any_utc_offset_is_answered(cast, epj):
    # +23:59 is beyond what PostgreSQL takes: compared in UTC, as the search dates are.
    admit(cast)
    cursor = token({"r": "Encounter", "k": ["2999-01-01T00:00:00+23:59", UUID]})
    response = epj.get(f"{BASE}Encounter", {"_cursor": cursor})
    assert response.status_code == 200, response.content
    assert len(response.json()["entry"]) == 1


# -- Bundle.total -----------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_total_is_left_out_above_the_count_limit(cast, epj, settings):
    settings.API_PAGE_COUNT_LIMIT = 3
    made = make_patients(cast, 4)  # with Astrid Aune and Tor Tindvik: six
    above = epj.get(f"{BASE}Patient?_count=2").json()
    validate_bundle(above)
    assert "total" not in above
    assert len(flat(walk(epj, f"{BASE}Patient?_count=2"))) == 6
    # Up to the limit it is exact; _total=accurate is answered the same way.
    three = ",".join(str(p.uuid) for p in made[:3])
    assert epj.get(f"{BASE}Patient?_id={three}").json()["total"] == 3
    assert epj.get(f"{BASE}Patient?_id={three}&_total=accurate").json()["total"] == 3
    assert "total" not in epj.get(f"{BASE}Patient?_total=accurate").json()
    # _total=none: no total however few match; the links keep it.
    none = epj.get(f"{BASE}Patient?_total=none&_id={three}").json()
    assert "total" not in none
    assert len(none["entry"]) == 3
    assert "_total=none" in links(none)["self"]


@pytest.mark.django_db
def test_the_task_total_counts_both_kinds_up_to_the_limit(cast, epj, settings):
    settings.API_PAGE_COUNT_LIMIT = 3
    admissions = [admit(cast, patient) for patient in make_patients(cast, 2)]
    services.declare_ready_for_discharge(admissions[0], by=cast.planner, physician="Dr. Lege")
    assert epj.get(f"{BASE}Task").json()["total"] == 3
    services.declare_ready_for_discharge(admissions[1], by=cast.planner, physician="Dr. Lege")
    bundle = epj.get(f"{BASE}Task").json()
    assert "total" not in bundle
    assert len(bundle["entry"]) == 4


# -- POSTed searches --------------------------------------------------------------------------

def post_search(client, url: str, **params):
    return client.generic("POST", url, urlencode(params),
                          content_type="application/x-www-form-urlencoded")


@pytest.mark.django_db
def test_a_posted_search_walks_by_cursor_with_the_identifier_left_out(cast, epj):
    other = make_patients(cast, 1)[0]
    numbers = [cast.shared.identity_number, other.identity_number]
    body = {"identifier": ",".join(f"{FNR}|{number}" for number in numbers), "_count": "1"}
    first = post_search(epj, f"{BASE}Patient/_search", **body).json()
    link = links(first)["next"]
    assert urlsplit(link).path == f"{BASE}Patient/_search"
    assert "_cursor" in parse_qs(urlsplit(link).query)
    assert "identifier" not in parse_qs(urlsplit(link).query)
    assert not any(number in link for number in numbers)
    second = post_search(epj, link, identifier=body["identifier"]).json()
    assert sorted(entry_ids(first) + entry_ids(second)) == sorted(
        [str(cast.shared.uuid), str(other.uuid)])
    assert "next" not in links(second)


# -- query budgets ----------------------------------------------------------------------------

BUDGETS = {
    # key lookup, bounded total, page, audit grounds (memberships, relationships), audit INSERT
    "Patient": 6,
    "Encounter": 6,
    # the same with a bounded total and a page for each of its three sources
    "Task": 10,
}


@pytest.mark.django_db
@pytest.mark.parametrize("resource_type", BUDGETS)
@pytest.mark.parametrize("rows", [3, 30])
def test_the_first_and_last_page_cost_the_same_queries_over_few_rows_or_many(
        cast, epj, django_assert_max_num_queries, resource_type, rows):
    for patient in make_patients(cast, rows):
        admission = admit(cast, patient)
        if resource_type == "Task":
            services.declare_ready_for_discharge(admission, by=cast.planner,
                                                 physician="Dr. Lege")
    epj.get(f"{BASE}Organization?_count=0")  # the key's first use is recorded once
    url = f"{BASE}{resource_type}?_count=2"
    with django_assert_max_num_queries(BUDGETS[resource_type]):
        first = epj.get(url)
    assert len(first.json()["entry"]) == 2
    # The last page, reached by the links (its cursor is as deep as the rows go).
    bundles = walk(epj, url)
    last_url = links(bundles[-2])["next"]
    with django_assert_max_num_queries(BUDGETS[resource_type]):
        last = epj.get(last_url)
    assert entry_ids(last.json()) == entry_ids(bundles[-1])
    assert len(flat(bundles)) >= rows
