"""The individual plan as PDF: the patient's goals first, page numbers, an audited print, and a
renderer that reads the app's static files and nothing else."""

import datetime
import io
import socket
import threading
from zoneinfo import ZoneInfo

import pytest
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext
from pypdf import PdfReader
from weasyprint import HTML

from coordination import pdf
from coordination.models import (
    AchievementStatus,
    Consent,
    ConsentMethod,
    ConsentScope,
    Evaluation,
    Goal,
    IndividualPlan,
    Measure,
    MeasureStatus,
    PlanParticipant,
    PlanParticipantKind,
    PlanStatus,
)
from registry.models import AuditAction, AuditEvent

from .. import factories

OSLO = ZoneInfo("Europe/Oslo")
WHAT_MATTERS = "Å klare meg selv hjemme og gå tur med hunden"


class Listener:
    """A TCP server on 127.0.0.1 that counts the connections it is offered."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(5)
        self.sock.settimeout(0.05)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while not self._stop.is_set():
            try:
                conn, _addr = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self):
        self._stop.set()
        self._thread.join(timeout=1)
        self.sock.close()


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.close()


@pytest.fixture
def no_sockets(monkeypatch):
    """Python-level connection attempts during the test, refused and recorded."""
    attempts = []

    def refuse(self, address, *args, **kwargs):
        attempts.append(address)
        raise ConnectionRefusedError(f"test: no network ({address})")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    return attempts


@pytest.fixture
def asked(monkeypatch):
    """Every URL WeasyPrint asks the fetcher for, whether served or refused."""
    urls = []
    fetch = pdf.StaticOnlyFetcher.fetch

    def recording(self, url, headers=None):
        urls.append(url)
        return fetch(self, url, headers)

    monkeypatch.setattr(pdf.StaticOnlyFetcher, "fetch", recording)
    return urls


def make_plan(cast, *, measures=3, goal_text="Gå til butikken alene"):
    plan = IndividualPlan.objects.create(
        patient=cast.shared, municipality=cast.tromso, status=PlanStatus.ACTIVE,
        what_matters=WHAT_MATTERS, resources="Sterk vilje, god nabo",
        period_start=datetime.date(2025, 1, 6), period_end=datetime.date(2025, 12, 19),
        next_evaluation_on=datetime.date(2025, 6, 2),
    )
    goal = Goal.objects.create(plan=plan, text=goal_text, position=1,
                               target_date=datetime.date(2025, 5, 1),
                               status=AchievementStatus.IN_PROGRESS)
    Goal.objects.create(plan=plan, parent=goal, text="Gå 500 meter med rullator", position=1,
                        target_date=datetime.date(2025, 3, 1))
    service = factories.service(cast.tromso, "3", name="Hverdagsrehabilitering")
    Measure.objects.bulk_create([Measure(
        plan=plan, goal=goal, service=service if i % 2 == 0 else None,
        description=f"Tiltak nummer {i + 1}: gangtrening og styrke",
        responsible_person="Fysioterapeut Fia", responsible_organization=cast.tromso,
        extent="2 ganger i uka", starts_on=datetime.date(2025, 1, 6),
        ends_on=datetime.date(2025, 4, 30), status=MeasureStatus.ONGOING, position=i,
    ) for i in range(measures)])
    PlanParticipant.objects.create(plan=plan, kind=PlanParticipantKind.COORDINATOR,
                                   name="Kora Koordinator", user=cast.coordinator,
                                   organization=cast.tromso, contribution="Leder gruppa")
    PlanParticipant.objects.create(plan=plan, kind=PlanParticipantKind.NEXT_OF_KIN,
                                   name="Dagny Datter", contribution="Handler inn")
    given = datetime.datetime(2025, 1, 6, 10, 30, tzinfo=OSLO)
    Consent.objects.create(plan=plan, organization=cast.tromso, scope=ConsentScope.PLAN,
                           method=ConsentMethod.WRITTEN, given_at=given,
                           recorded_by=cast.ke_tromso)
    Consent.objects.create(plan=plan, organization=cast.unn, scope=ConsentScope.PLAN,
                           method=ConsentMethod.ORAL, given_at=given,
                           recorded_by=cast.ke_tromso,
                           revoked_at=given + datetime.timedelta(days=30),
                           revoked_by=cast.ke_tromso)
    Evaluation.objects.create(plan=plan, evaluated_on=datetime.date(2025, 3, 3),
                              summary="Går lenger enn før", evaluated_by=cast.coordinator)
    return plan


def pages_text(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def nb(message: str) -> str:
    with translation.override("nb"):
        return gettext(message)


def test_it_puts_the_patients_goals_before_the_measures(cast):
    data = pdf.render_plan_pdf(make_plan(cast), printed_by=cast.coordinator)

    assert data.startswith(b"%PDF-")
    text = "\n".join(pages_text(data))
    assert WHAT_MATTERS in text
    assert "Gå til butikken alene" in text and "Gå 500 meter med rullator" in text
    assert "Tiltak nummer 1" in text and "Hverdagsrehabilitering" in text
    assert text.index(WHAT_MATTERS) < text.index("Gå til butikken alene") \
        < text.index(nb("Measures")) < text.index("Tiltak nummer 1")
    assert "Side 1 av" in text
    assert "Kora Koordinator" in text and "Dagny Datter" in text  # the responsible group
    assert nb("Revoked") in text and "UNN Tromsø" in text  # consent per organisation
    assert "06.01.2025" in text and "02.06.2025" in text  # plan period, next evaluation
    assert "Går lenger enn før" in text
    # Identified by name and birth date; the identity number only masked.
    assert "Astrid Aune" in text and "14.03.1950" in text
    assert cast.shared.identity_number not in text.replace(" ", "")
    assert cast.shared.masked_identity_number in text


def test_it_audits_the_print(cast):
    plan = make_plan(cast, measures=1)

    pdf.render_plan_pdf(plan, printed_by=cast.coordinator)

    event = AuditEvent.objects.get(action=AuditAction.PRINT)
    assert (event.user, event.patient_uuid, event.object_type, event.object_id) == (
        cast.coordinator, cast.shared.uuid, "individual_plan", str(plan.uuid))


def test_it_refuses_a_plan_outside_the_users_scope(cast):
    plan = make_plan(cast, measures=1)

    with pytest.raises(Http404):
        pdf.render_plan_pdf(plan, printed_by=cast.ke_bodo)

    assert not AuditEvent.objects.filter(action=AuditAction.PRINT).exists()


def test_it_neither_fetches_nor_embeds_urls_in_plan_texts(cast, listener, asked, no_sockets):
    goal_text = (f'Se <img src="http://127.0.0.1:{listener.port}/x.png"> og '
                 '<img src="http://127.0.0.1:9/x.png"> og <img src="file:///etc/passwd">')
    plan = make_plan(cast, measures=1, goal_text=goal_text)

    data = pdf.render_plan_pdf(plan, printed_by=cast.coordinator)

    assert asked == [pdf.STATIC_BASE_URL + "css/plan_pdf.css"]  # the stylesheet, nothing else
    assert no_sockets == [] and listener.connections == 0
    text = "\n".join(pages_text(data))
    assert "root:" not in text
    assert "file:///etc/passwd" in text  # shown as the text it is, not as an image
    assert not any(page.images for page in PdfReader(io.BytesIO(data)).pages)


def test_it_fetches_nothing_even_if_markup_reached_the_renderer(listener, no_sockets, settings):
    # The second line of defence: were plan text ever marked safe, the fetcher still refuses.
    html = (f'<p>x</p><img src="http://127.0.0.1:{listener.port}/x.png">'
            '<img src="file:///etc/passwd"><img src="data:image/png;base64,iVBORw0KGgo=">'
            f'<link rel="stylesheet" href="http://127.0.0.1:{listener.port}/s.css">'
            '<iframe src="file:///etc/passwd"></iframe><object data="file:///etc/passwd">'
            '</object><img src="../../../../etc/passwd"><img src="css/%2e%2e/%2e%2e/x.png">')

    data = HTML(string=html, base_url=pdf.STATIC_BASE_URL,
                url_fetcher=pdf.StaticOnlyFetcher()).write_pdf()

    assert no_sockets == [] and listener.connections == 0
    reader = PdfReader(io.BytesIO(data))
    assert not reader.pages[0].images
    assert b"root:" not in data


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:9/x.png",
    "https://example.org/x.css",
    "file:///etc/passwd",
    "data:text/css,body{}",
    "ftp://127.0.0.1/x.css",
    pdf.STATIC_BASE_URL + "../../../../etc/passwd",
    pdf.STATIC_BASE_URL + "css/../../../etc/passwd",
    pdf.STATIC_BASE_URL + "%2e%2e/%2e%2e/etc/passwd",
    pdf.STATIC_BASE_URL + "%252e%252e/etc/passwd",
    pdf.STATIC_BASE_URL + "css//portal.css",
    pdf.STATIC_BASE_URL + "css\\..\\portal.css",
    pdf.STATIC_BASE_URL + "/etc/passwd.css",
    pdf.STATIC_BASE_URL + "css/portal.css?x=1",
    pdf.STATIC_BASE_URL + "css/missing.css",
    pdf.STATIC_BASE_URL + "js/portal.js",
    "https://static.rehab-portal.invalid.example.org/static/css/portal.css",
])
def test_it_refuses_anything_but_a_static_file(url):
    with pytest.raises(pdf.FetchRefused):
        pdf.StaticOnlyFetcher().fetch(url)


def test_it_serves_the_print_stylesheet_from_static_files():
    response = pdf.StaticOnlyFetcher().fetch(pdf.STATIC_BASE_URL + "css/plan_pdf.css")

    assert b"@page" in response.read()
    assert response.content_type == "text/css"


def test_it_numbers_every_page_of_a_30_measure_plan(cast, django_assert_max_num_queries):
    plan = make_plan(cast, measures=30)

    # visible_to, plan, goals, measures, participants, consents, evaluations, the audit's
    # grounds (memberships, relationships) and its insert: none grows with the rows.
    with django_assert_max_num_queries(12):
        data = pdf.render_plan_pdf(plan, printed_by=cast.coordinator)

    pages = pages_text(data)
    total = len(pages)
    assert total >= 2
    printed_by = nb("Printed by %(name)s, %(time)s").split("%(time)s")[0] % {
        "name": "Kora Koordinator"}
    for number, text in enumerate(pages, start=1):
        assert f"Side {number} av {total}" in text
        assert printed_by in text and "Astrid Aune · " in text  # running footer and header
    everything = "\n".join(pages)
    assert all(f"Tiltak nummer {i}:" in everything for i in range(1, 31))
