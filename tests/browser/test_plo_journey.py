"""PLO end to end, with a real Celery worker and beat: St. Olavs' EPJ drops its admission
message and health information into the portal's PLO inbox folder, and the notice appears
in Alvdal's KE inbox within the poll interval, with no reload; its ready-for-discharge
message starts the days the municipality pays for; the KE's answer, given in the browser,
goes out to the hospital as a message valid against the published schemas.

The worker is another process, so the test needs PostgreSQL (DATABASE_URL); the worker and
its beat use the filesystem transport in the test's own folder (what `make run` uses), so
no other test's tasks reach them. CI provides PostgreSQL; locally without it, it skips."""

import datetime
import os
import time
import uuid
import zoneinfo
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone
from playwright.sync_api import expect

from pathways.models import Admission, Patient, ReadyForDischarge
from plo import outgoing, services, xml
from plo.envelope import read_envelope
from plo.models import PloMessage
from registry.models import (
    ChannelChoice,
    ChannelStep,
    Organization,
    OrganizationKind,
    Role,
    StepChannel,
    Ward,
)
from tests import factories
from tests.conftest import skip_or_fail
from tests.test_celery_worker import Celery, database_url_for_subprocess

from .conftest import ensure_service_levels

pytestmark = pytest.mark.browser

OSLO = zoneinfo.ZoneInfo("Europe/Oslo")
EXAMPLES = Path(xml.__file__).resolve().parent / "standards" / "examples"
NOTICE = "Helseopplysninger_Varsel_om_innlagt_pasient_v1-6_Ny.xml"
POLL_SECONDS = 2


def example(name: str, times: dict[str, datetime.datetime | datetime.date]) -> bytes:
    """An official example with a MsgId of its own and its 2018 times moved to now."""
    text = (EXAMPLES / name).read_text(encoding="utf-8")
    for old, new in times.items():
        value = new.astimezone(OSLO).replace(tzinfo=None).isoformat(timespec="seconds") \
            if isinstance(new, datetime.datetime) else new.isoformat()
        assert old in text, (name, old)
        text = text.replace(old, value)
    envelope = read_envelope(xml.read(text.encode()))
    return text.replace(envelope.msg_id, str(uuid.uuid4())).encode()


def drop(folder: Path, name: str, data: bytes) -> None:
    """As an EPJ system delivers: written under another name, then renamed into the inbox."""
    inbox = folder / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    temporary = inbox / f".{name}.part"
    temporary.write_bytes(data)
    os.replace(temporary, inbox / name)


@pytest.fixture
def alvdal(cast, settings, tmp_path):
    """The examples' parties, built before the browser starts: St. Olavs (HER-id 59) with
    its orthopaedic ward, connected by PLO and wanting the municipality's answers as PLO;
    Alvdal (99387) and its KE."""
    ensure_service_levels()
    hospital = factories.organization(OrganizationKind.HOSPITAL, "St. Olavs hospital",
                                      her_id="59", parent=cast.unn_hf)
    factories.ward(hospital, "Ortopedi Øya", code="ORTØYA")
    municipality = factories.organization(name="Alvdal", her_id="99387")
    factories.user("ke_alvdal", municipality, Role.KE_STAFF, first_name="Kari",
                   last_name="Alvdal")
    services.connect(hospital)
    ChannelChoice.objects.create(organization=hospital, step=ChannelStep.MUNICIPAL_ANSWER,
                                 channel=StepChannel.PLO)
    settings.PLO_FOLDER = str(tmp_path / "plo")
    settings.PORTAL_POLL_SECONDS = {"ke_inbox": 1, "ward_board": 60, "notification_badge": 30}
    return tmp_path / "plo"


