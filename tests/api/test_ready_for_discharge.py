"""Ready for discharge over the API: the hospital declares and withdraws, the responsible
municipality answers, and the admission shows the day-by-day statement."""

import datetime

import pytest
from django.utils import timezone

from pathways import services
from pathways.deadlines import local_date
from pathways.models import AdmissionStatus, DailyRate, MunicipalAnswer, ReadyForDischarge
from registry.models import AuditAction, AuditEvent, Notification
from tests.factories import admit, api_client, ready_for_discharge

from .support import error
from .test_admissions import admission_url, ago, etag, iso, rows

# --- declare -----------------------------------------------------------------------------------

def test_it_declares_the_patient_ready_and_tells_the_municipality(cast, api):
    admission = admit(cast)
    response = api(cast.planner).post(admission_url(admission, "ready-for-discharge"),
                                      {"physician": "Dr. Lege",
                                       "health_information_sent": True}, format="json",
                                       HTTP_IF_MATCH=etag(admission))
    assert response.status_code == 201, response.json()
    body = response.json()
    declaration = ReadyForDischarge.objects.get()
    assert (body["uuid"], body["admission"], body["physician"], body["answers"]) == (
        str(declaration.uuid), str(admission.uuid), "Dr. Lege", [])
    assert body["health_information_sent"] is True
    admission.refresh_from_db()
    assert admission.status == AdmissionStatus.READY_FOR_DISCHARGE
    assert Notification.objects.filter(recipient=cast.ke_tromso,
                                       kind="ready_for_discharge.declared").exists()


def test_it_lets_the_hospitals_epj_system_declare(cast):
    admission = admit(cast)
    response = api_client(cast.unn).post(admission_url(admission, "ready-for-discharge"),
                                     {"physician": "Dr. Lege"}, format="json",
                                     HTTP_IF_MATCH=etag(admission))
    assert response.status_code == 201


def test_it_lets_only_the_hospital_declare(cast, api, epj):
    admission = admit(cast)
    before = rows()
    for client in (api(cast.ke_tromso), api(cast.coordinator), epj):
        response = client.post(admission_url(admission, "ready-for-discharge"),
                               {"physician": "Dr. Lege"}, format="json",
                               HTTP_IF_MATCH=etag(admission))
        assert response.status_code == 403
        assert error(response)["code"] == "permission_denied"
    response = api(cast.ke_bodo).post(admission_url(admission, "ready-for-discharge"),
                                      {"physician": "Dr. Lege"}, format="json",
                                      HTTP_IF_MATCH=etag(admission))
    assert response.status_code == 404
    assert rows() == before


@pytest.mark.parametrize(("payload", "field"), [
    ({}, "physician"),
    ({"physician": "   "}, "physician"),
    ({"physician": "Dr. Lege", "declared_at": "2026-11-31T10:00:00Z"}, "declared_at"),
    ({"physician": "Dr. Lege", "declared_at": "yesterday"}, "declared_at"),
])
def test_it_refuses_an_invalid_declaration_naming_the_field(cast, api, payload, field):
    admission = admit(cast)
    before = rows()
    response = api(cast.planner).post(admission_url(admission, "ready-for-discharge"),
                                      payload, format="json", HTTP_IF_MATCH=etag(admission))
    assert response.status_code == 400
    assert list(error(response)["fields"]) == [field]
    assert rows() == before


@pytest.mark.parametrize("declared_at", [
    lambda: ago(hours=5),  # before the admission two hours ago
    lambda: timezone.now() + datetime.timedelta(hours=2),
])
def test_it_refuses_a_declaration_at_an_impossible_time(cast, api, declared_at):
    admission = admit(cast)
    before = rows()
    response = api(cast.planner).post(admission_url(admission, "ready-for-discharge"),
                                      {"physician": "Dr. Lege",
                                       "declared_at": iso(declared_at())}, format="json",
                                       HTTP_IF_MATCH=etag(admission))
    assert response.status_code == 400
    assert list(error(response)["fields"]) == ["declared_at"]
    assert rows() == before


def test_it_refuses_a_second_declaration_with_409(cast, api):
    admission = admit(cast)
    ready_for_discharge(cast, admission)
    before = rows()
    response = api(cast.planner).post(admission_url(admission, "ready-for-discharge"),
                                      {"physician": "Dr. Lege"}, format="json",
                                      HTTP_ACCEPT_LANGUAGE="en", HTTP_IF_MATCH=etag(admission))
    assert response.status_code == 409
    body = error(response)
    assert (body["code"], list(body["fields"])) == ("invalid_transition", ["status"])
    assert "ready for discharge" in body["message"]
    assert rows() == before


# --- withdraw (avmelding) ----------------------------------------------------------------------

