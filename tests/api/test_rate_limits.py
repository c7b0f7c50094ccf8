"""Rate limits on the API (REST and FHIR): per API client, unauthenticated requests and
failed API keys per address; 429 with Retry-After in the error envelope. The client's
address comes from X-Forwarded-For only through a trusted proxy (TRUSTED_PROXIES)."""

import pytest
from django.test import RequestFactory
from rest_framework.test import APIClient

from common.client_ip import client_ip
from registry.services import create_api_client
from rehab_portal.settings import base

from .conftest import ALL_SCOPES
from .support import error

PATIENTS = "/api/v1/patients/"
WRONG_KEY = "rp_abcd1234_wrongsecret"
PROXY = "10.0.0.1"


@pytest.fixture
def limits(settings):
    """Low limits: set(**{name: rate})."""

    def set_rates(**rates):
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, **rates}

    return set_rates


def keyed(key: str, address: str = "127.0.0.1", **headers) -> APIClient:
    client = APIClient(REMOTE_ADDR=address, **headers)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def assert_throttled(response, *, within: int):
    assert response.status_code == 429, response.content
    assert 1 <= int(response["Retry-After"]) <= within
    body = error(response)
    assert body["code"] == "throttled"
    return body


def test_100_wrong_keys_in_a_row_meet_429_after_the_production_limit(cast, settings):
    settings.RATE_LIMITS = base.RATE_LIMITS  # the production defaults
    allowed, _period = 10, 600
    assert base.RATE_LIMITS["api_key_failures"] == "10/10min"
    statuses = [keyed(WRONG_KEY).get(PATIENTS).status_code for _ in range(100)]
    assert statuses == [401] * allowed + [429] * (100 - allowed)


def test_over_the_limit_of_failed_keys_even_the_right_key_waits_but_other_addresses_do_not(
        cast, epj, limits):
    limits(api_key_failures="3/10min")
    for _ in range(3):
        assert keyed(WRONG_KEY).get(PATIENTS).status_code == 401
    body = assert_throttled(keyed(epj.key).get(PATIENTS), within=600)
    assert body["message"].startswith("For mange forespørsler")  # bokmål by default
    assert keyed(epj.key, address="192.0.2.9").get(PATIENTS).status_code == 200


def test_the_429_speaks_the_language_the_client_asks_for(cast, limits):
    limits(api_key_failures="1/min")
    keyed(WRONG_KEY).get(PATIENTS)
    response = keyed(WRONG_KEY, HTTP_ACCEPT_LANGUAGE="en").get(PATIENTS)
    body = assert_throttled(response, within=60)
    seconds = int(response["Retry-After"])
    unit = "second" if seconds == 1 else "seconds"
    assert body["message"] == f"Too many requests; try again in {seconds} {unit}."


def test_it_limits_each_api_client_on_its_own(cast, epj, limits):
    limits(api_client="5/min")
    for _ in range(5):
        assert epj.get(PATIENTS).status_code == 200
    assert_throttled(epj.get(PATIENTS), within=60)
    _client, other_key = create_api_client(cast.tromso, "Another EPJ", scopes=ALL_SCOPES)
    assert keyed(other_key).get(PATIENTS).status_code == 200


def test_it_limits_a_signed_in_person_like_a_client(cast, api, limits):
    limits(api_client="2/min")
    client = api(cast.ke_tromso)
    assert [client.get(PATIENTS).status_code for _ in range(3)] == [200, 200, 429]


def test_it_limits_requests_without_credentials_per_address(cast, limits):
    limits(api_anonymous="3/min")
    anonymous = APIClient(REMOTE_ADDR="198.51.100.7")
    assert [anonymous.get(PATIENTS).status_code for _ in range(4)] == [401, 401, 401, 429]
    assert APIClient(REMOTE_ADDR="198.51.100.8").get(PATIENTS).status_code == 401


