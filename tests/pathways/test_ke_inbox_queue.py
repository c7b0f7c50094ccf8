"""The KE inbox's early notifications as a work queue: filters with their counts, search,
sort, pages, "mine" (take, release, take over), and a page that costs the same queries for
500 open notices as for 5."""

import datetime
import re

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pathways import services
from pathways.deadlines import OSLO
from pathways.models import (
    Admission,
    CareRelationshipReason,
    EarlyNotification,
    NoticeAssignment,
)
from pathways.views import common as views_common
from pathways.views import inbox_queue
from registry.models import AuditEvent, OrganizationKind, Role
from rehab_portal.bench.queue import open_notice_queue
from tests import factories
from tests.factories import admit

HTMX = {"HTTP_HX_REQUEST": "true"}
INBOX = "pathways:ke_inbox"


def inbox(client, htmx=False, **params):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nb"
    return client.get(reverse(INBOX), params, **(HTMX if htmx else {}))


def post(client, name, notice, htmx=True, **data):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nb"
    return client.post(reverse(f"pathways:{name}", args=[notice.uuid]), data,
                       **(HTMX if htmx else {}))


def names(response) -> list[str]:
    return [n.admission.patient.full_name for n in response.context["queue"].rows]


def notice_of(cast, given, family, hours_ago=2, **admit_fields):
    patient = factories.patient(cast.planner, given, family, municipality=cast.tromso)
    return factories.early_notification(cast, admit(cast, patient, hours_ago=hours_ago,
                                                    **admit_fields))


def colleague(cast, username="ke_tromso_2", first="Kari", last="Kollega"):
    return factories.user(username, cast.tromso, Role.KE_STAFF, first_name=first,
                          last_name=last)


def sent(notice, hours_ago):
    """The notice as if sent `hours_ago` (a row's state no service makes now)."""
    type(notice).objects.filter(pk=notice.pk).update(
        sent_at=views_common.now() - datetime.timedelta(hours=hours_ago))


# ---------------------------------------------------------------------------------------
# The table


def test_it_is_a_table_with_a_caption_sortable_columns_and_a_scrolling_region(client, cast):
    notice = factories.early_notification(cast)
    client.force_login(cast.ke_tromso)
    html = inbox(client).content.decode()
    assert re.search(r'<div class="table-wrap queue-wrap" role="region" tabindex="0" '
                     r'aria-label="Tidligmeldinger">', html)
    assert re.search(r'<caption id="notice-queue-caption">Tidligmelding 1–1 av 1</caption>',
                     html)
    # The default order (status: waiting first) is announced on its column, the others not.
    assert re.search(r'<th scope="col" aria-sort="ascending"><a class="queue__sort" '
                     r'id="sort-status" href="/inbox/ke/\?sort=-status"', html)
    assert len(re.findall(r"aria-sort=", html)) == 1
    row = html[html.index(f'<tr id="notice-{notice.uuid}"'):]
    row = row[:row.index("</tr>")]
    patient_url = reverse("pathways:patient_detail", args=[cast.shared.uuid])
    assert '<th scope="row" data-label="Pasient">' in row
    assert f'href="{patient_url}"' in row and "Astrid Aune" in row
    assert 'data-label="Sykehus og avdeling">UNN Tromsø<span class="cell-note">Slag' in row
    assert "Venter på kvittering" in row and "Ingen ennå" in row
    assert 'data-label="Kvitteres innen"' in row
    for words in ("Innlagt", "Status", "Ansvarlig i KE"):
        assert f'data-label="{words}"' in row  # the phone's cards label each cell


def test_status_words_read_right_beside_each_other(client, cast):
    first = factories.early_notification(cast)
    services.acknowledge_early_notification(first, by=cast.ke_tromso)
    services.send_early_notification(first.admission, by=cast.planner,
                                     message_status="change")
    client.force_login(cast.ke_tromso)
    html = inbox(client).content.decode()
    assert html.count('<span class="tag tag--warn">Venter på kvittering</span>') == 1
    assert html.count('<span class="tag tag--ok">Kvittert</span>') == 1
    assert "Versjon 2: endring" in html
    assert ">Ny<" not in html


