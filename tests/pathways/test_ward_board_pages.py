"""The ward board a page at a time: a hospital has thousands of open admissions, so the board
shows PAGE_SIZE of them in the order of urgency the database works out (notices not yet sent
first, the nearest deadline first; then by admission), says how many there are, pages with
links that work with and without htmx, and its minute poll stays on the user's page."""

import datetime
import re
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from pathways import services
from pathways.views.ward_rows import PAGE_SIZE
from registry.models import AuditEvent, Membership
from tests import factories
from tests.factories import admit

HTMX = {"HTTP_HX_REQUEST": "true"}
ROWS = PAGE_SIZE + 10


@pytest.fixture
def planner(cast):
    """The cast's planner, tied to the stroke ward (Membership.ward)."""
    Membership.objects.filter(user=cast.planner).update(ward=cast.stroke_unit)
    return cast.planner


@pytest.fixture
def crowded(cast, planner):
    """ROWS open admissions on the stroke ward; `order` is the order the board must show them
    in: the ones without a notice by their deadline (the oldest admission is due first; six
    of them on page 2), then the four whose notice is sent by their admission, the oldest
    first. They are made in another order, the sent ones admitted before and between the
    others, and the last five at one moment (the tie the id breaks)."""
    now = timezone.now()
    unsent, sent = [], []
    for n in range(ROWS):
        patient = factories.patient(planner, f"Pasient{n:02d}", "Kø", municipality=cast.tromso)
        if n % 15 == 0:  # sent: admitted 60, 45, 30 and 15 hours ago
            admission = admit(cast, patient=patient, admitted_at=now - datetime.timedelta(
                hours=60 - n))
            services.send_early_notification(admission, by=planner)
            sent.append(admission)
        else:  # not sent: admitted 23 hours ago down to 5 hours ago; the last five together
            minutes = 23 * 60 - n * 20 if n < ROWS - 5 else 30
            unsent.append(admit(cast, patient=patient,
                                admitted_at=now - datetime.timedelta(minutes=minutes)))
    unsent.sort(key=lambda a: (a.notification_deadline, a.pk))
    sent.sort(key=lambda a: (a.admitted_at, a.pk))
    return SimpleNamespace(order=[a.uuid for a in unsent + sent], unsent=unsent, sent=sent)


def board(client, htmx=False, path=None, **params):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nb"
    return client.get(path or reverse("pathways:ward_board"), params,
                      **(HTMX if htmx else {}))


def shown(response) -> list:
    return [row.admission.uuid for row in response.context["rows"]]


def poll_url(html: str) -> str:
    return re.search(r'<div id="board-poll" hx-get="([^"]+)"', html).group(1).replace(
        "&amp;", "&")


def test_it_shows_a_page_in_the_order_of_urgency_and_counts_them_all(
        client, cast, planner, crowded):
    client.force_login(planner)
    first = board(client)
    html = first.content.decode()
    assert shown(first) == crowded.order[:PAGE_SIZE]
    assert re.search(rf"Avdeling Slag:\s+{ROWS} pasienter<", html)
    assert f"Åpne innleggelser 1–{PAGE_SIZE} av {ROWS}</caption>" in html
    hospital_board = reverse("pathways:hospital_ward_board", args=[cast.unn.uuid])
    assert "Side 1 av 2" in html and "Forrige side" not in html
    link = re.escape(f"{hospital_board}?ward=SLAG&amp;page=2")
    assert re.search(rf'<a href="{link}"\s+hx-get="{link}"\s+hx-target="#ward-board" '
                     r'hx-push-url="true" rel="next">Neste side</a>', html)
    # Without JavaScript the link is a whole page: the next rows, and the way back.
    second = board(client, path=hospital_board, ward="SLAG", page=2)
    html = second.content.decode()
    assert "<html" in html
    assert shown(second) == crowded.order[PAGE_SIZE:]
    assert f"Åpne innleggelser {PAGE_SIZE + 1}–{ROWS} av {ROWS}</caption>" in html
    assert "Side 2 av 2" in html and "Forrige side" in html and "Neste side" not in html


def test_a_page_past_the_end_shows_the_last_and_a_ward_on_one_page_has_no_pager(
        client, cast, planner, crowded):
    client.force_login(planner)
    assert shown(board(client, page=9)) == crowded.order[PAGE_SIZE:]
    assert shown(board(client, page="x")) == crowded.order[:PAGE_SIZE]
    orthopaedics = factories.ward(cast.unn, "Ortopedisk sengepost", code="ORT")
    admit(cast, patient=factories.patient(planner, "Nils", "Nyvik", municipality=cast.tromso),
          ward=orthopaedics)
    html = board(client, ward="ORT").content.decode()
    assert re.search(r"Avdeling Ortopedisk sengepost:\s+1 pasient<", html)
    assert 'aria-label="Sider"' not in html  # no pager
    assert '<caption id="board-caption" class="visually-hidden">Åpen innleggelse 1–1 av 1' \
        in html


def test_only_the_rows_shown_are_audited(client, cast, planner, crowded):
    client.force_login(planner)
    board(client)
    reads = AuditEvent.objects.filter(object_type="ward_board")
    assert reads.count() == PAGE_SIZE
    board(client, page=2)
    assert reads.count() == ROWS


