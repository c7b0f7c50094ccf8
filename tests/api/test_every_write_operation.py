"""Generated over every write operation (POST, PUT, PATCH) of the OpenAPI schema: a body
nested too deep, an unknown field or a read-only field is a 400 in the envelope naming it,
never a 500 and never a write that ignores it. Each operation is tried on real objects of
the demo region (tests/api/demo_region.py) by both EPJ systems, with the current ETag."""

import json
import re

import pytest
from django.test import Client

from common.api.parsers import MAX_DEPTH

from .demo_region import Seen, demo_region  # noqa: F401 (a fixture)
from .support import error, openapi

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_region")]

WRITE_OPERATIONS = sorted(
    (method.upper(), path) for path, operations in openapi()["paths"].items()
    for method in operations if method in ("post", "put", "patch"))
# Creating or changing a resource itself (not a step on it): its fields are read-only there.
RESOURCE_WRITES = [(method, path) for method, path in WRITE_OPERATIONS
                   if re.fullmatch(r"/api/v1/[a-z-]+/(\{uuid\}/)?", path)
                   or re.fullmatch(r"/api/v1/[a-z-]+/\{uuid\}/[a-z-]+/\{\w+\}/", path)]
ATTEMPTS = 6  # objects × clients tried per operation, until one reaches the validation


def _clients(headers: dict):
    """Both EPJ systems, then the services' administrator (signed in)."""
    for key in Seen.keys:
        yield Client(HTTP_AUTHORIZATION=key, **headers)
    for admin in Seen.admins:
        client = Client(**headers)
        client.force_login(admin)
        yield client


def _attempts(path: str):
    """(client, url) for the real objects the operation may act on, each with its ETag."""
    candidates = Seen.paths.get(path, [{}]) if "{" in path else [{}]
    tried = 0
    for parameters in candidates:
        headers = {"HTTP_ACCEPT_LANGUAGE": "en"}
        etag = Seen.etags.get(parameters.get("uuid"))
        if etag:
            headers["HTTP_IF_MATCH"] = etag
        for client in _clients(headers):
            yield client, path.format(**parameters)
            tried += 1
            if tried == ATTEMPTS:
                return


def _send(method: str, path: str, body: str, field: str):
    """Every attempt's response; the first 400 naming `field` ends the search."""
    responses = []
    for client, url in _attempts(path):
        response = client.generic(method, url, body, content_type="application/json")
        responses.append((url, response))
        if response.status_code == 400 and field in error(response)["fields"]:
            break
    return responses


def _assert_refused(responses, field: str, message: str) -> None:
    for url, response in responses:
        assert response.status_code < 500, (url, response.content[:300])
        assert not 200 <= response.status_code < 300, (url, response.content[:300])
    url, last = responses[-1]
    assert last.status_code == 400, [(u, r.status_code, r.content[:200]) for u, r in responses]
    assert error(last)["fields"][field] == [message], (url, error(last))


@pytest.mark.parametrize(("method", "path"), WRITE_OPERATIONS)
def test_it_refuses_a_body_nested_too_deep_with_a_400_naming_the_body(method, path):
    deep = "[" * 1000 + "]" * 1000  # 2 KB: Python's json would recurse past its limit
    responses = _send(method, path, deep, "body")
    _assert_refused(responses, "body", (
        f"The JSON nests more than {MAX_DEPTH} levels of arrays and objects."))


@pytest.mark.parametrize(("method", "path"), WRITE_OPERATIONS)
def test_it_refuses_an_unknown_field_by_name(method, path):
    responses = _send(method, path, json.dumps({"is_admin": True}), "is_admin")
    _assert_refused(responses, "is_admin", "Unknown field.")


@pytest.mark.parametrize(("method", "path"), RESOURCE_WRITES)
def test_it_refuses_a_write_to_a_read_only_field_by_name(method, path):
    # Every resource shows its public `uuid`, which no client ever sets. (To a step such as
    # /search/ or /discharge/ it is an unknown field, as above.)
    body = json.dumps({"uuid": "9c5b94b1-35ad-49bb-b118-8e8fc24abf80"})
    responses = _send(method, path, body, "uuid")
    _assert_refused(responses, "uuid", "This field is read-only.")