@pytest.mark.django_db
def test_a_row_shows_the_discharge_date_given_at_admission_when_the_notice_gives_none(
        client, cast):
    notice = notice_of(cast, "Dagny", "Dato")
    Admission.objects.filter(pk=notice.admission_id).update(
        estimated_discharge_date=datetime.date(2031, 3, 14))
    type(notice).objects.filter(pk=notice.pk).update(estimated_discharge_date=None)
    client.force_login(cast.ke_tromso)
    html = inbox(client).content.decode()
    assert "Forventet utskrevet 14.03.2031" in html
    assert "ikke kjent ennå" not in html.split("Dagny")[1].split("</tr>")[0]


# ---------------------------------------------------------------------------------------
# Filters and their counts, search, sort, pages


@pytest.fixture
def queue(cast):
    """Four notices in Tromsø: two waiting at UNN (one due today), one acknowledged at UNN,
    one waiting at Nordlandssykehuset; seen at 20:00 today in Oslo."""
    at = datetime.datetime.combine(timezone.localdate(), datetime.time(20), tzinfo=OSLO)
    nlsh = factories.organization(OrganizationKind.HOSPITAL, "Nordlandssykehuset Bodø",
                                  parent=cast.unn_hf)
    nlsh_planner = factories.user("planner_nlsh", nlsh, Role.DISCHARGE_PLANNER)
    due = notice_of(cast, "Dina", "Due")
    fresh = notice_of(cast, "Frida", "Fersk")
    done = notice_of(cast, "Kari", "Kvittert")
    services.acknowledge_early_notification(done, by=cast.ke_tromso)
    patient = factories.patient(cast.planner, "Nora", "Nordland", municipality=cast.tromso)
    elsewhere = services.send_early_notification(
        admit(cast, patient, hospital=nlsh, by=nlsh_planner), by=nlsh_planner)
    # Due by 18:00 today (sent 10:00); the others after midnight (sent 19:00); the
    # acknowledged one sent at 15:00.
    type(due).objects.filter(pk=due.pk).update(sent_at=at - datetime.timedelta(hours=10))
    type(done).objects.filter(pk=done.pk).update(sent_at=at - datetime.timedelta(hours=5))
    for other in (fresh, elsewhere):
        type(other).objects.filter(pk=other.pk).update(sent_at=at - datetime.timedelta(hours=1))
    return {"at": at, "nlsh": nlsh, "due": due, "fresh": fresh, "done": done,
            "elsewhere": elsewhere}


@pytest.fixture
def at_eight_pm(monkeypatch, queue):
    monkeypatch.setattr(views_common, "now", lambda: queue["at"])


def test_every_filter_shows_its_count(client, cast, queue, at_eight_pm):
    services.take_notice(queue["fresh"].admission, by=cast.ke_tromso)
    client.force_login(cast.ke_tromso)
    response = inbox(client)
    counts = response.context["queue"].counts
    assert (counts.total, counts.waiting, counts.acknowledged, counts.due, counts.mine) == (
        4, 3, 1, 1, 1)
    assert [(name, n) for _uuid, name, n in counts.hospitals] == [
        ("Nordlandssykehuset Bodø", 1), ("UNN Tromsø", 3)]
    html = response.content.decode()
    for name, value in (("all", 4), ("waiting", 3), ("acknowledged", 1), ("due", 1),
                        ("mine", 1)):
        assert f'<span class="count" id="count-{name}">({value})</span>' in html
    assert "Alle sykehus (4)" in html and "Nordlandssykehuset Bodø (1)</option>" in html


@pytest.mark.parametrize(("params", "expected"), [
    ({"status": "waiting"}, ["Dina Due", "Frida Fersk", "Nora Nordland"]),
    ({"status": "acknowledged"}, ["Kari Kvittert"]),
    ({"due": "1"}, ["Dina Due"]),
    ({"q": "fer"}, ["Frida Fersk"]),
    ({"q": "nora nord", "status": "waiting"}, ["Nora Nordland"]),
    ({"mine": "1"}, ["Frida Fersk"]),
])
def test_it_filters(client, cast, queue, at_eight_pm, params, expected):
    services.take_notice(queue["fresh"].admission, by=cast.ke_tromso)
    client.force_login(cast.ke_tromso)
    assert names(inbox(client, **params)) == expected


