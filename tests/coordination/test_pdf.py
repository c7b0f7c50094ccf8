"""The individual plan as PDF: the patient's goals first, page numbers, the plan's version on
every page, tagged for screen readers, rendered once per version and served from the store,
every download audited, and a renderer that reads the app's static files and nothing else."""

import datetime
import io
import socket
import threading
from zoneinfo import ZoneInfo

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from pypdf import PdfReader
from weasyprint import HTML

from common import static_fetcher
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
from coordination.services import set_status, update_plan
from pathways.services import update_patient
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
    data = pdf.print_plan(make_plan(cast), printed_by=cast.coordinator).content

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

    pdf.print_plan(plan, printed_by=cast.coordinator)
    pdf.print_plan(plan, printed_by=cast.ke_tromso)  # served from the store, audited all the same

    events = AuditEvent.objects.filter(action=AuditAction.PRINT).order_by("pk")
    assert [(e.user, e.patient_uuid, e.object_type, e.object_id, e.detail) for e in events] == [
        (user, cast.shared.uuid, "individualplan", str(plan.uuid), "PDF v1 nb")
        for user in (cast.coordinator, cast.ke_tromso)]


def test_it_refuses_a_plan_outside_the_users_scope(cast):
    plan = make_plan(cast, measures=1)

    with pytest.raises(Http404):
        pdf.print_plan(plan, printed_by=cast.ke_bodo)

    assert not AuditEvent.objects.filter(action=AuditAction.PRINT).exists()


def test_it_neither_fetches_nor_embeds_urls_in_plan_texts(cast, listener, asked, no_sockets):
    goal_text = (f'Se <img src="http://127.0.0.1:{listener.port}/x.png"> og '
                 '<img src="http://127.0.0.1:9/x.png"> og <img src="file:///etc/passwd">')
    plan = make_plan(cast, measures=1, goal_text=goal_text)

    data = pdf.print_plan(plan, printed_by=cast.coordinator).content

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
    with pytest.raises(static_fetcher.FetchRefused):
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
        data = pdf.print_plan(plan, printed_by=cast.coordinator).content

    pages = pages_text(data)
    total = len(pages)
    assert total >= 2
    for number, text in enumerate(pages, start=1):
        assert f"Side {number} av {total}" in text
        assert "Versjon 1, " in text and "Astrid Aune · " in text  # running footer and header
    everything = "\n".join(pages)
    assert all(f"Tiltak nummer {i}:" in everything for i in range(1, 31))


@pytest.fixture
def renders(monkeypatch):
    """How often WeasyPrint rendered a plan (the expensive step the store saves)."""
    calls = []
    render = pdf.render_plan_document

    def counting(plan, **kwargs):
        calls.append(plan.version)
        return render(plan, **kwargs)

    monkeypatch.setattr(pdf, "render_plan_document", counting)
    return calls


def stored_files(plan) -> list[str]:
    folder = f"{pdf.STORE_PREFIX}/{plan.uuid}"
    storage = storages["default"]
    return sorted(storage.listdir(folder)[1]) if storage.exists(folder) else []


def test_it_renders_once_per_version_and_serves_the_stored_file(cast, renders,
                                                                 django_assert_num_queries):
    plan = make_plan(cast, measures=3)

    first = pdf.print_plan(plan, printed_by=cast.coordinator)
    # The plan within the user's scope, the audit's grounds (memberships, relationships) and
    # its insert; the plan's parts are not read again.
    with django_assert_num_queries(4):
        again = pdf.print_plan(plan, printed_by=cast.ke_tromso)

    assert renders == [1]
    assert (first.rendered, again.rendered) == (True, False)
    assert again.content == first.content
    assert stored_files(plan) == [f"v1-p{cast.shared.version}-nb-r{pdf.RENDER_REVISION}.pdf"]


def test_a_new_version_is_rendered_again_and_replaces_the_old_file(cast, renders):
    plan = make_plan(cast, measures=3)
    old = pdf.print_plan(plan, printed_by=cast.coordinator)

    update_plan(plan, by=cast.ke_tromso, expected_version=1, resources="Ny nabo hjelper til")
    new = pdf.print_plan(plan, printed_by=cast.coordinator)

    assert renders == [1, 2]
    assert (new.version, new.rendered) == (2, True)
    text = "\n".join(pages_text(new.content))
    assert "Ny nabo hjelper til" in text and "Versjon 2, Kåre Tromsø, " in text
    assert "Versjon 1" in "\n".join(pages_text(old.content))
    assert stored_files(plan) == [f"v2-p{cast.shared.version}-nb-r{pdf.RENDER_REVISION}.pdf"]


def test_a_changed_patient_is_rendered_again(cast, renders):
    plan = make_plan(cast, measures=1)
    pdf.print_plan(plan, printed_by=cast.coordinator)

    update_patient(cast.shared, by=cast.ke_tromso, expected_version=cast.shared.version,
                   family_name="Aune-Berg")
    printed = pdf.print_plan(plan, printed_by=cast.coordinator)

    assert renders == [1, 1] and printed.rendered
    assert "Astrid Aune-Berg" in "\n".join(pages_text(printed.content))
    assert len(stored_files(plan)) == 1


def test_a_closed_plan_is_not_served_from_an_older_rendering(cast, renders):
    plan = make_plan(cast, measures=1)
    pdf.print_plan(plan, printed_by=cast.ke_tromso)

    set_status(plan, PlanStatus.CLOSED, by=cast.ke_tromso, expected_version=1)
    printed = pdf.print_plan(plan, printed_by=cast.ke_tromso)

    assert printed.rendered and printed.version == 2
    assert nb("Closed") in "\n".join(pages_text(printed.content))