def test_turning_the_page_with_htmx_moves_the_focus_and_says_which_rows_show(
        client, cast, planner, crowded):
    client.force_login(planner)
    response = board(client, htmx=True, ward="SLAG", page=2)
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="ward-board"')
    assert shown(response) == crowded.order[PAGE_SIZE:]
    assert '<h2 id="board-heading" tabindex="-1" data-focus-after-swap>' in html
    assert (f'<div hx-swap-oob="innerHTML:#announcer">Åpne innleggelser {PAGE_SIZE + 1}–'
            f'{ROWS} av {ROWS}</div>') in html
    # Choosing a ward says what it shows too, and leaves the focus on the picker.
    html = board(client, htmx=True, ward="all").content.decode()
    assert f'innerHTML:#announcer">Åpne innleggelser 1–{PAGE_SIZE} av {ROWS}</div>' in html
    assert "data-focus-after-swap" not in html


def test_a_poll_from_page_2_keeps_page_2(client, cast, planner, crowded,
                                         django_assert_max_num_queries):
    client.force_login(planner)
    page = board(client, ward="SLAG", page=2)
    url = poll_url(page.content.decode())
    assert url.endswith("?ward=SLAG&page=2")
    fingerprint = page.context["fingerprint"]
    # Nothing changed: the countdowns of page 2's rows only, as cheap as on a small board.
    reads = AuditEvent.objects.count()
    with django_assert_max_num_queries(5):
        quiet = client.get(f"{url}&fingerprint={fingerprint}", **HTMX)
    html = quiet.content.decode()
    assert quiet["HX-Reswap"] == "none"
    unsent_on_page_2 = [str(a.uuid) for a in crowded.unsent[PAGE_SIZE:]]
    assert len(unsent_on_page_2) == 6
    assert sorted(re.findall(r'id="countdown-([0-9a-f-]+)"', html)) == sorted(unsent_on_page_2)
    assert AuditEvent.objects.count() == reads
    # A notice sent for the first row of page 1 moves it among the sent ones: the poll
    # brings page 2 of the new order, with a poll that asks for page 2 again.
    first = crowded.unsent[0]
    services.send_early_notification(first, by=planner)
    order = [a.uuid for a in crowded.unsent[1:] + sorted(
        [*crowded.sent, first], key=lambda a: (a.admitted_at, a.pk))]
    changed = client.get(f"{url}&fingerprint={fingerprint}", **HTMX)
    html = changed.content.decode()
    assert "HX-Reswap" not in changed
    assert changed.context["page"].number == 2
    assert shown(changed) == order[PAGE_SIZE:]
    assert poll_url(html).endswith("?ward=SLAG&page=2")
    assert "#announcer" not in html  # a poll says nothing
    assert changed.context["fingerprint"] != fingerprint


def test_a_poll_on_an_unchanged_page_1_agrees_with_the_page(client, cast, planner, crowded):
    client.force_login(planner)
    page = board(client)
    url = poll_url(page.content.decode())
    assert url.endswith("?ward=SLAG")
    quiet = client.get(f"{url}&fingerprint={page.context['fingerprint']}", **HTMX)
    assert quiet["HX-Reswap"] == "none"
    assert len(re.findall(r'id="countdown-', quiet.content.decode())) == sum(
        1 for row in page.context["rows"] if row.countdown is not None)


def test_a_step_taken_on_page_2_brings_back_page_2(client, cast, planner, crowded):
    client.force_login(planner)
    hospital_board = reverse("pathways:hospital_ward_board", args=[cast.unn.uuid])
    on_page_2 = crowded.order[-1]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nb"
    response = client.post(
        reverse("pathways:declare_ready", args=[on_page_2]),
        {"physician": "Dr. Lege", "board_ward": "SLAG"}, **HTMX,
        HTTP_HX_CURRENT_URL=f"http://testserver{hospital_board}?ward=SLAG&page=2")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<section id="ward-board" class="board" aria-labelledby="board-heading" ' \
        'hx-swap-oob="true">' in html
    assert f'id="admission-{on_page_2}"' in html
    assert f'id="admission-{crowded.order[0]}"' not in html
    assert poll_url(html).endswith("?ward=SLAG&page=2")


def test_a_poll_from_page_2_brings_a_change_on_its_rows_that_leaves_the_admission_as_it_was(
        client, cast, planner, crowded):
    """Tromsø's KE acknowledges a notice of a row on page 2: the admission itself does not
    change, its notice does, and the planner's page 2 shows the receipt at the next poll."""
    client.force_login(planner)
    page = board(client, ward="SLAG", page=2)
    url = poll_url(page.content.decode())
    fingerprint = page.context["fingerprint"]
    notice = crowded.sent[-1].early_notifications.get()
    services.acknowledge_early_notification(notice, by=cast.ke_tromso)
    changed = client.get(f"{url}&fingerprint={fingerprint}", **HTMX)
    assert "HX-Reswap" not in changed
    assert changed.context["page"].number == 2
    row = changed.content.decode().split(f'id="admission-{crowded.sent[-1].uuid}"')[1]
    assert "Kvittert av Kåre Tromsø" in row.split("</tr>")[0]


def test_a_poll_of_a_ward_without_open_admissions_agrees_with_the_page(client, cast, planner):
    client.force_login(planner)
    page = board(client, ward="SLAG")
    assert "Ingen åpne innleggelser på denne avdelingen." in page.content.decode()
    quiet = client.get(f"{poll_url(page.content.decode())}&fingerprint="
                       f"{page.context['fingerprint']}", **HTMX)
    assert quiet["HX-Reswap"] == "none"
    admit(cast)  # Astrid arrives: the next poll brings her
    arrived = client.get(f"{poll_url(page.content.decode())}&fingerprint="
                         f"{page.context['fingerprint']}", **HTMX)
    assert "HX-Reswap" not in arrived and "Aune, Astrid" in arrived.content.decode()
