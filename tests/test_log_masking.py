"""No national identity number in any log: Django's request warnings, runserver's and
gunicorn's access logs (a FHIR search by GET carries the number in its query string)."""

import datetime
import io
import logging
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from common.logmask import MASK, MaskIdentityNumbers, mask_identity_numbers
from pathways.identity import make_synthetic_identity_number

ROOT = Path(__file__).resolve().parent.parent
NUMBER = make_synthetic_identity_number(datetime.date(1980, 1, 1), 123)
D_NUMBER = make_synthetic_identity_number(datetime.date(1980, 1, 1), 124, d_number=True)
SYSTEM = "urn:oid:2.16.578.1.12.4.1.4.1"


@pytest.mark.parametrize("text", [
    f"GET /fhir/r4/Patient?identifier={SYSTEM}|{NUMBER} HTTP/1.1",
    f"GET /fhir/r4/Patient?identifier={SYSTEM}%7C{NUMBER} HTTP/1.1",
    f"GET /fhir/r4/Patient?identifier={SYSTEM}%7c{D_NUMBER}&_count=5",
    f"GET /api/v1/patients/?q=%20{NUMBER}",
    f"Not Found: /fhir/r4/Patient/{NUMBER}",
    f"q={NUMBER[:6]}+{NUMBER[6:]}", f"{NUMBER[:6]} {NUMBER[6:]}",
    f"{NUMBER[:6]}%20{NUMBER[6:]}", f"fnr:{NUMBER}.",
])
def test_it_masks_an_identity_number_in_every_form_a_log_line_carries(text):
    masked = mask_identity_numbers(text)
    assert NUMBER not in masked.replace(" ", "").replace("+", "").replace("%20", "")
    assert D_NUMBER not in masked
    assert MASK in masked


@pytest.mark.parametrize("text", [
    "organisation 974795787",  # an organisation number: 9 digits
    "took 1733443200123 ms",  # 13 digits: a timestamp, not a person
    "request 5f0c2e4a-1b2c-4d5e-8f90-123456789012",
    "2026-12-06 00:13:45,123 INFO",
])
def test_it_leaves_other_numbers_alone(text):
    assert mask_identity_numbers(text) == text


@pytest.fixture
def portal_log():
    """What the handlers configured in settings LOGGING write, as text."""
    stream = io.StringIO()
    handlers = [h for h in logging.getLogger().handlers
                if any(isinstance(f, MaskIdentityNumbers) for f in h.filters)]
    assert handlers, "settings LOGGING installs the masking filter on the root's handler"
    previous = [h.setStream(stream) for h in handlers]
    try:
        yield stream
    finally:
        for handler, old in zip(handlers, previous, strict=True):
            handler.setStream(old)


def test_a_request_warning_with_a_number_in_the_path_is_logged_masked(client, portal_log):
    response = client.get(f"/fhir/r4/Patient/{NUMBER}",
                          HTTP_REFERER=f"https://epj.example/?fnr={NUMBER}")
    assert response.status_code in (401, 403, 404)
    written = portal_log.getvalue()
    assert "django.request" in written and f"/fhir/r4/Patient/{MASK}" in written
    assert NUMBER not in written


def test_runserver_access_lines_go_through_the_masking_handler(portal_log):
    # What django.core.servers.basehttp.WSGIRequestHandler.log_message writes.
    logging.getLogger("django.server").info(
        '"%s" %s %s', f"GET /fhir/r4/Patient?identifier={SYSTEM}%7C{NUMBER} HTTP/1.1",
        "200", "512")
    written = portal_log.getvalue()
    assert f"identifier={SYSTEM}%7C{MASK}" in written and NUMBER not in written


def test_a_traceback_naming_a_number_is_logged_masked(portal_log):
    try:
        raise ValueError(f"no patient {NUMBER}")
    except ValueError:
        logging.getLogger("django.request").exception("Internal Server Error: /fhir/r4/")
    written = portal_log.getvalue()
    assert "ValueError: no patient " + MASK in written and NUMBER not in written


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_gunicorn_with_the_projects_config_masks_its_access_log(tmp_path):
    port = _free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "rehab_portal.settings.test",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    server = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-m", "gunicorn", "rehab_portal.wsgi", f"--bind=127.0.0.1:{port}",
         "--workers=1", "--access-logfile=-"],  # as the Dockerfile runs it
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    url = (f"http://127.0.0.1:{port}/fhir/r4/Patient?identifier="
           f"{SYSTEM}%7C{NUMBER}")
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                request = urllib.request.Request(  # noqa: S310 - loopback only
                    url, headers={"Referer": f"http://127.0.0.1/patients/?q={NUMBER}"})
                urllib.request.urlopen(request, timeout=5)  # noqa: S310
                break
            except urllib.error.HTTPError:
                break  # answered (401 without a key): the request is in the log
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
    finally:
        server.terminate()
        out, err = server.communicate(timeout=30)
    written = out + err
    assert f"GET /fhir/r4/Patient?identifier={SYSTEM}%7C{MASK} HTTP/1.1" in written, written
    assert NUMBER not in written
