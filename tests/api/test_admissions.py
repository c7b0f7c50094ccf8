"""Admissions over the API: scope, audit, register-or-link by identity number, If-Match,
discharge, transfer, death, and the whole pathway from admission to the statement."""

import datetime
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pathways import services
from pathways.deadlines import local_date
from pathways.models import (
    Admission,
    AdmissionStatus,
    CareRelationship,
    DailyRate,
    DischargeMeeting,
    EarlyNotification,
    FollowUpTask,
    MeetingParticipant,
    MunicipalAnswer,
    Patient,
    ReadyForDischarge,
)
from registry.models import (
    AuditAction,
    AuditEvent,
    CooperationAgreement,
    Notification,
    OrganizationKind,
    Role,
)
from tests import factories
from tests.factories import admit, api_client

from .support import error, schema_of

# --- helpers shared by the pathway API tests (tests/api/test_*.py import them) -------------------


def rows() -> dict[str, int]:
    """Row counts of everything a pathway step writes: equal before and after = nothing."""
    return {model.__name__: model.objects.count() for model in (
        Patient, CareRelationship, Admission, ReadyForDischarge, MunicipalAnswer,
        EarlyNotification, DischargeMeeting, MeetingParticipant, FollowUpTask, Notification,
        AuditEvent)}


def other_hospital(cast, name="Nordlandssykehuset Bodø"):
    """A hospital in another health trust, with its own discharge planner."""
    trust = factories.organization(OrganizationKind.HEALTH_TRUST, f"{name} HF", parent=cast.rhf)
    hospital = factories.organization(OrganizationKind.HOSPITAL, name, parent=trust)
    planner = factories.user(f"planner_{hospital.pk}", hospital, Role.DISCHARGE_PLANNER,
                             first_name="Nils", last_name="Nordland")
    factories.ward(hospital, "Medisin", department="Medisinsk avdeling")  # code MEDISIN
    return hospital, planner


def etag(admission) -> str:
    """The admission's current ETag, as a client holds it after reading the admission."""
    return f'W/"{Admission.objects.get(pk=admission.pk).version}"'


def admission_url(admission, step="") -> str:
    return f"/api/v1/admissions/{admission.uuid}/" + (f"{step}/" if step else "")


def iso(moment) -> str:
    return moment.isoformat()


def ago(**delta) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(**delta)


# --- list --------------------------------------------------------------------------------------

@pytest.fixture
def stays(cast):
    """The shared patient at UNN; Bodø's patient at Nordlandssykehuset."""
    nlsh, nlsh_planner = other_hospital(cast)
    return {
        "unn": admit(cast),
        "nlsh": admit(cast, patient=cast.bodo_only, by=nlsh_planner, hospital=nlsh),
        "nlsh_planner": nlsh_planner,
    }


SEES = {"planner": {"unn"}, "ke_tromso": {"unn"}, "coordinator": {"unn"}, "ke_bodo": {"nlsh"}}


@pytest.mark.parametrize("member", sorted(SEES))
def test_it_lists_exactly_the_admissions_each_member_of_the_cast_may_see(cast, api, stays,
                                                                          member):
    response = api(getattr(cast, member)).get("/api/v1/admissions/")
    assert response.status_code == 200
    assert {row["uuid"] for row in response.json()["results"]} == {
        str(stays[name].uuid) for name in SEES[member]}


def test_it_lists_the_hospitals_admissions_to_its_epj_system(cast, stays):
    response = api_client(cast.unn).get("/api/v1/admissions/")
    assert [row["uuid"] for row in response.json()["results"]] == [str(stays["unn"].uuid)]


def test_it_refuses_the_list_to_anonymous_callers(cast, api):
    response = api().get("/api/v1/admissions/")
    assert response.status_code == 401
    assert error(response)["code"] == "not_authenticated"


def test_it_audits_every_admission_on_the_page_in_one_insert(cast, api):
    first = admit(cast, hours_ago=100)
    services.discharge_patient(first, by=cast.planner, destination="home",
                               discharged_at=ago(hours=50))
    second = admit(cast)  # the same patient again: two reads, two events
    with CaptureQueriesContext(connection) as queries:
        response = api(cast.ke_tromso).get("/api/v1/admissions/")
    assert response.json()["count"] == 2
    inserts = [q for q in queries if q["sql"].startswith('INSERT INTO "registry_auditevent"')]
    assert len(inserts) == 1
    events = AuditEvent.objects.filter(user=cast.ke_tromso, action=AuditAction.VIEW)
    assert {(e.object_type, e.object_id, e.patient_uuid, e.organization_id, e.role, e.via)
            for e in events} == {
        ("admission", str(a.uuid), cast.shared.uuid, cast.tromso.pk, Role.KE_STAFF, "api")
        for a in (first, second)}


