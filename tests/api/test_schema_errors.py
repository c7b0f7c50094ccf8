"""The OpenAPI schema declares the conflicts each operation can answer, so that generated
clients and fuzzers know them: 409 on every write, 412 and 428 wherever If-Match is asked."""

import pytest

from .support import openapi

OPERATIONS = sorted((method, path) for path, operations in openapi()["paths"].items()
                    for method in operations if method in ("get", "post", "put", "patch",
                                                           "delete"))


def _operation(method: str, path: str) -> dict:
    return openapi()["paths"][path][method]


def _if_match(operation: dict) -> dict | None:
    return next((p for p in operation.get("parameters", [])
                 if p["in"] == "header" and p["name"] == "If-Match"), None)


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_every_write_declares_409_and_every_if_match_412_and_428(method, path):
    operation = _operation(method, path)
    responses = operation["responses"]
    if method != "get":
        assert "409" in responses
    if_match = _if_match(operation)
    if if_match is not None:
        assert "412" in responses
        assert "ETag" in responses["412"].get("headers", {})
        if if_match.get("required"):
            assert "428" in responses


def test_the_generated_cases_include_if_match_operations():
    assert any(_if_match(_operation(m, p)) for m, p in OPERATIONS)
    assert ("patch", "/api/v1/admissions/{uuid}/") in OPERATIONS