def test_it_renders_in_the_users_language_and_stores_each(cast, renders):
    plan = make_plan(cast, measures=1)

    norwegian = pdf.print_plan(plan, printed_by=cast.coordinator)
    with translation.override("en"):
        english = pdf.print_plan(plan, printed_by=cast.coordinator)
        english_again = pdf.print_plan(plan, printed_by=cast.coordinator)

    assert renders == [1, 1] and not english_again.rendered
    assert "Page 1 of" in pages_text(english.content)[0]
    assert "Side 1 av" in pages_text(norwegian.content)[0]
    assert PdfReader(io.BytesIO(english.content)).trailer["/Root"]["/Lang"] == "en"
    assert [name.split("-")[2] for name in stored_files(plan)] == ["en", "nb"]


def test_a_truncated_stored_file_is_rendered_again_and_replaced(cast, renders):
    plan = make_plan(cast, measures=1)
    first = pdf.print_plan(plan, printed_by=cast.coordinator)
    name = f"{pdf.STORE_PREFIX}/{plan.uuid}/{stored_files(plan)[0]}"
    storage = storages["default"]
    storage.delete(name)
    storage.save(name, ContentFile(first.content[:1000]))  # a write cut short

    second = pdf.print_plan(plan, printed_by=cast.coordinator)
    third = pdf.print_plan(plan, printed_by=cast.coordinator)

    assert renders == [1, 1] and second.content.endswith(b"%%EOF\n")
    assert not third.rendered and third.content == second.content
    assert len(stored_files(plan)) == 1


def test_it_is_a_tagged_pdf_with_language_title_and_version(cast):
    data = pdf.print_plan(make_plan(cast, measures=3), printed_by=cast.coordinator).content

    reader = PdfReader(io.BytesIO(data))
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root  # structure for screen readers
    assert bool(root["/MarkInfo"]["/Marked"])
    assert root["/Lang"] == "nb"
    assert reader.metadata.title == f"{nb('Individual plan')}: Astrid Aune"
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    assert b"pdfuaid" in reader.xmp_metadata.stream.get_data()  # declared PDF/UA-1
    assert all("Versjon 1, " in text for text in pages_text(data))


def test_the_print_names_the_version_not_the_one_who_downloads(cast):
    plan = make_plan(cast, measures=1)
    update_plan(plan, by=cast.ke_tromso, expected_version=1, resources="Ny nabo")

    text = "\n".join(pages_text(pdf.print_plan(plan, printed_by=cast.coordinator).content))

    changed = timezone.localtime(IndividualPlan.objects.get(pk=plan.pk).updated_at, OSLO)
    assert f"Versjon 2, Kåre Tromsø, {changed:%d.%m.%Y %H:%M}" in text
    assert "Kora Koordinator" not in text.split("Versjon 2")[1][:60]
    assert "Skrevet ut av" not in text


def test_the_stored_file_is_not_served_outside_the_scope(cast, client, renders):
    plan = make_plan(cast, measures=1)
    pdf.print_plan(plan, printed_by=cast.coordinator)  # stored now

    with pytest.raises(Http404):
        pdf.print_plan(plan, printed_by=cast.ke_bodo)
    client.force_login(cast.ke_bodo)
    response = client.get(reverse("coordination:plan_pdf", args=[plan.uuid]))

    assert response.status_code == 404 and b"%PDF" not in response.content
    assert not AuditEvent.objects.filter(action=AuditAction.PRINT, user=cast.ke_bodo).exists()


def test_the_download_serves_the_stored_file_and_audits_each_time(cast, client, renders):
    plan = make_plan(cast, measures=1)
    client.force_login(cast.coordinator)
    url = reverse("coordination:plan_pdf", args=[plan.uuid])

    first, second = client.get(url), client.get(url)

    assert renders == [1]
    assert first.status_code == second.status_code == 200
    assert second.content == first.content
    assert second["Content-Disposition"] == (
        f'attachment; filename="individuell-plan-{plan.uuid}-v1.pdf"')
    assert "no-store" in second["Cache-Control"]
    assert AuditEvent.objects.filter(action=AuditAction.PRINT, user=cast.coordinator,
                                     detail="PDF v1 nb").count() == 2


@pytest.mark.parametrize(("language", "dates", "foreign"), [
    ("en", ["6 Jan 2025", "2 Jun 2025", "19 Dec 2025", "1 May 2025", "30 Apr 2025",
            "3 Mar 2025", "14 Mar 1950", "6 Jan 2025, 10:30", "5 Feb 2025, 10:30"],
     "06.01.2025"),
    ("nb", ["06.01.2025", "02.06.2025", "19.12.2025", "01.05.2025", "30.04.2025",
            "03.03.2025", "14.03.1950", "06.01.2025 10:30", "05.02.2025 10:30"],
     "6 Jan 2025"),
])
def test_the_print_writes_dates_as_the_pages_do_in_its_language(cast, language, dates, foreign):
    """The portal's per-language formats (common/formats, SHORT_DATE_FORMAT): an English plan
    prints English dates, a Norwegian one Norwegian, also in the version line on every page."""
    plan = make_plan(cast, measures=1)
    IndividualPlan.objects.filter(pk=plan.pk).update(
        updated_at=datetime.datetime(2025, 2, 5, 14, 7, tzinfo=OSLO))
    html = pdf.render_plan_html(pdf.plan_for_print(plan), language=language)
    for date in dates:
        assert date in html, date
    assert foreign not in html
    version = "Version 1, 5 Feb 2025, 14:07" if language == "en" else "Versjon 1, 05.02.2025 14:07"
    assert version in html