def test_it_filters_admissions(cast, api, stays):
    unn = stays["unn"]
    client = api(cast.planner)

    def listed(**params):
        response = client.get("/api/v1/admissions/", params)
        assert response.status_code == 200, response.json()
        return [row["uuid"] for row in response.json()["results"]]

    assert listed(status="admitted") == [str(unn.uuid)]
    assert listed(status="discharged") == []
    assert listed(hospital=str(cast.unn.uuid)) == [str(unn.uuid)]
    assert listed(municipality=str(cast.bodo.uuid)) == []
    assert listed(ward="slag") == [str(unn.uuid)]
    assert listed(patient=str(cast.shared.uuid)) == [str(unn.uuid)]
    assert listed(updated_since=iso(timezone.now() + datetime.timedelta(minutes=1))) == []
    assert listed(updated_since=iso(ago(minutes=5))) == [str(unn.uuid)]


@pytest.mark.parametrize("params", [{"hospital": "unn"}, {"updated_since": "yesterday"},
                                    {"status": "asleep"}])
def test_it_refuses_an_invalid_filter_naming_it(cast, api, params):
    response = api(cast.planner).get("/api/v1/admissions/", params)
    assert response.status_code == 400
    assert list(error(response)["fields"]) == list(params)


# --- retrieve ----------------------------------------------------------------------------------

def test_it_shows_an_admission_with_its_version_as_etag_and_audits_the_read(cast, api):
    admission = admit(cast)
    response = api(cast.coordinator).get(admission_url(admission))
    assert response.status_code == 200
    assert response["ETag"] == 'W/"1"'
    body = response.json()
    assert (body["patient"], body["hospital"], body["municipality"], body["status"]) == (
        str(cast.shared.uuid), str(cast.unn.uuid), str(cast.tromso.uuid), "admitted")
    assert body["patient_name"] == "Astrid Aune"
    assert body["latest_notice"] is None and body["ready_for_discharge"] is None
    assert body["statement"] == {"billable_days": 0, "total": "0", "missing_rate_years": [],
                                 "lines": []}
    assert "id" not in body
    event = AuditEvent.objects.get(user=cast.coordinator, action=AuditAction.VIEW)
    assert (event.object_type, event.object_id, event.role) == (
        "admission", str(admission.uuid), Role.COORDINATOR)


def test_it_documents_that_a_first_admission_follows_no_other(cast, api):
    # Schemathesis found it: null where the schema promised a UUID.
    admission = admit(cast)
    listed = api(cast.planner).get("/api/v1/admissions/").json()["results"][0]
    detail = api(cast.planner).get(admission_url(admission)).json()
    for body in (listed, detail):
        assert (body["readmission_of"], body["transferred_from"]) == (None, None)
    for component in ("Admission", "AdmissionDetail"):
        properties = schema_of(component)
        assert properties["readmission_of"]["nullable"] is True
        assert properties["transferred_from"]["nullable"] is True


def test_it_answers_404_for_an_admission_outside_scope_exactly_as_for_none(cast, api):
    admission = admit(cast)
    client = api(cast.ke_bodo)
    outside = client.get(admission_url(admission))
    missing = client.get(f"/api/v1/admissions/{uuid.uuid4()}/")
    malformed = client.get("/api/v1/admissions/not-a-uuid/")
    assert outside.status_code == missing.status_code == malformed.status_code == 404
    assert outside.json() == missing.json()
    assert not AuditEvent.objects.filter(user=cast.ke_bodo, action=AuditAction.VIEW).exists()


def test_it_shows_the_latest_notice_sent_and_who_acknowledged_it(cast, api):
    admission = admit(cast)
    services.send_early_notification(admission, by=cast.planner, expected_course="Bedring")
    second = services.send_early_notification(admission, by=cast.planner,
                                              message_status="change")
    services.save_draft(admission, by=cast.planner, expected_course="Utkast")
    services.acknowledge_early_notification(second, by=cast.ke_tromso)
    notice = api(cast.ke_tromso).get(admission_url(admission)).json()["latest_notice"]
    assert (notice["uuid"], notice["sequence"], notice["message_status"]) == (
        str(second.uuid), 2, "change")
    assert notice["acknowledged_by"] == "Kåre Tromsø"


# --- create ------------------------------------------------------------------------------------

def admission_payload(cast, **overrides) -> dict:
    payload = {"patient": str(cast.shared.uuid), "ward": "Slag",
               "admitted_at": iso(ago(hours=1)), "reason": "Hjerneslag",
               "is_rehabilitation_stay": True}
    payload.update(overrides)
    return payload


def test_it_admits_a_patient_at_the_planners_own_hospital(cast, api):
    response = api(cast.planner).post("/api/v1/admissions/", admission_payload(cast),
                                      format="json")
    assert response.status_code == 201, response.json()
    admission = Admission.objects.get()
    assert response["Location"].endswith(admission_url(admission))
    assert response["ETag"] == 'W/"1"'
    body = response.json()
    assert (body["hospital"], body["municipality"], body["reason"]) == (
        str(cast.unn.uuid), str(cast.tromso.uuid), "Hjerneslag")
    assert (body["ward"], body["ward_name"]) == ("SLAG", "Slag")  # its code and its name
    assert admission.ward == cast.stroke_unit
    assert body["notification_deadline"] is not None
    assert (admission.hospital, admission.is_rehabilitation_stay) == (cast.unn, True)
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, object_type="admission",
                                     object_id=str(admission.uuid), user=cast.planner).exists()