@pytest.fixture
def worker(alvdal, transactional_db, tmp_path):
    """A Celery worker and beat on the test database, polling the PLO folder every two
    seconds; stopped before the database is flushed."""
    if connection.vendor != "postgresql":
        skip_or_fail("the PLO journey needs PostgreSQL (DATABASE_URL): the worker is "
                     "another process")
    env = {k: v for k, v in os.environ.items()
           if k not in ("REDIS_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(DATABASE_URL=database_url_for_subprocess(), REHAB_VAR_DIR=str(tmp_path / "var"),
               PYTHONUNBUFFERED="1", DJANGO_SETTINGS_MODULE="rehab_portal.settings.dev",
               PLO_FOLDER=str(alvdal), PLO_POLL_SECONDS=str(POLL_SECONDS))
    celery = Celery(tmp_path, env)
    celery.start("worker", "--concurrency=1", "--without-gossip", "--without-mingle")
    celery.start("beat", f"--schedule={tmp_path / 'beat-schedule'}")
    yield celery
    celery.stop()


def received() -> list:
    """What the worker made of the messages, for a failure's message."""
    return list(PloMessage.objects.values_list("msg_type", "status", "error_code",
                                               "error_text"))


def wait_for_file(folder: Path, pattern: str, celery: Celery, timeout: float) -> Path:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = sorted(folder.glob(pattern)) if folder.exists() else []
        if found:
            return found[0]
        time.sleep(0.5)
    pytest.fail(f"no {pattern} in {folder} after {timeout} s:\n{celery.output()}")


def test_plo_messages_reach_the_ke_and_the_kes_answer_goes_back_as_plo(
        live_server, alvdal, worker, visitor):
    now = timezone.now()
    admitted = now - datetime.timedelta(hours=3)
    ke = visitor(viewport={"width": 1366, "height": 768})
    ke.sign_in("ke_alvdal", "/inbox/ke/")
    page = ke.page
    page.evaluate("window.notReloaded = true")
    expect(page.locator("#no-waiting-notices")).to_be_visible()

    # St. Olavs admits Gry Telokk and sends the official example's health information about
    # her (the notice). The hospital's EPJ is played by the portal's own builders.
    notice = example(NOTICE, {
        "2018-01-10T10:30:43": admitted + datetime.timedelta(minutes=20),
        "2018-01-10T10:32:43": admitted + datetime.timedelta(minutes=21),
        "2018-01-15": timezone.localdate() + datetime.timedelta(days=5)})
    named = read_envelope(xml.read(notice)).patient
    stay = Admission(hospital=Organization.objects.get(her_id="59"),
                     municipality=Organization.objects.get(her_id="99387"),
                     ward=Ward.objects.get(code="ORTØYA"), admitted_at=admitted,
                     patient=Patient(identity_number=named.identity_number,
                                     given_name=named.given_name,
                                     family_name=named.family_name))
    drop(alvdal, "innlagt.xml", outgoing.admitted(stay, now=admitted))
    drop(alvdal, "varsel.xml", notice)
    # Within the poll interval (and the inbox's own poll), without a reload.
    row = page.locator("#notice-rows > tr", has_text="Telokk")
    try:
        expect(row).to_be_visible(timeout=(POLL_SECONDS + 1) * 1000 + 10_000)
    except AssertionError:
        pytest.fail(f"{received()}\n{worker.output()[-6000:]}")
    assert page.evaluate("() => window.notReloaded === true")
    # Both were answered with a positive AppRec in the hospital's folder.
    receipts = alvdal / "outbox" / "59"
    wait_for_file(receipts, "apprec-*.xml", worker, 10)
    deadline = time.monotonic() + 10
    while len(list(receipts.glob("apprec-*.xml"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.3)
    for receipt in receipts.glob("apprec-*.xml"):
        status = xml.read(receipt.read_bytes()).find("{*}Status")
        assert status.get("V") == "1", receipt.read_text()

    # The physician declares him ready: the payment days begin.
    drop(alvdal, "klar.xml", outgoing.ready(ReadyForDischarge(
        admission=stay, declared_at=now - datetime.timedelta(minutes=2),
        physician="Lege Lise Legesen"), now=now))
    declaration = page.locator("tr[id^='declaration-']", has_text="Telokk")
    expect(declaration).to_be_visible(timeout=(POLL_SECONDS + 1) * 1000 + 10_000)
    expect(declaration.get_by_text("Ikke besvart")).to_be_visible()
    patient = declaration.get_by_role("link", name="Gry Telokk", exact=True).get_attribute(
        "href")
    page.goto(f"{live_server.url}{patient.rstrip('/')}/pathway/")
    expect(page.get_by_text("1 døgn betales av kommunen")).to_be_visible()

    # The KE answers in the inbox: Alvdal can receive him the day after tomorrow.
    page.goto(f"{live_server.url}/inbox/ke/")
    declaration = page.locator("tr[id^='declaration-']", has_text="Telokk")
    declaration.get_by_role("link", name="Svar (Gry Telokk)").click()
    panel = page.locator("#inbox-panel")
    panel.get_by_label("Kan ta imot", exact=True).check()
    receive_on = timezone.localdate() + datetime.timedelta(days=2)
    panel.get_by_label("Kan ta imot fra").fill(receive_on.isoformat())
    panel.get_by_role("button", name="Send svaret").click()
    expect(page.locator("tr[id^='declaration-']", has_text="Telokk")
           .get_by_text("Svart: kan ta imot fra")).to_be_visible()

    # The answer goes to St. Olavs as a Dialogmelding through the worker's outbox sweep.
    sent = wait_for_file(receipts, "dialog_*.xml", worker, 90)
    envelope = read_envelope(xml.read(sent.read_bytes()))  # valid against the schemas
    assert (envelope.sender.her_id, envelope.receiver.her_id) == ("99387", "59")
    assert envelope.patient.identity_number == named.identity_number
    assert receive_on.strftime("%d.%m.%Y").encode() in sent.read_bytes()
    assert not ke.problems, ke.problems