def test_fhir_answers_429_with_retry_after_as_an_operation_outcome(cast, epj, limits):
    limits(api_key_failures="2/10min", api_anonymous="2/min")
    for _ in range(2):
        assert keyed(WRONG_KEY).get("/fhir/r4/Patient").status_code == 401
    response = keyed(WRONG_KEY).get("/fhir/r4/Patient")
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    issue = response.json()["issue"][0]
    assert issue["code"] == "throttled" and issue["diagnostics"].startswith("For mange")
    # the public CapabilityStatement counts per address too
    metadata = APIClient(REMOTE_ADDR="198.51.100.7")
    assert [metadata.get("/fhir/r4/metadata").status_code for _ in range(3)] == [200, 200, 429]


def test_fhir_limits_each_api_client(cast, epj, limits):
    limits(api_client="2/min")
    assert [epj.get("/fhir/r4/Patient").status_code for _ in range(3)] == [200, 200, 429]


# -- The client's address -------------------------------------------------------------------

def request_from(remote: str, forwarded: str | None = None):
    headers = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **headers)


@pytest.mark.parametrize(("trusted", "remote", "forwarded", "client"), [
    # no trusted proxy: the header is the client's own word and ignored
    ([], "198.51.100.7", "203.0.113.5", "198.51.100.7"),
    # through the proxy: the address the proxy saw
    ([PROXY], PROXY, "198.51.100.7", "198.51.100.7"),
    # a forged entry to the left of what the proxy appended chooses nothing
    ([PROXY], PROXY, "203.0.113.5, 198.51.100.7", "198.51.100.7"),
    # two trusted hops, by network
    (["10.0.0.0/8"], PROXY, "203.0.113.5, 198.51.100.7, 10.0.0.2", "198.51.100.7"),
    # a connection that bypasses the proxy: its header is ignored
    ([PROXY], "198.51.100.7", "203.0.113.5", "198.51.100.7"),
    # the proxy sent no header, or garbage
    ([PROXY], PROXY, None, PROXY),
    ([PROXY], PROXY, "not-an-address", PROXY),
    # IPv6 and IPv4-mapped forms
    ([PROXY], PROXY, "2001:db8::7", "2001:db8::7"),
    ([PROXY], "::ffff:10.0.0.1", "[2001:db8::7]:4711", "2001:db8::7"),
])
def test_it_takes_the_client_address_from_a_trusted_proxy_only(settings, trusted, remote,
                                                               forwarded, client):
    settings.TRUSTED_PROXIES = trusted
    assert client_ip(request_from(remote, forwarded)) == client


def test_a_forged_forwarded_for_does_not_choose_whose_api_keys_are_locked(cast, epj, limits,
                                                                          settings):
    settings.TRUSTED_PROXIES = [PROXY]
    limits(api_key_failures="3/10min")
    victim, attacker = "203.0.113.5", "198.51.100.7"
    for _ in range(5):  # the proxy appends the attacker's real address
        keyed(WRONG_KEY, address=PROXY,
              HTTP_X_FORWARDED_FOR=f"{victim}, {attacker}").get(PATIENTS)
    assert keyed(epj.key, address=PROXY, HTTP_X_FORWARDED_FOR=victim).get(PATIENTS) \
        .status_code == 200
    assert keyed(epj.key, address=PROXY, HTTP_X_FORWARDED_FOR=attacker).get(PATIENTS) \
        .status_code == 429


def test_without_a_trusted_proxy_a_client_cannot_dodge_the_limit_with_forwarded_for(
        cast, limits):
    limits(api_key_failures="3/10min")
    statuses = [keyed(WRONG_KEY, address="198.51.100.7",
                      HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").get(PATIENTS).status_code
                for n in range(5)]
    assert statuses == [401, 401, 401, 429, 429]


def test_the_schema_counts_as_one_request_not_one_per_operation(db, limits):
    limits(api_anonymous="3/min")
    anonymous = APIClient(REMOTE_ADDR="198.51.100.7")
    assert [anonymous.get("/api/schema/").status_code for _ in range(3)] == [200, 200, 200]