@pytest.mark.parametrize("member", ["ke_tromso", "coordinator"])
def test_it_refuses_an_admission_by_municipal_staff_and_writes_nothing(cast, api, member):
    before = rows()
    response = api(getattr(cast, member)).post(
        "/api/v1/admissions/", admission_payload(cast, hospital=str(cast.unn.uuid)),
        format="json")
    assert response.status_code == 403
    assert error(response)["code"] == "permission_denied"
    assert rows() == before


def test_it_refuses_an_admission_at_another_hospital(cast, api):
    nlsh, _planner = other_hospital(cast)
    before = rows()
    response = api(cast.planner).post(
        "/api/v1/admissions/", admission_payload(cast, hospital=str(nlsh.uuid)), format="json",
        HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    assert "Nordlandssykehuset Bodø" in error(response)["message"]
    assert rows() == before


def test_it_treats_a_patient_outside_scope_in_the_body_as_unknown(cast, api):
    before = rows()
    stranger = str(uuid.uuid4())
    response = api(cast.planner).post(
        "/api/v1/admissions/", admission_payload(cast, patient=str(cast.bodo_only.uuid)),
        format="json")
    unknown = api(cast.planner).post(
        "/api/v1/admissions/", admission_payload(cast, patient=stranger), format="json")
    assert response.status_code == unknown.status_code == 400
    assert list(error(response)["fields"]) == ["patient"]
    assert error(response)["fields"]["patient"] == [
        message.replace(stranger, str(cast.bodo_only.uuid))
        for message in error(unknown)["fields"]["patient"]]
    assert rows() == before


def test_it_refuses_a_second_open_admission_with_409_naming_the_patient(cast, api):
    admit(cast)
    before = rows()
    response = api(cast.planner).post("/api/v1/admissions/", admission_payload(cast),
                                      format="json")
    assert response.status_code == 409
    body = error(response)
    assert body["code"] == "already_admitted"
    assert list(body["fields"]) == ["patient"]
    assert rows() == before


@pytest.mark.parametrize(("change", "field"), [
    ({"admitted_at": iso(timezone.now() + datetime.timedelta(hours=3))}, "admitted_at"),
    ({"admitted_at": "2026-02-30T10:00:00+01:00"}, "admitted_at"),
    ({"estimated_discharge_date": "2020-01-01"}, "estimated_discharge_date"),
    ({"ward": ""}, "ward"),
    ({"municipality": "tromso"}, "municipality"),
])
def test_it_refuses_an_impossible_admission_naming_the_field(cast, api, change, field):
    before = rows()
    response = api(cast.planner).post("/api/v1/admissions/",
                                      admission_payload(cast, **change), format="json")
    assert response.status_code == 400
    assert list(error(response)["fields"]) == [field]
    assert rows() == before


def test_an_unknown_ward_is_a_400_naming_ward_and_writes_nothing(cast, api):
    nlsh, _planner = other_hospital(cast)
    before = rows()
    for ward in ("Slagenheten, nevrologisk avdeling", "MEDISIN",  # free text; Bodø's code
                 str(factories.ward(nlsh, "Medisin").uuid)):
        response = api(cast.planner).post("/api/v1/admissions/",
                                          admission_payload(cast, ward=ward), format="json")
        assert response.status_code == 400
        assert list(error(response)["fields"]) == ["ward"]
        assert error(response)["fields"]["ward"] == [
            f"UNN Tromsø har ingen avdeling med koden eller UUID-en «{ward}»."]
    assert rows() == before


def test_it_admits_to_a_ward_named_by_uuid_or_code_in_any_case(cast, api):
    by_uuid = api(cast.planner).post(
        "/api/v1/admissions/", admission_payload(cast, ward=str(cast.stroke_unit.uuid)),
        format="json")
    assert by_uuid.status_code == 201, by_uuid.json()
    assert (by_uuid.json()["ward"], by_uuid.json()["ward_name"]) == ("SLAG", "Slag")
    other = factories.patient(cast.planner, "Nils", "Nyvik", municipality=cast.tromso)
    by_code = api(cast.planner).post(
        "/api/v1/admissions/", admission_payload(cast, patient=str(other.uuid), ward=" slag "),
        format="json")
    assert by_code.status_code == 201, by_code.json()
    assert Admission.objects.get(patient=other).ward == cast.stroke_unit


def test_a_closed_ward_takes_no_new_admission(cast, api):
    closed = factories.ward(cast.unn, "Gammel post", active=False)
    before = rows()
    response = api(cast.planner).post("/api/v1/admissions/",
                                      admission_payload(cast, ward=closed.code), format="json")
    assert response.status_code == 400
    assert list(error(response)["fields"]) == ["ward"]
    assert rows() == before


def test_it_wants_the_patient_named_one_way_only(cast, api):
    client = api(cast.planner)
    neither = admission_payload(cast)
    del neither["patient"]
    both = admission_payload(cast, identity_number=cast.shared.identity_number)
    before = rows()
    assert list(error(client.post("/api/v1/admissions/", neither, format="json"))["fields"]) \
        == ["patient"]
    assert list(error(client.post("/api/v1/admissions/", both, format="json"))["fields"]) \
        == ["identity_number"]
    assert rows() == before


# --- create by identity number (EPJ systems) ---------------------------------------------------

def by_number(number, **fields) -> dict:
    return {"identity_number": number, "ward": "SLAG", "admitted_at": iso(ago(hours=1)),
            **fields}


def test_it_admits_a_patient_in_scope_found_by_identity_number(cast):
    response = api_client(cast.unn).post("/api/v1/admissions/",
                                     by_number(cast.shared.identity_number), format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["patient"] == str(cast.shared.uuid)
    assert Patient.objects.count() == 3


def test_it_registers_an_unknown_patient_from_the_admission(cast):
    number = factories.identity_number(datetime.date(1944, 6, 6))
    response = api_client(cast.unn).post("/api/v1/admissions/", by_number(
        number, given_name="Ingrid", family_name="Isaksen", municipality=str(cast.tromso.uuid),
    ), format="json")
    assert response.status_code == 201, response.json()
    patient = Patient.objects.get(identity_number=number)
    assert (patient.full_name, patient.birth_date, patient.municipality) == (
        "Ingrid Isaksen", datetime.date(1944, 6, 6), cast.tromso)
    assert response.json()["patient"] == str(patient.uuid)
    assert set(patient.care_relationships.values_list("organization__name", "reason")) == {
        ("UNN Tromsø", "registration"), ("UNN Tromsø", "admission"), ("Tromsø", "admission")}


def test_it_links_a_patient_registered_elsewhere_by_admitting_them(cast):
    client = api_client(cast.unn)
    assert client.get(f"/api/v1/patients/{cast.bodo_only.uuid}/").status_code == 404
    response = client.post("/api/v1/admissions/", by_number(
        cast.bodo_only.identity_number, given_name="Berit", family_name="Bakken"),
        format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["patient"], body["municipality"]) == (str(cast.bodo_only.uuid),
                                                       str(cast.bodo.uuid))
    # The admission is the care relationship: the hospital sees the patient from now on ...
    assert client.get(f"/api/v1/patients/{cast.bodo_only.uuid}/").status_code == 200
    # ... and the audit trail says how it came about.
    assert AuditEvent.objects.filter(
        action=AuditAction.SEARCH, patient_uuid=cast.bodo_only.uuid,
        detail="admission by identity number: linked by admission").exists()
    assert AuditEvent.objects.filter(object_type="care_relationship",
                                     patient_uuid=cast.bodo_only.uuid,
                                     detail="admission UNN Tromsø").exists()


def refusals(patient) -> list[str]:
    return list(AuditEvent.objects.filter(
        action=AuditAction.SEARCH, patient_uuid=patient.uuid,
        detail__startswith="admission by identity number refused").values_list(
        "detail", flat=True))


@pytest.mark.parametrize("names", [
    {"given_name": "Kari", "family_name": "Bakken"},  # a typo in the number: someone else
    {"given_name": "Berit", "family_name": "Olsen"},
])
def test_it_refuses_to_link_a_patient_whose_names_differ_naming_both_fields(cast, names):
    """A typo in an EPJ integration must not give the hospital a stranger's record: the
    refusal names both name fields (not which one differs), is audited, and writes nothing
    else."""
    client = api_client(cast.unn)
    before = rows()
    response = client.post("/api/v1/admissions/", by_number(
        cast.bodo_only.identity_number, **names), format="json")
    assert response.status_code == 400, response.json()
    assert set(error(response)["fields"]) == {"given_name", "family_name"}
    assert "Berit" not in response.content.decode()
    assert refusals(cast.bodo_only) == [
        "admission by identity number refused (linked by admission): family_name, given_name"]
    assert rows() == {**before, "AuditEvent": before["AuditEvent"] + 1}
    assert not CareRelationship.objects.filter(patient=cast.bodo_only,
                                               organization=cast.unn).exists()
    assert client.get(f"/api/v1/patients/{cast.bodo_only.uuid}/").status_code == 404


def test_it_links_a_patient_elsewhere_only_on_both_names(cast):
    client = api_client(cast.unn)
    before = rows()
    response = client.post("/api/v1/admissions/", by_number(cast.bodo_only.identity_number),
                           format="json")
    assert response.status_code == 400
    assert set(error(response)["fields"]) == {"given_name", "family_name"}
    assert refusals(cast.bodo_only) == [
        "admission by identity number refused (linked by admission): family_name, given_name"]
    assert rows() == {**before, "AuditEvent": before["AuditEvent"] + 1}


def test_it_checks_names_given_for_a_patient_in_scope_too(cast):
    client = api_client(cast.unn)
    wrong = client.post("/api/v1/admissions/", by_number(
        cast.shared.identity_number, given_name="Astrid", family_name="Aunet"), format="json")
    assert wrong.status_code == 400
    assert set(error(wrong)["fields"]) == {"given_name", "family_name"}
    assert not Admission.objects.exists()
    # Case, spacing, hyphens and diacritics do not count.
    right = client.post("/api/v1/admissions/", by_number(
        cast.shared.identity_number, given_name=" ÅSTRID ", family_name="aune"),
        format="json")
    assert right.status_code == 201, right.json()


def test_it_reveals_nothing_about_a_number_to_who_may_not_admit(cast, epj):
    """The Tromsø municipality's EPJ system may not admit: the answer is the same whether
    the number is registered (outside its scope) or not."""
    before = rows()
    known = epj.post("/api/v1/admissions/", by_number(
        cast.bodo_only.identity_number, hospital=str(cast.unn.uuid)), format="json")
    unknown = epj.post("/api/v1/admissions/", by_number(
        factories.identity_number(), hospital=str(cast.unn.uuid)), format="json")
    assert known.status_code == unknown.status_code == 403
    assert known.json() == unknown.json()
    assert "Bakken" not in known.content.decode()
    assert rows() == before


def test_it_names_what_is_missing_to_register_an_unknown_patient(cast):
    client = api_client(cast.unn)
    before = rows()
    response = client.post("/api/v1/admissions/", by_number(factories.identity_number()),
                           format="json")
    assert response.status_code == 400
    assert set(error(response)["fields"]) == {"given_name", "family_name", "municipality"}
    assert rows() == before


def test_it_refuses_a_birth_date_that_contradicts_the_number_when_registering(cast):
    client = api_client(cast.unn)
    before = rows()
    response = client.post("/api/v1/admissions/", by_number(
        factories.identity_number(datetime.date(1944, 6, 6)), given_name="Ingrid",
        family_name="Isaksen", birth_date="1944-06-07", municipality=str(cast.tromso.uuid)),
        format="json")
    assert response.status_code == 400
    assert list(error(response)["fields"]) == ["birth_date"]
    assert rows() == before


def test_it_registers_nothing_when_the_admission_itself_fails(cast):
    client = api_client(cast.unn)
    before = rows()
    response = client.post("/api/v1/admissions/", by_number(
        factories.identity_number(), given_name="Ola", family_name="Olsen",
        municipality=str(cast.tromso.uuid),
        admitted_at=iso(timezone.now() + datetime.timedelta(hours=2))), format="json")
    assert response.status_code == 400
    assert list(error(response)["fields"]) == ["admitted_at"]
    assert rows() == before


def test_it_refuses_an_invalid_identity_number_in_an_admission(cast):
    number = factories.identity_number()
    response = api_client(cast.unn).post("/api/v1/admissions/", by_number(number[:-1] + "x"),
                                     format="json")
    assert response.status_code == 400
    assert list(error(response)["fields"]) == ["identity_number"]


# --- partial update ----------------------------------------------------------------------------

def test_it_updates_an_admission_when_if_match_names_the_current_version(cast, api):
    admission = admit(cast)
    rehab = factories.ward(cast.unn, "Rehab")
    tomorrow = (local_date(timezone.now()) + datetime.timedelta(days=1)).isoformat()
    response = api(cast.planner).patch(
        admission_url(admission), {"ward": "rehab", "estimated_discharge_date": tomorrow},
        format="json", HTTP_IF_MATCH='W/"1"')
    assert response.status_code == 200, response.json()
    assert response["ETag"] == 'W/"2"'
    assert (response.json()["ward"], response.json()["estimated_discharge_date"]) == (
        "REHAB", tomorrow)
    admission.refresh_from_db()
    assert (admission.ward, admission.version) == (rehab, 2)


def test_it_moves_an_admission_to_a_ward_named_by_uuid_and_refuses_another_hospitals(
        cast, api):
    admission = admit(cast)
    rehab = factories.ward(cast.unn, "Rehab")
    nlsh, _planner = other_hospital(cast)
    before = rows()
    elsewhere = api(cast.planner).patch(
        admission_url(admission), {"ward": str(factories.ward(nlsh, "Medisin").uuid)},
        format="json", HTTP_IF_MATCH='W/"1"')
    assert elsewhere.status_code == 400
    assert list(error(elsewhere)["fields"]) == ["ward"]
    assert rows() == before
    moved = api(cast.planner).patch(admission_url(admission), {"ward": str(rehab.uuid)},
                                    format="json", HTTP_IF_MATCH='W/"1"')
    assert moved.status_code == 200, moved.json()
    assert (moved.json()["ward"], moved.json()["ward_name"]) == ("REHAB", "Rehab")


def test_it_requires_if_match_to_change_an_admission(cast, api):
    admission = admit(cast)
    before = rows()
    response = api(cast.planner).patch(admission_url(admission), {"ward": "SLAG"},
                                       format="json")
    assert response.status_code == 428
    assert error(response)["code"] == "precondition_required"
    assert rows() == before


def test_it_refuses_a_stale_if_match_with_412_and_the_current_etag(cast, api):
    admission = admit(cast)
    rehab = factories.ward(cast.unn, "Rehab")
    services.update_admission(admission, by=cast.planner, expected_version=1, ward=rehab)
    before = rows()
    response = api(cast.planner).patch(admission_url(admission), {"ward": "SLAG"},
                                       format="json", HTTP_IF_MATCH='W/"1"')
    assert response.status_code == 412
    assert response["ETag"] == 'W/"2"'
    assert rows() == before
    admission.refresh_from_db()
    assert admission.ward == rehab


def test_it_lets_only_the_hospital_change_an_admission(cast, api):
    admission = admit(cast)
    before = rows()
    municipal = api(cast.ke_tromso).patch(admission_url(admission), {"ward": "SLAG"},
                                          format="json", HTTP_IF_MATCH='W/"1"')
    outsider = api(cast.ke_bodo).patch(admission_url(admission), {"ward": "SLAG"},
                                       format="json", HTTP_IF_MATCH='W/"1"')
    assert (municipal.status_code, outsider.status_code) == (403, 404)
    assert rows() == before


def test_it_refuses_to_change_a_closed_admission(cast, api):
    admission = admit(cast)
    admission = services.discharge_patient(admission, by=cast.planner, destination="home")
    before = rows()
    response = api(cast.planner).patch(admission_url(admission), {"ward": "SLAG"},
                                       format="json",
                                       HTTP_IF_MATCH=f'W/"{admission.version}"')
    assert response.status_code == 409
    assert error(response)["code"] == "closed"
    assert rows() == before


def test_it_refuses_an_estimated_discharge_before_the_admission(cast, api):
    admission = admit(cast, hours_ago=30)
    before = rows()
    response = api(cast.planner).patch(
        admission_url(admission), {"estimated_discharge_date": "2020-01-01"}, format="json",
        HTTP_IF_MATCH='W/"1"')
    assert response.status_code == 400
    assert list(error(response)["fields"]) == ["estimated_discharge_date"]
    assert rows() == before


def test_it_offers_no_put_or_delete_on_admissions(cast, api):
    admission = admit(cast)
    client = api(cast.planner)
    assert client.put(admission_url(admission), {}, format="json").status_code == 405
    assert client.delete(admission_url(admission)).status_code == 405


# --- discharge, transfer, death ----------------------------------------------------------------

def test_it_discharges_with_destination_level_and_checklist(cast, api):
    admission = admit(cast, hours_ago=30)
    response = api(cast.planner).post(admission_url(admission, "discharge"), {
        "destination": "municipal_rehabilitation", "discharge_level": "3",
        "discharged_at": iso(ago(hours=1)), "interdisciplinary_report_ready": True,
        "epicrisis_ready": True,
    }, format="json",
        HTTP_IF_MATCH=etag(admission))
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["discharge_destination"], body["discharge_level"]) == (
        "discharged", "municipal_rehabilitation", "3")
    assert body["interdisciplinary_report_ready"] and body["epicrisis_ready"]
    assert response["ETag"] == f'W/"{body["version"]}"'


def test_it_refuses_a_discharge_before_the_admission_and_writes_nothing(cast, api):
    admission = admit(cast, hours_ago=2)
    before = rows()
    response = api(cast.planner).post(admission_url(admission, "discharge"), {
        "destination": "home", "discharged_at": iso(ago(hours=5))}, format="json",
        HTTP_ACCEPT_LANGUAGE="en", HTTP_IF_MATCH=etag(admission))
    assert response.status_code == 400
    assert error(response)["fields"] == {
        "discharged_at": ["Discharge cannot come before admission."]}
    assert rows() == before
    admission.refresh_from_db()
    assert admission.status == AdmissionStatus.ADMITTED


@pytest.mark.parametrize(("payload", "field"), [
    ({"destination": "municipal_rehabilitation"}, "discharge_level"),
    ({"destination": "municipal_rehabilitation", "discharge_level": "5.1"}, "discharge_level"),
    ({"destination": "moon"}, "destination"),
    ({"destination": "home", "discharged_at": "2026-13-01T10:00:00Z"}, "discharged_at"),
    ({"destination": "home", "discharge_level": "9"}, "discharge_level"),
])
def test_it_refuses_an_impossible_discharge_naming_the_field(cast, api, payload, field):
    admission = admit(cast)
    before = rows()
    response = api(cast.planner).post(admission_url(admission, "discharge"), payload,
                                      format="json", HTTP_IF_MATCH=etag(admission))
    assert response.status_code == 400
    assert list(error(response)["fields"]) == [field]
    assert rows() == before


def test_it_lets_only_the_hospital_discharge(cast, api, epj):
    admission = admit(cast)
    before = rows()
    for client in (api(cast.ke_tromso), api(cast.coordinator), epj):
        response = client.post(admission_url(admission, "discharge"), {"destination": "home"},
                               format="json", HTTP_IF_MATCH=etag(admission))
        assert response.status_code == 403
    assert api(cast.ke_bodo).post(admission_url(admission, "discharge"),
                                  {"destination": "home"}, format="json",
                                  HTTP_IF_MATCH=etag(admission)).status_code == 404
    assert rows() == before


def test_it_refuses_to_discharge_twice_with_409(cast, api):
    admission = admit(cast)
    client = api(cast.planner)
    assert client.post(admission_url(admission, "discharge"), {"destination": "home"},
                       format="json", HTTP_IF_MATCH=etag(admission)).status_code == 200
    before = rows()
    response = client.post(admission_url(admission, "discharge"), {"destination": "home"},
                           format="json", HTTP_IF_MATCH=etag(admission))
    assert response.status_code == 409
    assert error(response)["code"] == "invalid_transition"
    assert rows() == before


def test_it_lets_the_hospitals_epj_system_discharge(cast):
    admission = admit(cast)
    response = api_client(cast.unn).post(admission_url(admission, "discharge"),
                                     {"destination": "home"}, format="json",
                                     HTTP_IF_MATCH=etag(admission))
    assert response.status_code == 200


def test_it_transfers_to_another_hospital_answering_with_the_new_admission(cast, api):
    nlsh, _planner = other_hospital(cast)
    admission = admit(cast, hours_ago=10)
    response = api(cast.planner).post(admission_url(admission, "transfer"), {
        "to_hospital": str(nlsh.uuid), "ward": "medisin", "at": iso(ago(hours=1))},
        format="json", HTTP_IF_MATCH=etag(admission))
    assert response.status_code == 201, response.json()
    new = Admission.objects.get(hospital=nlsh)
    assert response["Location"].endswith(admission_url(new))
    body = response.json()
    assert (body["uuid"], body["transferred_from"], body["status"]) == (
        str(new.uuid), str(admission.uuid), "admitted")
    admission.refresh_from_db()
    assert admission.status == AdmissionStatus.TRANSFERRED


@pytest.mark.parametrize(("payload", "field"), [
    (lambda cast, nlsh: {"to_hospital": str(cast.unn.uuid), "ward": "SLAG"}, "to_hospital"),
    (lambda cast, nlsh: {"to_hospital": str(cast.tromso.uuid), "ward": "X"}, "to_hospital"),
    (lambda cast, nlsh: {"to_hospital": str(nlsh.uuid), "ward": "MEDISIN",
                         "at": iso(ago(days=3))}, "at"),
    (lambda cast, nlsh: {"to_hospital": str(nlsh.uuid), "ward": "MEDISIN",
                         "at": iso(timezone.now() + datetime.timedelta(days=1))}, "at"),
    (lambda cast, nlsh: {"to_hospital": str(nlsh.uuid)}, "ward"),
    # The receiving hospital has no such ward (UNN's stroke unit is not Bodø's).
    (lambda cast, nlsh: {"to_hospital": str(nlsh.uuid), "ward": "SLAG"}, "ward"),
])
def test_it_refuses_an_impossible_transfer_naming_the_field(cast, api, payload, field):
    nlsh, _planner = other_hospital(cast)
    admission = admit(cast)
    before = rows()
    response = api(cast.planner).post(admission_url(admission, "transfer"),
                                      payload(cast, nlsh), format="json",
                                      HTTP_IF_MATCH=etag(admission))
    assert response.status_code == 400
    assert list(error(response)["fields"]) == [field]
    assert rows() == before


def test_it_refuses_a_transfer_to_a_hospital_where_the_patient_already_lies(cast, api):
    nlsh, nlsh_planner = other_hospital(cast)
    admit(cast, by=nlsh_planner, hospital=nlsh)
    admission = admit(cast)
    before = rows()
    response = api(cast.planner).post(admission_url(admission, "transfer"),
                                      {"to_hospital": str(nlsh.uuid), "ward": "MEDISIN"},
                                      format="json", HTTP_IF_MATCH=etag(admission))
    assert response.status_code == 409
    assert (error(response)["code"], list(error(response)["fields"])) == (
        "already_admitted", ["to_hospital"])
    assert rows() == before


def test_it_lets_only_the_hospital_transfer(cast, api):
    nlsh, _planner = other_hospital(cast)
    admission = admit(cast)
    before = rows()
    response = api(cast.ke_tromso).post(admission_url(admission, "transfer"),
                                        {"to_hospital": str(nlsh.uuid), "ward": "MEDISIN"},
                                        format="json", HTTP_IF_MATCH=etag(admission))
    assert response.status_code == 403
    assert rows() == before


def test_it_records_a_death(cast, api):
    admission = admit(cast, hours_ago=10)
    response = api(cast.planner).post(admission_url(admission, "death"),
                                      {"died_at": iso(ago(hours=1))}, format="json",
                                      HTTP_IF_MATCH=etag(admission))
    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["discharge_destination"]) == (
        "deceased", "deceased")
    assert Notification.objects.filter(recipient=cast.ke_tromso,
                                       kind="admission.deceased").exists()


