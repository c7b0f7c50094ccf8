"""A real OpenID Connect provider for the sign-in tests (tests/oidc_provider/, django-oauth-
toolkit in its own process, its own SQLite file), and the portal pointed at it.

`oidc_provider` (session) starts it once on a free port and stops it at the end; `idporten`
(per test) points settings.CITIZEN_OIDC_PROVIDERS at it; `sign_in_at_provider` walks a
person through its login form, as a browser would, and returns the portal's callback URL."""

import datetime
import json
import os
import re
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests

from pathways.identity import make_synthetic_identity_number

ROOT = Path(__file__).resolve().parents[2]
CALLBACK_PATH = "/me/sign-in/idporten/callback/"
SIGN_IN_PATH = "/me/sign-in/"
SUBSTANTIAL, HIGH = "idporten-loa-substantial", "idporten-loa-high"
PASSWORD = "provider password 1"
STARTUP_SECONDS = 90


def synthetic(birth_date: datetime.date, serial: int) -> str:
    """A synthetic (month + 80) number: the national test population's, never a person's."""
    while True:
        number = make_synthetic_identity_number(birth_date, serial)
        if number:
            return number
        serial += 1


def _mistyped(number: str) -> str:
    """The same number with its last check digit wrong: no one's number."""
    return number[:-1] + str((int(number[-1]) + 1) % 10)


@dataclass(frozen=True)
class Person:
    username: str  # a synthetic identity number, as ID-porten's users are known
    pid: str | None
    acr: str
    given_name: str
    family_name: str
    password: str = PASSWORD

    def claims(self) -> dict:
        claims = {"password": self.password, "acr": self.acr, "given_name": self.given_name,
                  "family_name": self.family_name}
        if self.pid is not None:
            claims["pid"] = self.pid
        return claims


def _people() -> dict[str, Person]:
    patient = synthetic(datetime.date(1948, 3, 14), 700)
    high = synthetic(datetime.date(1975, 6, 1), 710)
    low = synthetic(datetime.date(1980, 2, 2), 720)
    bad = synthetic(datetime.date(1990, 10, 10), 730)
    no_pid = synthetic(datetime.date(1985, 5, 5), 740)
    return {
        "patient": Person(patient, patient, SUBSTANTIAL, "Sigrid", "Solberg"),
        "high": Person(high, high, HIGH, "Håkon", "Høyt"),
        "low": Person(low, low, "idporten-loa-low", "Lars", "Lavt"),
        "bad_pid": Person(bad, _mistyped(bad), SUBSTANTIAL, "Berit", "Feil"),
        "no_pid": Person(no_pid, None, SUBSTANTIAL, "Nils", "Uten"),
    }


@dataclass
class Provider:
    url: str
    client_id: str
    client_secret: str
    people: dict[str, Person]
    log: Path
    process: subprocess.Popen = field(repr=False)

    @property
    def metadata_url(self) -> str:
        return f"{self.url}/.well-known/openid-configuration"

    def entry(self, **overrides) -> dict:
        """A CITIZEN_OIDC_PROVIDERS entry for it, as base.py builds ID-porten's."""
        return {"label": "ID-porten", "signs_in": "citizen", "metadata_url": self.metadata_url,
                "client_id": self.client_id, "client_secret": self.client_secret,
                "token_endpoint_auth_method": "client_secret_basic",
                "scope": "openid profile", "acr_values": SUBSTANTIAL,
                "accepted_acr": [SUBSTANTIAL, HIGH], "identity_claim": "pid",
                "redirect_uri": "", "post_logout_redirect_uri": "", "timeout_seconds": 10,
                **overrides}

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-4000:]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory):
    folder = tmp_path_factory.mktemp("oidc_provider")
    port, people = _free_port(), _people()
    provider_env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    log = folder / "provider.log"
    with log.open("w") as out:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "tests.oidc_provider.serve", "--port", str(port),
             "--database", str(folder / "provider.sqlite3"),
             "--client-id", "rehab-portal", "--client-secret", "test secret for the portal",
             # The test client's, and any port of localhost (the browser tests' live server).
             "--redirect-uri", f"http://testserver{CALLBACK_PATH}",
             "--redirect-uri", f"http://localhost{CALLBACK_PATH}",
             "--post-logout-redirect-uri", f"http://testserver{SIGN_IN_PATH}",
             "--post-logout-redirect-uri", f"http://localhost{SIGN_IN_PATH}",
             "--people", json.dumps({p.username: p.claims() for p in people.values()})],
            cwd=ROOT, env=provider_env, stdout=out, stderr=subprocess.STDOUT)
    provider = Provider(f"http://127.0.0.1:{port}", "rehab-portal",
                        "test secret for the portal", people, log, process)
    try:
        _wait_for(provider)
        yield provider
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _wait_for(provider: Provider) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if provider.process.poll() is not None:
            pytest.fail(f"the OpenID Connect test provider stopped:\n{provider.log_text()}")
        try:
            if requests.get(provider.metadata_url, timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    pytest.fail(f"the OpenID Connect test provider did not start:\n{provider.log_text()}")


@pytest.fixture
def idporten(settings, oidc_provider):
    """The portal's ID-porten is the test provider, for this test."""
    settings.CITIZEN_OIDC_PROVIDERS = {"idporten": oidc_provider.entry()}
    settings.ALLOW_SYNTHETIC_IDENTITY_NUMBERS = True
    return oidc_provider


CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def sign_in_at_provider(authorize_url: str, person: Person) -> str:
    """Follow the provider from its authorization endpoint through its login form, as the
    person's browser would, to the redirect back to the portal; its Location is returned."""
    with requests.Session() as browser:
        answer = browser.get(authorize_url, allow_redirects=False, timeout=10)
        assert answer.status_code == 302, answer.text[:500]
        login_url = urljoin(authorize_url, answer.headers["Location"])
        assert urlsplit(login_url).path == "/login/", login_url
        form = browser.get(login_url, timeout=10)
        assert form.status_code == 200
        answer = browser.post(login_url, timeout=10, allow_redirects=False, data={
            "csrfmiddlewaretoken": CSRF_INPUT.search(form.text).group(1),
            "username": person.username, "password": person.password,
            "next": parse_qs(urlsplit(login_url).query)["next"][0],
        })
        assert answer.status_code == 302, answer.text[:500]
        answer = browser.get(urljoin(login_url, answer.headers["Location"]),
                             allow_redirects=False, timeout=10)
        assert answer.status_code == 302, answer.text[:500]
        return answer.headers["Location"]