def test_it_filters_by_hospital_and_keeps_the_filters_in_its_links(client, cast, queue,
                                                                   at_eight_pm):
    client.force_login(cast.ke_tromso)
    response = inbox(client, hospital=str(queue["nlsh"].uuid), sort="patient")
    assert names(response) == ["Nora Nordland"]
    html = response.content.decode()
    assert f'<option value="{queue["nlsh"].uuid}" selected>' in html
    # The poll asks for the same filters; sorting keeps them.
    assert f'hx-get="/inbox/ke/?hospital={queue["nlsh"].uuid}&amp;sort=patient"' in html
    assert f'href="/inbox/ke/?hospital={queue["nlsh"].uuid}&amp;sort=-patient"' in html


@pytest.mark.parametrize(("sort", "expected"), [
    ("patient", ["Dina Due", "Frida Fersk", "Kari Kvittert", "Nora Nordland"]),
    ("-patient", ["Nora Nordland", "Kari Kvittert", "Frida Fersk", "Dina Due"]),
    ("hospital", ["Nora Nordland", "Dina Due", "Kari Kvittert", "Frida Fersk"]),
    ("status", ["Dina Due", "Frida Fersk", "Nora Nordland", "Kari Kvittert"]),
    ("-status", ["Kari Kvittert", "Dina Due", "Frida Fersk", "Nora Nordland"]),
    ("nonsense", ["Dina Due", "Frida Fersk", "Nora Nordland", "Kari Kvittert"]),
])
def test_it_sorts_by_a_column(client, cast, queue, at_eight_pm, sort, expected):
    client.force_login(cast.ke_tromso)
    response = inbox(client, sort=sort)
    assert response.status_code == 200
    assert names(response) == expected


def test_the_sorted_column_says_so(client, cast, queue, at_eight_pm):
    client.force_login(cast.ke_tromso)
    html = inbox(client, sort="-patient").content.decode()
    assert re.search(r'<th scope="col" aria-sort="descending"><a class="queue__sort" '
                     r'id="sort-patient" href="/inbox/ke/\?sort=patient"', html)


def test_it_pages_with_the_filters(client, cast, queue, at_eight_pm, monkeypatch):
    monkeypatch.setattr(inbox_queue, "PAGE_SIZE", 2)
    client.force_login(cast.ke_tromso)
    first = inbox(client, sort="patient")
    assert names(first) == ["Dina Due", "Frida Fersk"]
    html = first.content.decode()
    assert "Side 1 av 2" in html
    assert 'href="/inbox/ke/?sort=patient&amp;page=2"' in html
    assert "Tidligmeldinger 1–2 av 4" in html
    second = inbox(client, sort="patient", page=2)
    assert names(second) == ["Kari Kvittert", "Nora Nordland"]
    assert names(inbox(client, sort="patient", page="abc")) == ["Dina Due", "Frida Fersk"]


def test_a_wrong_filter_is_named_and_filters_nothing(client, cast, queue, at_eight_pm):
    client.force_login(cast.ke_tromso)
    response = inbox(client, hospital="not-a-hospital", status="bogus")
    assert response.status_code == 200
    assert len(names(response)) == 4
    assert "Ukjent sykehus: alle sykehus vises." in response.content.decode()


def test_htmx_gets_the_lists_and_hears_how_many_match(client, cast, queue, at_eight_pm):
    client.force_login(cast.ke_tromso)
    response = inbox(client, htmx=True, status="waiting")
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="ke-lists"')
    assert 'hx-swap-oob="innerHTML:#announcer">3 tidligmeldinger passer.</div>' in html


def test_a_poll_with_the_filters_answers_204_until_someone_takes_a_notice(client, cast, queue,
                                                                        at_eight_pm):
    client.force_login(cast.ke_tromso)
    context = inbox(client, status="waiting").context
    poll = {"status": "waiting", "fingerprint": context["fingerprint"],
            "since": context["rendered_at"]}
    assert inbox(client, htmx=True, **poll).status_code == 204
    services.take_notice(queue["due"].admission, by=colleague(cast))
    response = inbox(client, htmx=True, **poll)
    assert response.status_code == 200
    assert names(response) == ["Dina Due", "Frida Fersk", "Nora Nordland"]
    assert "Kari Kollega" in response.content.decode()


