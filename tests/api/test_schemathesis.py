"""Schemathesis against /api/schema/: every operation gets a bounded number of generated
requests against the demo region, and every answer must be what the schema says: no 5xx,
and documented status codes, headers, media types and bodies.

The requests come from two EPJ systems with every scope, the demo hospital's (UNN Tromsø)
and one of Tromsø municipality. A random UUID only ever finds nothing, so most positive cases
are pointed at real objects: their ids and ETags are read through the API once per module."""

import hashlib

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis.configuration import set_hypothesis_home_dir
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import positive_data_acceptance

from .demo_region import Seen, demo_region  # noqa: F401 (a fixture)

# The same requests on every run (derandomize), so that CI is repeatable. Positive and negative
# cases, every check but one (below): about three minutes for the whole schema on two busy
# cores, the CI budget. Raise it locally to look harder.
EXAMPLES_PER_OPERATION = 12

# Hypothesis keeps a cache of the source's constants: in var/ (ignored by git), not the root.
set_hypothesis_home_dir(django_settings.VAR_DIR / "hypothesis")

schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())

EXCLUDED_CHECKS = [
    # Expects 2xx for every schema-valid request. The schema cannot say that an identity
    # number's check digits must add up, that a UUID must name an object you may see, or
    # that a step must fit the record's state: such valid-looking requests rightly get 400.
    positive_data_acceptance,
]

# Body fields naming another object, and where to find real ones (default: `<field>s`).
REFERENCES = {
    "hospital": "organizations", "to_hospital": "organizations",
    "municipality": "organizations", "organization": "organizations",
    "provider": "organizations", "responsible_organization": "organizations",
    "readmission_of": "admissions", "parent": "goals",
}


@pytest.fixture
def in_process():
    """Requests go straight to the WSGI handler inside the test's transaction: keep Django
    from closing that connection at the end of each request, as its test client does."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def _pick(options: list, seed: str):
    """One of the options, or None (keep what was generated) one time in four. Derived from
    the generated case, so that Hypothesis replays and shrinks it like the rest."""
    digest = int(hashlib.sha256(seed.encode()).hexdigest(), 16)
    if not options or digest % 4 == 0:
        return None
    return options[digest // 4 % len(options)]


def point_at_real_objects(case) -> None:
    """A positive case gets real objects in its URL and body, and their current ETag. Any
    case whose headers are valid gets an Idempotency-Key of its own most of the time: the
    generator draws "0" again and again, and every later request with another body would
    only get the middleware's 422, never reaching the view."""
    if case.meta is None:
        return
    seed = repr((case.path_parameters, case.query, case.headers, case.body))
    headers = case.meta.components.get(ParameterLocation.HEADER)
    if (case.headers and "Idempotency-Key" in case.headers
            and (headers is None or headers.mode.is_positive) and _pick([True], seed + "k")):
        case.headers["Idempotency-Key"] = hashlib.sha256(seed.encode()).hexdigest()
    if not case.meta.generation.mode.is_positive:
        return
    parameters = _pick(Seen.paths.get(case.path, []), seed)
    if parameters is not None:
        case.path_parameters = {**(case.path_parameters or {}), **parameters}
        etag = Seen.etags.get(parameters["uuid"])
        if case.headers and "If-Match" in case.headers and etag and _pick([etag], seed + "v"):
            case.headers["If-Match"] = etag
    if isinstance(case.body, dict):
        for name, value in case.body.items():
            if isinstance(value, str):
                pool = Seen.ids.get(REFERENCES.get(name, f"{name}s")) or Seen.ids.get(name, [])
                real = _pick(pool, seed + name)
                if real is not None:
                    case.body[name] = real


@pytest.mark.django_db
@pytest.mark.usefixtures("demo_region")
@schema.parametrize()
@settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
def test_it_answers_as_the_schema_says(in_process, case):
    point_at_real_objects(case)
    authorization = _pick(Seen.keys, repr((case.path_parameters, case.body))) or Seen.keys[0]
    case.call_and_validate(headers={"Authorization": authorization},
                           excluded_checks=EXCLUDED_CHECKS)