@pytest.mark.parametrize("died_at", [
    lambda: iso(ago(hours=20)), lambda: iso(timezone.now() + datetime.timedelta(hours=1)),
    lambda: "", lambda: "2026-02-29T10:00:00Z",
])
def test_it_refuses_an_impossible_time_of_death(cast, api, died_at):
    admission = admit(cast, hours_ago=10)
    before = rows()
    response = api(cast.planner).post(admission_url(admission, "death"),
                                      {"died_at": died_at()}, format="json",
                                      HTTP_IF_MATCH=etag(admission))
    assert response.status_code == 400
    assert list(error(response)["fields"]) == ["died_at"]
    assert rows() == before


def test_it_lets_only_the_hospital_record_a_death(cast, api):
    admission = admit(cast)
    before = rows()
    assert api(cast.ke_tromso).post(admission_url(admission, "death"),
                                    {"died_at": iso(ago(minutes=5))},
                                    format="json", HTTP_IF_MATCH=etag(admission)).status_code == 403
    assert api(cast.ke_bodo).post(admission_url(admission, "death"),
                                  {"died_at": iso(ago(minutes=5))},
                                  format="json", HTTP_IF_MATCH=etag(admission)).status_code == 404
    assert rows() == before


def test_it_refuses_malformed_json_on_a_step_naming_the_body(cast, api):
    admission = admit(cast)
    before = rows()
    response = api(cast.planner).post(admission_url(admission, "discharge"),
                                      '{"destination": "home",',
                                      content_type="application/json",
                                      HTTP_IF_MATCH=etag(admission))
    assert response.status_code == 400
    assert (error(response)["code"], list(error(response)["fields"])) == (
        "parse_error", ["body"])
    assert rows() == before