# ---------------------------------------------------------------------------------------
# Taking a notice ("mine")


def test_a_ke_worker_takes_a_notice_and_it_is_theirs(client, cast):
    notice = factories.early_notification(cast)
    client.force_login(cast.ke_tromso)
    response = post(client, "take_notice", notice)
    html = response.content.decode()
    assert response.status_code == 200
    assert re.match(rf'\s*<tr id="notice-{notice.uuid}"[^>]* tabindex="-1" '
                    r"data-focus-after-swap>", html)
    assert "Du har tatt tidligmeldingen for Astrid Aune." in html
    assert "<strong>Du</strong>" in html and f'id="release-{notice.uuid}"' in html
    assert '<span class="count" id="count-mine" hx-swap-oob="true">(1)</span>' in html
    assignment = NoticeAssignment.objects.get()
    assert (assignment.admission, assignment.ke_worker) == (notice.admission, cast.ke_tromso)
    event = AuditEvent.objects.filter(object_type="admission", detail="notice taken").get()
    assert (event.user, event.patient_uuid) == (cast.ke_tromso, cast.shared.uuid)
    assert names(inbox(client, mine="1")) == ["Astrid Aune"]


def test_a_colleagues_notice_is_never_taken_silently(client, cast):
    notice = factories.early_notification(cast)
    kari = colleague(cast)
    client.force_login(cast.ke_tromso)
    before = inbox(client).content.decode()  # free when Kåre looked
    assert f'id="take-{notice.uuid}"' in before
    services.take_notice(notice.admission, by=kari)  # Kari takes it in the meantime
    response = post(client, "take_notice", notice)
    html = response.content.decode()
    assert response.status_code == 409
    assert re.search(r'class="row-note row-note--error"[^>]*>Kari Kollega tok denne '
                     r"tidligmeldingen \d\d\.\d\d\.\d{4} \d\d:\d\d\. Ta den over bare hvis "
                     r"dere har avtalt det\.</p>", html)
    assert NoticeAssignment.objects.get().ke_worker == kari
    # Taking over is a second, explicit step that names the colleague.
    assert re.search(r'<input type="hidden" name="take_over" value="ke_tromso_2">\s*'
                     rf'<button type="submit" [^>]*id="take-over-{notice.uuid}">Ta over fra '
                     r"Kari Kollega", html)
    taken = post(client, "take_notice", notice, take_over="ke_tromso_2")
    assert taken.status_code == 200
    assert NoticeAssignment.objects.get().ke_worker == cast.ke_tromso
    assert AuditEvent.objects.filter(detail="notice taken over from ke_tromso_2",
                                     user=cast.ke_tromso).exists()


def test_taking_over_from_someone_who_no_longer_has_it_is_refused(client, cast):
    notice = factories.early_notification(cast)
    kari, per = colleague(cast), colleague(cast, "ke_tromso_3", "Per", "Pettersen")
    services.take_notice(notice.admission, by=kari)
    services.take_notice(notice.admission, by=per, take_over_from="ke_tromso_2")
    client.force_login(cast.ke_tromso)
    response = post(client, "take_notice", notice, take_over="ke_tromso_2")
    assert response.status_code == 409
    assert "Per Pettersen tok denne tidligmeldingen" in response.content.decode()
    assert NoticeAssignment.objects.get().ke_worker == per


def test_a_ke_worker_releases_their_own_notice_only(client, cast):
    notice = factories.early_notification(cast)
    kari = colleague(cast)
    services.take_notice(notice.admission, by=kari)
    client.force_login(cast.ke_tromso)
    refused = post(client, "release_notice", notice)
    assert refused.status_code == 409
    assert "Kari Kollega har tatt denne tidligmeldingen, ikke du." in refused.content.decode()
    client.force_login(kari)
    released = post(client, "release_notice", notice)
    assert released.status_code == 200
    assert "Du har sluppet tidligmeldingen for Astrid Aune; en kollega kan ta den." in \
        released.content.decode()
    assert not NoticeAssignment.objects.exists()
    assert AuditEvent.objects.filter(detail="notice released", user=kari).exists()


