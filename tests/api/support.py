"""Helpers shared by the API tests."""

import functools

from django.core.exceptions import ValidationError
from django.utils import translation
from drf_spectacular.generators import SchemaGenerator

from pathways.identity import parse_identity_number
from pathways.models import CareRelationship, NextOfKin, Patient
from registry.models import AuditEvent, ServiceOffering

LIST_URLS = {
    "organization": "/api/v1/organizations/",
    "service": "/api/v1/services/",
    "patient": "/api/v1/patients/",
}


def error(response) -> dict:
    """The error envelope's body, after checking that the response is one."""
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "fields"}, body
    return body["error"]


def written() -> dict[str, int]:
    """Row counts of everything a write touches: the same before and after = nothing written."""
    return {
        model.__name__: model.objects.count()
        for model in (Patient, NextOfKin, CareRelationship, AuditEvent, ServiceOffering)
    }


def identity_messages(number: str, **kwargs) -> list[str]:
    """What pathways.identity says about this number, in the API's default language."""
    with translation.override("nb"):
        try:
            parse_identity_number(number, **kwargs)
        except ValidationError as exc:
            return [str(m) for m in exc.messages]
    raise AssertionError("the number is valid")


def patient_url(patient) -> str:
    return f"/api/v1/patients/{patient.uuid}/"


@functools.cache
def openapi() -> dict:
    """The OpenAPI schema as /api/schema/ serves it (generated once per test run)."""
    return SchemaGenerator().get_schema(request=None, public=True)


def schema_of(component: str) -> dict:
    """A component's properties, e.g. schema_of("Admission")["readmission_of"]."""
    return openapi()["components"]["schemas"][component]["properties"]


def responses_of(path: str, method: str) -> set[str]:
    """The status codes an operation declares, e.g. {"200", "401", ...}."""
    return set(openapi()["paths"][path][method]["responses"])