# --- the whole pathway over the API ------------------------------------------------------------

def test_it_walks_the_pathway_from_admission_to_the_statement(cast, api):
    # The agreement gives the ward four days for the notice: the one below is on time.
    CooperationAgreement.objects.create(health_trust=cast.unn_hf, municipality=cast.tromso,
                                        early_notification_hours=96)
    for year in {ago(days=3).year, timezone.now().year}:
        DailyRate.objects.update_or_create(year=year, defaults={"amount": 6000})
    ward, ke = api(cast.planner), api(cast.ke_tromso)
    admitted_at = ago(days=3)

    admitted = ward.post("/api/v1/admissions/", admission_payload(
        cast, admitted_at=iso(admitted_at)), format="json")
    assert admitted.status_code == 201, admitted.json()
    admission = admitted.json()["uuid"]

    sent = ward.post("/api/v1/early-notifications/", {
        "admission": admission, "expected_course": "Hjerneslag, bedring forventet",
        "requests_individual_plan": True}, format="json")
    assert sent.status_code == 201, sent.json()
    assert (sent.json()["late"], sent.json()["message_status"]) == (False, "new")

    acknowledged = ke.post(f"/api/v1/early-notifications/{sent.json()['uuid']}/acknowledge/")
    assert acknowledged.status_code == 200
    assert acknowledged.json()["acknowledged_by"] == "Kåre Tromsø"

    declared_at = ago(days=2)
    declared = ward.post(f"/api/v1/admissions/{admission}/ready-for-discharge/", {
        "physician": "Dr. Lege", "declared_at": iso(declared_at),
        "health_information_sent": True}, format="json", HTTP_IF_MATCH=admitted["ETag"])
    assert declared.status_code == 201, declared.json()

    expected = (local_date(timezone.now()) + datetime.timedelta(days=3)).isoformat()
    answered = ke.post(f"/api/v1/admissions/{admission}/municipal-answer/", {
        "kind": "cannot_yet", "expected_date": expected, "comment": "Ingen ledig plass"},
        format="json")
    assert answered.status_code == 201, answered.json()

    discharged = ward.post(f"/api/v1/admissions/{admission}/discharge/", {
        "destination": "home_with_services", "epicrisis_ready": True}, format="json",
        HTTP_IF_MATCH=declared["ETag"])  # the step answered with the admission's new ETag
    assert discharged.status_code == 200, discharged.json()

    body = ke.get(f"/api/v1/admissions/{admission}/").json()
    assert body["status"] == "discharged"
    assert body["latest_notice"]["acknowledged_by"] == "Kåre Tromsø"
    assert body["ready_for_discharge"]["answers"][0]["kind"] == "cannot_yet"
    # From and including the declaration day, up to (not including) the discharge day.
    days = (local_date(timezone.now()) - local_date(declared_at)).days
    statement = body["statement"]
    assert statement["billable_days"] == days == len(statement["lines"])
    assert statement["total"] == str(6000 * days)
    assert statement["missing_rate_years"] == []
    assert statement["lines"][0]["date"] == local_date(declared_at).isoformat()
    assert all(line["billable"] and line["declaration"] == declared.json()["uuid"]
               for line in statement["lines"])