def test_a_new_version_stays_with_whoever_took_the_notice(client, cast):
    first = factories.early_notification(cast)
    services.take_notice(first.admission, by=cast.ke_tromso)
    second = services.send_early_notification(first.admission, by=cast.planner,
                                              message_status="addition")
    client.force_login(cast.ke_tromso)
    response = inbox(client, mine="1")
    assert {n.uuid for n in response.context["queue"].rows} == {first.uuid, second.uuid}
    assert all(n.mine for n in response.context["queue"].rows)


def test_only_the_municipalitys_ke_takes_its_notices(client, cast):
    notice = factories.early_notification(cast)
    client.force_login(cast.ke_bodo)
    assert post(client, "take_notice", notice).status_code == 404  # outside Bodø's scope
    factories.relate(cast.shared, cast.bodo, cast.ke_tromso, CareRelationshipReason.REFERRAL)
    response = post(client, "take_notice", notice)
    assert response.status_code == 403
    assert "Bare koordinerende enhet i Tromsø kan ta denne tidligmeldingen." in \
        response.content.decode()
    client.force_login(cast.planner)  # the hospital sees the notice but works no KE inbox
    assert post(client, "take_notice", notice).status_code == 403
    assert not NoticeAssignment.objects.exists()


def test_taking_without_javascript_returns_to_the_same_filters(client, cast):
    notice = factories.early_notification(cast)
    client.force_login(cast.ke_tromso)
    response = post(client, "take_notice", notice, htmx=False, back="status=waiting&page=1&x=1")
    assert response.status_code == 302
    assert response["Location"] == reverse(INBOX) + "?status=waiting&page=1"
    page = client.get(response["Location"]).content.decode()
    assert "Du har tatt tidligmeldingen for Astrid Aune." in page


def test_an_assignment_does_not_follow_the_admission_to_another_municipality(client, cast):
    notice = factories.early_notification(cast)
    services.take_notice(notice.admission, by=cast.ke_tromso)
    # The responsible municipality is corrected to Bodø (in the admin): Bodø's KE sees the
    # notice as nobody's, and takes it without a conflict.
    Admission.objects.filter(pk=notice.admission.pk).update(municipality=cast.bodo)
    factories.relate(cast.shared, cast.bodo, cast.ke_bodo)
    client.force_login(cast.ke_bodo)
    response = inbox(client)
    rows = response.context["queue"].rows
    assert [(n.uuid, n.assignee) for n in rows] == [(notice.uuid, None)]
    assert "Kåre Tromsø" not in response.content.decode()
    assert response.context["queue"].counts.mine == 0
    taken = post(client, "take_notice", notice)
    assert taken.status_code == 200
    assert NoticeAssignment.objects.get().ke_worker == cast.ke_bodo


# ---------------------------------------------------------------------------------------
# Acknowledging keeps the KE where they were


def test_acknowledging_answers_with_the_row_focused_in_place(client, cast):
    notice = factories.early_notification(cast)
    client.force_login(cast.ke_tromso)
    html = inbox(client).content.decode()
    assert re.search(rf'hx-post="/early-notifications/{notice.uuid}/acknowledge/" '
                     r'hx-target="closest tr" hx-swap="outerHTML"', html)
    response = post(client, "acknowledge_notice", notice)
    html = response.content.decode()
    assert re.match(rf'\s*<tr id="notice-{notice.uuid}"[^>]* tabindex="-1" '
                    r"data-focus-after-swap>", html)
    assert "<html" not in html and 'id="ke-lists"' not in html


def test_a_step_on_an_up_to_date_page_does_not_make_the_next_poll_redraw_it(client, cast):
    notice = factories.early_notification(cast)
    other = notice_of(cast, "Olav", "Olsen")
    client.force_login(cast.ke_tromso)
    shown = inbox(client).context["fingerprint"]
    response = post(client, "acknowledge_notice", notice, fingerprint=shown)
    found = re.search(r'<input type="hidden" id="inbox-fingerprint" name="fingerprint" '
                      r'value="([0-9a-f]+)" hx-swap-oob="true">', response.content.decode())
    assert found and found.group(1) != shown
    assert inbox(client, htmx=True, fingerprint=found.group(1)).status_code == 204
    # A page that missed a colleague's step keeps its old fingerprint: the poll redraws it.
    services.take_notice(other.admission, by=colleague(cast))
    stale = post(client, "take_notice", notice, fingerprint=found.group(1))
    assert stale.status_code == 200 and 'id="inbox-fingerprint"' not in stale.content.decode()
    assert inbox(client, htmx=True, fingerprint=found.group(1)).status_code == 200