def test_it_withdraws_the_declaration(cast, api):
    admission = admit(cast, hours_ago=30)
    declaration = ready_for_discharge(cast, admission)
    response = api(cast.planner).post(admission_url(admission, "withdraw-ready"),
                                      {"reason": "Feber"}, format="json",
                                      HTTP_IF_MATCH=etag(admission))
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["uuid"], body["withdrawal_reason"], body["withdrawn_by"]) == (
        str(declaration.uuid), "Feber", "Pia Planlegger")
    admission.refresh_from_db()
    assert admission.status == AdmissionStatus.ADMITTED


def test_it_lets_only_the_hospital_withdraw(cast, api):
    admission = admit(cast)
    ready_for_discharge(cast, admission)
    before = rows()
    assert api(cast.ke_tromso).post(admission_url(admission, "withdraw-ready"), {},
                                    format="json", HTTP_IF_MATCH=etag(admission)).status_code == 403
    assert api(cast.ke_bodo).post(admission_url(admission, "withdraw-ready"), {},
                                  format="json", HTTP_IF_MATCH=etag(admission)).status_code == 404
    assert rows() == before


def test_it_refuses_to_withdraw_what_was_not_declared_with_409(cast, api):
    admission = admit(cast)
    before = rows()
    response = api(cast.planner).post(admission_url(admission, "withdraw-ready"), {},
                                      format="json", HTTP_IF_MATCH=etag(admission))
    assert response.status_code == 409
    assert error(response)["code"] == "invalid_transition"
    assert rows() == before


@pytest.mark.parametrize("at", [
    lambda: ago(days=2),  # before the declaration
    lambda: timezone.now() + datetime.timedelta(hours=3),
])
def test_it_refuses_a_withdrawal_at_an_impossible_time(cast, api, at):
    admission = admit(cast, hours_ago=80)
    ready_for_discharge(cast, admission, days_ago=1)
    before = rows()
    response = api(cast.planner).post(admission_url(admission, "withdraw-ready"),
                                      {"at": iso(at())}, format="json",
                                      HTTP_IF_MATCH=etag(admission))
    assert response.status_code == 400
    assert list(error(response)["fields"]) == ["at"]
    assert rows() == before


# --- the municipality's answer -----------------------------------------------------------------

def answer_url(admission):
    return admission_url(admission, "municipal-answer")


def tomorrow() -> str:
    return (local_date(timezone.now()) + datetime.timedelta(days=1)).isoformat()


def test_it_records_the_municipalitys_answer_and_tells_the_ward(cast, api):
    admission = admit(cast)
    ready_for_discharge(cast, admission)
    response = api(cast.ke_tromso).post(answer_url(admission), {
        "kind": "can_receive", "receive_on": tomorrow(), "comment": "Korttidsplass"},
        format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["kind"], body["receive_on"], body["answered_by"]) == (
        "can_receive", tomorrow(), "Kåre Tromsø")
    assert MunicipalAnswer.objects.get().uuid.hex == body["uuid"].replace("-", "")
    assert Notification.objects.filter(recipient=cast.planner,
                                       kind="ready_for_discharge.answered").exists()


