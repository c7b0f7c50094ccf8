import datetime
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pathways.models import CareRelationshipReason, Patient, PatientQuerySet
from registry.models import AuditAction, AuditEvent, Role
from tests import factories

from .support import error, patient_url, written

EXPECTED = {
    "planner": {"shared"},
    "ke_tromso": {"shared", "tromso_only"},
    "coordinator": {"shared"},
    "ke_bodo": {"bodo_only"},
}


def new_patient_payload(cast, **overrides) -> dict:
    payload = {
        "identity_number": factories.identity_number(datetime.date(1961, 5, 2)),
        "given_name": "Sigrid",
        "family_name": "Solberg",
        "birth_date": "1961-05-02",
        "municipality": str(cast.tromso.uuid),
    }
    payload.update(overrides)
    return payload


# --- list --------------------------------------------------------------------------------------

@pytest.mark.parametrize("member", sorted(EXPECTED))
def test_it_lists_exactly_the_patients_each_member_of_the_cast_may_see(cast, api, member):
    response = api(getattr(cast, member)).get("/api/v1/patients/")
    assert response.status_code == 200
    names = {row["uuid"] for row in response.json()["results"]}
    assert names == {str(getattr(cast, name).uuid) for name in EXPECTED[member]}


def test_it_lists_no_patients_for_an_organisation_admin(cast, api):
    admin = factories.user("admin_tromso", cast.tromso, Role.ORG_ADMIN)
    response = api(admin).get("/api/v1/patients/")
    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_it_refuses_the_patient_list_to_anonymous_callers(cast, api):
    response = api().get("/api/v1/patients/")
    assert response.status_code == 401
    assert error(response)["code"] == "not_authenticated"


def test_it_uses_public_uuids_and_never_integer_keys(cast, api):
    row = api(cast.ke_tromso).get("/api/v1/patients/").json()["results"][0]
    assert "id" not in row and "pk" not in row
    assert row["municipality"] == str(cast.tromso.uuid)
    assert row["url"].endswith(f"/api/v1/patients/{row['uuid']}/")


def test_it_filters_the_list_by_name(cast, api):
    response = api(cast.ke_tromso).get("/api/v1/patients/", {"name": "tind"})
    assert [row["family_name"] for row in response.json()["results"]] == ["Tindvik"]


def test_it_audits_every_patient_on_the_page_in_one_insert(cast, api):
    client = api(cast.ke_tromso)
    before = AuditEvent.objects.count()
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/patients/")
    assert response.status_code == 200
    audit_insert = 'INSERT INTO "registry_auditevent"'
    inserts = [q["sql"] for q in queries if q["sql"].startswith(audit_insert)]
    assert len(inserts) == 1
    events = AuditEvent.objects.order_by("-id")[: AuditEvent.objects.count() - before]
    assert {e.patient_uuid for e in events} == {cast.shared.uuid, cast.tromso_only.uuid}
    assert {(e.action, e.user_id, e.organization_id, e.via) for e in events} == {
        (AuditAction.VIEW, cast.ke_tromso.pk, cast.tromso.pk, "api")
    }


# --- retrieve ----------------------------------------------------------------------------------

def test_it_shows_a_patient_in_scope_with_its_version_as_etag(cast, api):
    response = api(cast.coordinator).get(patient_url(cast.shared))
    assert response.status_code == 200
    assert response["ETag"] == 'W/"1"'
    body = response.json()
    assert body["given_name"] == "Astrid"
    assert body["version"] == 1
    assert AuditEvent.objects.filter(
        action=AuditAction.VIEW, user=cast.coordinator, patient_uuid=cast.shared.uuid,
        role=Role.COORDINATOR,
    ).count() == 1


def test_it_answers_404_for_a_patient_outside_scope_exactly_as_for_none(cast, api):
    client = api(cast.ke_bodo)
    outside = client.get(patient_url(cast.shared))
    missing = client.get(f"/api/v1/patients/{uuid.uuid4()}/")
    assert outside.status_code == missing.status_code == 404
    assert outside.json() == missing.json()
    assert not AuditEvent.objects.filter(user=cast.ke_bodo, patient_uuid=cast.shared.uuid).exists()


def test_it_answers_404_for_a_malformed_uuid_in_the_url(cast, api):
    response = api(cast.ke_tromso).get("/api/v1/patients/not-a-uuid/")
    assert response.status_code == 404
    assert error(response)["code"] == "not_found"


# --- create ------------------------------------------------------------------------------------