# ---------------------------------------------------------------------------------------
# The same queries for 500 open notices as for 5


def fill_queue(cast, count, first=0):
    """`count` Tromsø residents in hospital at UNN, each notice waiting (bulk inserts, as
    the bench makes its queue), and one of them taken."""
    factories.ward(cast.unn)  # the queue's ward
    assert open_notice_queue(cast.unn.pk, cast.tromso.pk, cast.planner.pk, count=count,
                             first=first) == count
    # Sent yesterday, so that "due today" finds them at any hour the test runs (sent minutes
    # ago, they are due today only until the afternoon).
    EarlyNotification.objects.filter(acknowledged_at__isnull=True).update(
        sent_at=F("sent_at") - datetime.timedelta(days=1))
    services.take_notice(Admission.objects.order_by("pk").last(), by=cast.ke_tromso)


def capture(client, **params):
    with CaptureQueriesContext(connection) as queries:
        response = inbox(client, **params)
    assert response.status_code == 200
    return response, len(queries)


@pytest.mark.django_db
def test_the_inbox_costs_the_same_queries_for_500_open_notices_as_for_5(client, cast):
    from tests.pathways.test_ke_inbox import INBOX_BUDGET

    client.force_login(cast.ke_tromso)
    fill_queue(cast, 5)
    small = {name: capture(client, **params) for name, params in PAGES.items()}
    fill_queue(cast, 495, first=5)
    large = {name: capture(client, **params) for name, params in PAGES.items()}
    for name in PAGES:
        # Rows on both sides: a page without rows skips the queries that read them.
        assert small[name][0].context["queue"].rows, name
        assert small[name][1] == large[name][1], name
    assert small["page"][1] <= INBOX_BUDGET
    page = large["page"][0].context["queue"]
    assert page.counts.waiting == 500 and page.counts.mine == 2
    assert len(page.rows) == inbox_queue.PAGE_SIZE == 50
    assert page.page.paginator.num_pages == 10
    assert len(large["mine, sorted"][0].context["queue"].rows) == 2


PAGES = {
    "page": {},
    "table fragment (htmx)": {"htmx": True, "sort": "-admitted", "page": 2},
    "mine, sorted": {"mine": "1", "sort": "assigned"},
    "search, due today": {"q": "kø", "due": "1", "status": "waiting"},
}


def test_the_bench_times_the_inbox_of_a_municipality_with_a_big_queue(cast, monkeypatch):
    """`make bench`'s part for the queue (rehab_portal.bench.queue), on a small world."""
    from types import SimpleNamespace

    from rehab_portal.bench import pages as bench_pages
    from rehab_portal.bench import queue as bench_queue

    monkeypatch.setattr(bench_queue, "OPEN_NOTICE_QUEUE", 60)
    factories.ward(cast.unn)
    world = SimpleNamespace(hospitals=[cast.unn.pk], municipalities=[cast.bodo.pk, cast.tromso.pk],
                            planners={cast.unn.pk: [cast.planner.pk]},
                            ke_by_org={cast.tromso.pk: [cast.ke_tromso.pk]})
    bench_queue.make(world)
    pages = bench_pages.Pages.__new__(bench_pages.Pages)
    pages.world, pages.runs, pages.clients = world, 1, {}
    targets = bench_queue.targets(pages)
    results = pages.measure(targets)
    assert [results[t.name]["status"] for t in targets] == [200, 200, 200, 200, 204]
    # The pages' own poll target finds the inbox's fingerprint as the queue's does.
    assert pages.fingerprint(bench_queue.CLIENT, reverse(INBOX)) == bench_queue.fingerprint(
        pages.clients[bench_queue.CLIENT], reverse(INBOX))
    first = pages.clients[bench_queue.CLIENT].get(reverse(INBOX)).context["queue"]
    assert first.counts.waiting == 60 and len(first.rows) == inbox_queue.PAGE_SIZE
