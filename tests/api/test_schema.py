"""The OpenAPI schema and Swagger UI that EPJ vendors read."""

import re

from django.contrib.staticfiles import finders
from django.core.management import call_command

from .support import openapi


def test_it_generates_the_schema_without_warnings(db, tmp_path):
    # --fail-on-warn raises SchemaGenerationError on any warning or error.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file",
                 str(tmp_path / "schema.yaml"))
    schema = (tmp_path / "schema.yaml").read_text()
    assert "/api/v1/patients/search/" in schema
    assert "ErrorEnvelope" in schema


def test_it_serves_the_schema_with_the_api_key_scheme(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["components"]["securitySchemes"]["ApiKey"]["scheme"] == "bearer"
    patch = schema["paths"]["/api/v1/patients/{uuid}/"]["patch"]
    assert {"400", "403", "404", "412", "413", "428"} <= set(patch["responses"])
    assert any(p["name"] == "If-Match" and p["in"] == "header" for p in patch["parameters"])
    assert "identity_number" not in str(schema["paths"]["/api/v1/patients/"]["get"])


def test_it_serves_swagger_ui_from_local_static_files_only(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    for asset in assets:
        if asset.startswith("/api/docs/?"):  # its own start-up script, a file (CSP)
            continue
        assert asset.startswith("/static/"), asset
        assert finders.find(asset.removeprefix("/static/")), f"{asset} is not shipped"
    assert "<script>" not in html
    assert "cdn" not in html.lower()
    assert "https://" not in html


def _operations():
    for path, item in openapi()["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield path, method, operation


def test_it_declares_what_every_operation_may_answer():
    # Schemathesis found paged lists answering an undeclared 404; the API also answers 403
    # for a missing scope, 406, 415, and the Idempotency-Key's 422, which no operation
    # declared (PortalAutoSchema, the default schema class, adds them everywhere).
    checked = 0
    for path, method, operation in _operations():
        if not path.startswith("/api/v1/"):
            continue
        checked += 1
        codes = set(operation["responses"])
        headers = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
        where = f"{method.upper()} {path}"
        assert {"401", "403", "406", "429"} <= codes, where
        assert "Retry-After" in operation["responses"]["429"]["headers"], where
        if "requestBody" in operation:
            assert {"400", "413", "415"} <= codes, where
        if any(p["name"] == "page" for p in operation.get("parameters", [])):
            assert {"400", "404"} <= codes, where
        if method == "post":
            assert "Idempotency-Key" in headers and {"400", "409", "422"} <= codes, where
        if "412" in codes:
            assert "ETag" in operation["responses"]["412"]["headers"], where
    assert checked > 50