def test_it_lets_the_municipalitys_epj_system_answer(cast, epj):
    admission = admit(cast)
    ready_for_discharge(cast, admission)
    response = epj.post(answer_url(admission), {"kind": "cannot_yet",
                                                "expected_date": tomorrow()}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["answered_by"] == "Gerica Tromsø"


def test_it_refuses_an_answer_for_another_municipality(cast, api):
    """Tromsø's KE sees the patient (resident in Tromsø), but Bodø answers for this stay."""
    admission = admit(cast, municipality=cast.bodo)
    ready_for_discharge(cast, admission)
    before = rows()
    response = api(cast.ke_tromso).post(answer_url(admission), {
        "kind": "cannot_yet", "expected_date": tomorrow()}, format="json",
        HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    assert error(response)["message"] == (
        "Only the coordinating unit of Bodø may answer for it.")
    assert rows() == before


def test_it_lets_neither_the_hospital_nor_a_coordinator_answer(cast, api):
    admission = admit(cast)
    ready_for_discharge(cast, admission)
    before = rows()
    for member in ("planner", "coordinator"):
        response = api(getattr(cast, member)).post(answer_url(admission), {
            "kind": "cannot_yet"}, format="json")
        assert response.status_code == 403
    assert api(cast.ke_bodo).post(answer_url(admission), {"kind": "cannot_yet"},
                                  format="json").status_code == 404
    assert rows() == before


def test_it_refuses_an_answer_when_nothing_is_declared_with_409(cast, api):
    admission = admit(cast)
    before = rows()
    response = api(cast.ke_tromso).post(answer_url(admission), {"kind": "cannot_yet"},
                                        format="json")
    assert response.status_code == 409
    assert error(response)["code"] == "not_ready"
    assert rows() == before


def test_it_refuses_an_answer_after_withdrawal_with_409(cast, api):
    admission = admit(cast)
    ready_for_discharge(cast, admission)
    services.withdraw_ready_for_discharge(admission, by=cast.planner)
    before = rows()
    response = api(cast.ke_tromso).post(answer_url(admission), {"kind": "cannot_yet"},
                                        format="json")
    assert response.status_code == 409
    assert rows() == before


@pytest.mark.parametrize(("payload", "field"), [
    ({"kind": "can_receive"}, "receive_on"),
    ({"kind": "cannot_yet", "receive_on": "TOMORROW"}, "receive_on"),
    ({"kind": "can_receive", "receive_on": "2026-02-30"}, "receive_on"),
    ({"kind": "maybe"}, "kind"),
    ({"kind": "cannot_yet", "comment": "x" * 501}, "comment"),
])
def test_it_refuses_an_invalid_answer_naming_the_field(cast, api, payload, field):
    admission = admit(cast)
    ready_for_discharge(cast, admission)
    payload = {k: (tomorrow() if v == "TOMORROW" else v) for k, v in payload.items()}
    before = rows()
    response = api(cast.ke_tromso).post(answer_url(admission), payload, format="json")
    assert response.status_code == 400
    assert list(error(response)["fields"]) == [field]
    assert rows() == before


@pytest.mark.parametrize("field", ["receive_on", "expected_date"])
def test_it_refuses_an_answer_dated_before_the_declaration(cast, api, field):
    admission = admit(cast, hours_ago=80)
    ready_for_discharge(cast, admission, days_ago=1)
    kind = "can_receive" if field == "receive_on" else "cannot_yet"
    long_ago = (local_date(timezone.now()) - datetime.timedelta(days=3)).isoformat()
    before = rows()
    response = api(cast.ke_tromso).post(answer_url(admission), {"kind": kind,
                                                                field: long_ago},
                                        format="json")
    assert response.status_code == 400
    assert list(error(response)["fields"]) == [field]
    assert rows() == before


# --- what the admission shows ------------------------------------------------------------------

def test_it_shows_the_declaration_in_force_with_its_answers(cast, api):
    admission = admit(cast, hours_ago=80)
    declaration = ready_for_discharge(cast, admission, days_ago=1)
    services.answer_ready_for_discharge(declaration, by=cast.ke_tromso, kind="cannot_yet")
    services.answer_ready_for_discharge(declaration, by=cast.ke_tromso, kind="can_receive",
                                        receive_on=local_date(timezone.now()))
    body = api(cast.planner).get(admission_url(admission)).json()
    assert body["status"] == "ready_for_discharge"
    shown = body["ready_for_discharge"]
    assert shown["uuid"] == str(declaration.uuid)
    assert [a["kind"] for a in shown["answers"]] == ["cannot_yet", "can_receive"]


def test_it_states_every_day_with_its_reason_and_the_missing_rates(cast, api):
    admission = admit(cast, hours_ago=24 * 6)
    first = ready_for_discharge(cast, admission, days_ago=5)
    services.withdraw_ready_for_discharge(admission, by=cast.planner,
                                          at=timezone.now() - datetime.timedelta(days=4))
    second = ready_for_discharge(cast, admission, days_ago=2)
    services.answer_ready_for_discharge(second, by=cast.ke_tromso, kind="cannot_yet")
    DailyRate.objects.filter(year=timezone.now().year).delete()

    response = api(cast.ke_tromso).get(admission_url(admission), HTTP_ACCEPT_LANGUAGE="en")
    statement = response.json()["statement"]
    today = local_date(timezone.now())
    withdrawn_at = ReadyForDischarge.objects.get(pk=first.pk).withdrawn_at
    first_days = (local_date(withdrawn_at) - local_date(first.declared_at)).days
    second_days = (today - local_date(second.declared_at)).days + 1  # open: through today
    assert statement["billable_days"] == first_days + second_days
    assert [line["declaration"] for line in statement["lines"]] == (
        [str(first.uuid)] * first_days + [str(second.uuid)] * second_days)
    assert statement["lines"][-1]["date"] == today.isoformat()
    assert statement["lines"][-1]["reason"] == "The municipality cannot receive the patient yet."
    assert statement["lines"][0]["reason"] == "No answer from the municipality."
    assert today.year in statement["missing_rate_years"]
    assert statement["lines"][-1]["rate"] is None


def test_it_audits_the_read_of_the_statement_as_a_read_of_the_admission(cast, api):
    admission = admit(cast)
    ready_for_discharge(cast, admission)
    api(cast.ke_tromso).get(admission_url(admission))
    assert AuditEvent.objects.filter(user=cast.ke_tromso, action=AuditAction.VIEW,
                                     object_type="admission",
                                     object_id=str(admission.uuid)).count() == 1
