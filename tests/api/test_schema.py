"""The OpenAPI schema and Swagger UI that EPJ vendors read."""

import re

from django.contrib.staticfiles import finders
from django.core.management import call_command


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
        assert asset.startswith("/static/"), asset
        assert finders.find(asset.removeprefix("/static/")), f"{asset} is not shipped"
    assert "cdn" not in html.lower()
    assert "https://" not in html