def test_it_registers_a_patient_with_next_of_kin_for_the_registering_organisation(cast, api):
    payload = new_patient_payload(cast, next_of_kin=[
        {"name": "Per Solberg", "relation": "ektefelle", "phone": "40000000",
         "consent_to_share": True},
    ])
    response = api(cast.planner).post("/api/v1/patients/", payload, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    patient = Patient.objects.get(uuid=body["uuid"])
    assert response["Location"].endswith(patient_url(patient))
    assert response["ETag"] == 'W/"1"'
    assert body["next_of_kin"][0]["name"] == "Per Solberg"
    assert body["next_of_kin"][0]["consent_recorded_at"] is not None
    relationship = patient.care_relationships.get()
    assert (relationship.organization, relationship.reason) == (
        cast.unn, CareRelationshipReason.REGISTRATION
    )
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, object_type="patient",
                                     patient_uuid=patient.uuid, user=cast.planner).exists()
    assert patient in Patient.objects.visible_to(cast.planner)
    assert patient not in Patient.objects.visible_to(cast.ke_bodo)


def test_it_refuses_registration_by_a_coordinator_and_writes_nothing(cast, api):
    before = written()
    response = api(cast.coordinator).post("/api/v1/patients/", new_patient_payload(cast),
                                          format="json")
    assert response.status_code == 403
    assert error(response)["code"] == "permission_denied"
    assert written() == before


def test_it_refuses_registration_to_anonymous_callers(cast, api):
    before = written()
    response = api().post("/api/v1/patients/", new_patient_payload(cast), format="json")
    assert response.status_code == 401
    assert written() == before


def test_it_leaves_nothing_behind_when_registration_fails_half_way(cast, api, monkeypatch):
    from django.db import IntegrityError

    from pathways.services import patients as patient_services

    def fail(*args, **kwargs):
        # The patient, its next of kin and the create audit event are written by now.
        raise IntegrityError("simulated: a concurrent registration won the race")

    monkeypatch.setattr(patient_services, "grant_care_relationship", fail)
    before = written()
    payload = new_patient_payload(cast, next_of_kin=[{"name": "Per", "relation": "sønn"}])
    response = api(cast.planner).post("/api/v1/patients/", payload, format="json")

    assert response.status_code == 409
    assert error(response)["code"] == "conflict"
    assert written() == before


def test_it_refuses_a_duplicate_identity_number(cast, api):
    before = written()
    payload = new_patient_payload(cast, identity_number=cast.tromso_only.identity_number,
                                  birth_date=cast.tromso_only.birth_date.isoformat())
    response = api(cast.planner).post("/api/v1/patients/", payload, format="json")
    assert response.status_code == 400
    assert list(error(response)["fields"]) == ["identity_number"]
    assert written() == before


# --- partial update ----------------------------------------------------------------------------

@pytest.mark.parametrize("if_match", ['W/"1"', '"1"', "1", 'W/"7", W/"1"'])
def test_it_updates_a_patient_when_if_match_names_the_current_version(cast, api, if_match):
    response = api(cast.ke_tromso).patch(patient_url(cast.shared), {"phone": "77000000"},
                                         format="json", HTTP_IF_MATCH=if_match)
    assert response.status_code == 200, response.json()
    assert response["ETag"] == 'W/"2"'
    assert response.json()["phone"] == "77000000"
    cast.shared.refresh_from_db()
    assert (cast.shared.phone, cast.shared.version) == ("77000000", 2)
    assert AuditEvent.objects.filter(action=AuditAction.UPDATE, object_type="patient",
                                     patient_uuid=cast.shared.uuid, detail="phone").exists()


def test_it_requires_if_match_with_428_and_writes_nothing(cast, api):
    before = written()
    response = api(cast.ke_tromso).patch(patient_url(cast.shared), {"phone": "77000000"},
                                         format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 428
    body = error(response)
    assert body["code"] == "precondition_required"
    assert "If-Match" in body["message"]
    assert written() == before


def test_it_refuses_a_stale_if_match_with_412_and_the_current_etag(cast, api):
    client = api(cast.ke_tromso)
    etag = client.get(patient_url(cast.shared))["ETag"]
    # The planner saves first ...
    first = api(cast.planner).patch(patient_url(cast.shared), {"phone": "11111111"},
                                    format="json", HTTP_IF_MATCH=etag)
    assert first.status_code == 200
    before = written()
    # ... so KE's edit, based on what it read, must not overwrite it.
    response = client.patch(patient_url(cast.shared), {"phone": "22222222"}, format="json",
                            HTTP_IF_MATCH=etag, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 412
    body = error(response)
    assert body["code"] == "precondition_failed"
    assert "version 2" in body["message"]
    assert response["ETag"] == 'W/"2"'
    assert written() == before
    cast.shared.refresh_from_db()
    assert cast.shared.phone == "11111111"


def test_it_refuses_a_malformed_if_match_with_412(cast, api):
    response = api(cast.ke_tromso).patch(patient_url(cast.shared), {"phone": "1"},
                                         format="json", HTTP_IF_MATCH="version 1")
    assert response.status_code == 412
    assert error(response)["code"] == "precondition_failed"


def test_it_takes_if_match_star_as_whatever_version_is_current(cast, api):
    """RFC 9110 13.1.1: `If-Match: *` is true whenever the resource exists."""
    response = api(cast.ke_tromso).patch(patient_url(cast.shared), {"phone": "12345678"},
                                         format="json", HTTP_IF_MATCH="*")
    assert response.status_code == 200, response.json()
    cast.shared.refresh_from_db()
    assert (cast.shared.phone, response["ETag"]) == ("12345678", f'W/"{cast.shared.version}"')


def test_it_answers_404_to_an_update_outside_scope(cast, api):
    before = written()
    response = api(cast.ke_bodo).patch(patient_url(cast.shared), {"phone": "1"},
                                       format="json", HTTP_IF_MATCH='W/"1"')
    assert response.status_code == 404
    assert written() == before


def test_it_refuses_to_change_next_of_kin_through_the_patient(cast, api):
    response = api(cast.ke_tromso).patch(
        patient_url(cast.shared), {"next_of_kin": [{"name": "X", "relation": "y"}]},
        format="json", HTTP_IF_MATCH='W/"1"',
    )
    assert response.status_code == 400
    assert list(error(response)["fields"]) == ["next_of_kin"]


def test_it_refuses_an_update_that_changes_nothing(cast, api):
    response = api(cast.ke_tromso).patch(patient_url(cast.shared), {"shoe_size": 44},
                                         format="json", HTTP_IF_MATCH='W/"1"')
    assert response.status_code == 400
    cast.shared.refresh_from_db()
    assert cast.shared.version == 1


def test_it_rolls_back_an_update_that_takes_the_patient_out_of_scope(cast, api, monkeypatch):
    original = PatientQuerySet.visible_to

    def visible_to(self, user):
        # As if the saved change (e.g. a move) ended the editor's care relationship.
        if Patient.objects.filter(pk=cast.shared.pk, version__gt=1).exists():
            return self.none()
        return original(self, user)

    monkeypatch.setattr(PatientQuerySet, "visible_to", visible_to)
    before = written()
    response = api(cast.ke_tromso).patch(patient_url(cast.shared), {"phone": "77000000"},
                                         format="json", HTTP_IF_MATCH='W/"1"')
    assert response.status_code == 403
    assert error(response)["code"] == "permission_denied"
    assert written() == before
    cast.shared.refresh_from_db()
    assert (cast.shared.phone, cast.shared.version) == ("", 1)


def test_it_offers_no_put_or_delete(cast, api):
    client = api(cast.ke_tromso)
    assert client.put(patient_url(cast.shared), {}, format="json").status_code == 405
    response = client.delete(patient_url(cast.shared))
    assert response.status_code == 405
    assert error(response)["code"] == "method_not_allowed"
    assert Patient.objects.filter(pk=cast.shared.pk).exists()


# --- search ------------------------------------------------------------------------------------

def test_it_finds_a_patient_by_identity_number_in_the_body_and_audits_it(cast, api):
    response = api(cast.ke_tromso).post(
        "/api/v1/patients/search/", {"identity_number": cast.tromso_only.identity_number},
        format="json",
    )
    assert response.status_code == 200
    assert [row["uuid"] for row in response.json()["results"]] == [str(cast.tromso_only.uuid)]
    event = AuditEvent.objects.get(action=AuditAction.SEARCH, user=cast.ke_tromso)
    assert event.patient_uuid == cast.tromso_only.uuid
    assert cast.tromso_only.identity_number not in event.detail
    assert cast.tromso_only.identity_number not in event.object_id


def test_it_finds_nothing_outside_scope_but_logs_the_search(cast, api):
    response = api(cast.ke_bodo).post(
        "/api/v1/patients/search/", {"identity_number": cast.shared.identity_number},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["count"] == 0
    event = AuditEvent.objects.get(action=AuditAction.SEARCH, user=cast.ke_bodo)
    assert event.patient_uuid is None
    assert cast.shared.identity_number not in event.detail


def test_it_accepts_the_identity_number_only_in_the_body(cast, api):
    client = api(cast.ke_tromso)
    number = cast.tromso_only.identity_number
    assert client.get("/api/v1/patients/search/", {"identity_number": number}).status_code == 405
    # A query parameter on the list is not a filter: the list is not narrowed by it.
    listed = client.get("/api/v1/patients/", {"identity_number": number}).json()
    assert listed["count"] == 2


def test_it_refuses_search_to_anonymous_callers(cast, api):
    response = api().post("/api/v1/patients/search/",
                          {"identity_number": cast.shared.identity_number}, format="json")
    assert response.status_code == 401


def test_it_keeps_identity_numbers_out_of_log_lines(cast, api, caplog):
    client = api(cast.ke_tromso)
    number = cast.tromso_only.identity_number
    mistyped = number[:-1] + str((int(number[-1]) + 1) % 10)
    with caplog.at_level("DEBUG"):
        client.post("/api/v1/patients/search/", {"identity_number": number}, format="json")
        bad = client.post("/api/v1/patients/search/", {"identity_number": mistyped},
                          format="json")
    assert bad.status_code == 400
    assert caplog.records, "the 400 is logged by django.request"
    assert number not in caplog.text and mistyped not in caplog.text
