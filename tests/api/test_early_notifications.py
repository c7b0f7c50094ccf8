"""Early notifications over the API: the hospital sends (or drafts), the municipality
acknowledges once, everyone in scope reads the version history; nothing else gets through."""

import datetime
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pathways import services
from pathways.models import EarlyNotification, NoticeState
from registry.models import AuditAction, AuditEvent, Notification
from tests.factories import admit, api_client, early_notification

from .support import error
from .test_admissions import ago, iso, other_hospital, rows

NOTICES = "/api/v1/early-notifications/"


def notice_url(notice, step="") -> str:
    return f"{NOTICES}{notice.uuid}/" + (f"{step}/" if step else "")


# --- send --------------------------------------------------------------------------------------

def test_it_sends_the_first_notice_and_tells_the_municipality(cast, api):
    admission = admit(cast)
    response = api(cast.planner).post(NOTICES, {
        "admission": str(admission.uuid), "expected_course": "Bedring", "barthel_index": 60,
        "proposed_level": "3"}, format="json")
    assert response.status_code == 201, response.json()
    notice = EarlyNotification.objects.get()
    assert response["Location"].endswith(notice_url(notice))
    body = response.json()
    assert (body["sequence"], body["message_status"], body["state"], body["late"]) == (
        1, "new", "sent", False)
    assert (body["admission"], body["patient"], body["proposed_level"]) == (
        str(admission.uuid), str(cast.shared.uuid), "3")
    assert body["sent_by"] == "Pia Planlegger"
    assert datetime.datetime.fromisoformat(body["deadline"]) == admission.notification_deadline
    assert body["acknowledged_at"] is None and body["acknowledged_by"] is None
    assert Notification.objects.filter(recipient=cast.ke_tromso,
                                       kind="early_notification.new").exists()


def test_it_sends_a_notice_with_no_content_at_all(cast, api):
    """Never block sending on a field the sender cannot know yet (DOMAIN.md)."""
    admission = admit(cast)
    response = api(cast.planner).post(NOTICES, {"admission": str(admission.uuid)},
                                      format="json")
    assert response.status_code == 201, response.json()


def test_it_marks_a_first_notice_after_the_deadline_late(cast, api):
    admission = admit(cast, hours_ago=30)
    response = api(cast.planner).post(NOTICES, {"admission": str(admission.uuid)},
                                      format="json")
    assert response.json()["late"] is True


def test_it_lets_the_hospitals_epj_system_send(cast):
    admission = admit(cast)
    response = api_client(cast.unn, "DIPS UNN").post(NOTICES, {"admission": str(admission.uuid)},
                                                 format="json")
    assert response.status_code == 201
    assert response.json()["sent_by"] == "DIPS UNN"


def test_it_sends_a_later_version_as_a_change_and_cancels_only_when_asked(cast, api):
    admission = admit(cast)
    early_notification(cast, admission)
    client = api(cast.planner)
    response = client.post(NOTICES, {"admission": str(admission.uuid),
                                     "estimated_discharge_date": (
                                         timezone.localdate() + datetime.timedelta(days=4)
                                     ).isoformat()}, format="json")
    assert response.status_code == 201, response.json()
    assert (response.json()["sequence"], response.json()["message_status"]) == (2, "change")
    before = rows()
    response = client.post(NOTICES, {"admission": str(admission.uuid),
                                     "message_status": "new"}, format="json")
    assert response.status_code == 400
    assert list(error(response)["fields"]) == ["message_status"]
    assert rows() == before
    response = client.post(NOTICES, {"admission": str(admission.uuid),
                                     "message_status": "cancel"}, format="json")
    assert response.status_code == 201, response.json()
    assert (response.json()["sequence"], response.json()["message_status"]) == (3, "cancel")


@pytest.mark.parametrize("member", ["ke_tromso", "coordinator"])
def test_it_lets_no_municipal_staff_send(cast, api, member):
    admission = admit(cast)
    before = rows()
    response = api(getattr(cast, member)).post(NOTICES, {"admission": str(admission.uuid)},
                                               format="json")
    assert response.status_code == 403
    assert rows() == before


def test_it_refuses_a_notice_for_another_hospitals_patient(cast, api):
    """The planner at Nordlandssykehuset can see the patient (an earlier stay there), but the
    admission is UNN's: only UNN's planners notify for it."""
    nlsh, nlsh_planner = other_hospital(cast)
    earlier = admit(cast, by=nlsh_planner, hospital=nlsh, hours_ago=200)
    services.discharge_patient(earlier, by=nlsh_planner, destination="home",
                               discharged_at=ago(hours=150))
    admission = admit(cast)
    client = api(nlsh_planner)
    assert client.get(f"/api/v1/admissions/{admission.uuid}/").status_code == 200
    before = rows()
    response = client.post(NOTICES, {"admission": str(admission.uuid),
                                     "expected_course": "x"}, format="json",
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    assert error(response)["message"] == (
        "Only discharge planners at UNN Tromsø may do this for this admission.")
    assert rows() == before


def test_it_treats_an_admission_outside_scope_in_the_body_as_unknown(cast, api):
    admission = admit(cast)
    stranger = str(uuid.uuid4())
    before = rows()
    outside = api(cast.ke_bodo).post(NOTICES, {"admission": str(admission.uuid)},
                                     format="json")
    unknown = api(cast.ke_bodo).post(NOTICES, {"admission": stranger}, format="json")
    assert outside.status_code == unknown.status_code == 400
    assert list(error(outside)["fields"]) == ["admission"]
    assert error(outside)["fields"]["admission"] == [
        message.replace(stranger, str(admission.uuid))
        for message in error(unknown)["fields"]["admission"]]
    assert rows() == before


def test_it_refuses_a_notice_for_a_closed_admission_with_409(cast, api):
    admission = admit(cast)
    services.discharge_patient(admission, by=cast.planner, destination="home")
    before = rows()
    response = api(cast.planner).post(NOTICES, {"admission": str(admission.uuid)},
                                      format="json")
    assert response.status_code == 409
    assert error(response)["code"] == "closed"
    assert rows() == before


@pytest.mark.parametrize(("content", "field"), [
    ({"estimated_discharge_date": "2020-01-01"}, "estimated_discharge_date"),
    ({"estimated_discharge_date": "2026-04-31"}, "estimated_discharge_date"),
    ({"barthel_index": 101}, "barthel_index"),
    ({"modified_rankin": 7}, "modified_rankin"),
    ({"proposed_level": "9"}, "proposed_level"),
    ({"message_status": "urgent"}, "message_status"),
    ({"state": "archived"}, "state"),
])
def test_it_refuses_invalid_content_naming_the_field(cast, api, content, field):
    admission = admit(cast, hours_ago=30)
    before = rows()
    response = api(cast.planner).post(NOTICES, {"admission": str(admission.uuid), **content},
                                      format="json")
    assert response.status_code == 400
    assert list(error(response)["fields"]) == [field]
    assert rows() == before


def test_it_refuses_malformed_json_naming_the_body(cast, api):
    before = rows()
    response = api(cast.planner).post(NOTICES, '{"admission": ', content_type="application/json")
    assert response.status_code == 400
    assert list(error(response)["fields"]) == ["body"]
    assert rows() == before


# --- drafts ------------------------------------------------------------------------------------

def test_it_keeps_one_draft_that_the_hospital_alone_sees(cast, api):
    admission = admit(cast)
    ward = api(cast.planner)
    created = ward.post(NOTICES, {"admission": str(admission.uuid), "state": "draft",
                                  "expected_course": "Usikkert"}, format="json")
    assert created.status_code == 201, created.json()
    assert (created.json()["state"], created.json()["sent_at"]) == ("draft", None)
    updated = ward.post(f"{NOTICES}?draft=true", {"admission": str(admission.uuid),
                                                  "functional_level": "Går med rullator"},
                        format="json")
    assert updated.status_code == 200
    assert updated.json()["uuid"] == created.json()["uuid"]
    assert updated.json()["expected_course"] == "Usikkert"
    draft = EarlyNotification.objects.get()
    assert draft.state == NoticeState.DRAFT
    # The municipality sees neither the draft nor a notification about it.
    ke = api(cast.ke_tromso)
    assert ke.get(NOTICES).json()["count"] == 0
    assert ke.get(notice_url(draft)).status_code == 404
    assert not Notification.objects.filter(recipient=cast.ke_tromso).exists()
    assert ward.get(NOTICES).json()["count"] == 1


def test_it_sends_the_draft_with_what_the_request_adds(cast, api):
    admission = admit(cast)
    draft = services.save_draft(admission, by=cast.planner, expected_course="Bedring")
    response = api(cast.planner).post(NOTICES, {"admission": str(admission.uuid),
                                                "rehabilitation_need": "Hverdagsrehab"},
                                      format="json")
    assert response.status_code == 201
    body = response.json()
    assert (body["uuid"], body["state"]) == (str(draft.uuid), "sent")
    assert (body["expected_course"], body["rehabilitation_need"]) == (
        "Bedring", "Hverdagsrehab")


def test_it_lets_no_municipal_staff_draft(cast, api):
    admission = admit(cast)
    before = rows()
    response = api(cast.ke_tromso).post(f"{NOTICES}?draft=true",
                                        {"admission": str(admission.uuid)}, format="json")
    assert response.status_code == 403
    assert rows() == before


def test_it_refuses_a_malformed_draft_flag(cast, api):
    admission = admit(cast)
    response = api(cast.planner).post(f"{NOTICES}?draft=perhaps",
                                      {"admission": str(admission.uuid)}, format="json")
    assert response.status_code == 400
    assert list(error(response)["fields"]) == ["draft"]


# --- read --------------------------------------------------------------------------------------

def test_it_shows_an_admissions_version_history_oldest_first(cast, api):
    admission = admit(cast)
    other = admit(cast, patient=cast.tromso_only)
    early_notification(cast, other)
    first = early_notification(cast, admission, expected_course="v1")
    second = early_notification(cast, admission, message_status="addition", expected_course="v2")
    third = early_notification(cast, admission, message_status="cancel")
    response = api(cast.ke_tromso).get(NOTICES, {"admission": str(admission.uuid)})
    assert response.status_code == 200
    assert [(row["uuid"], row["sequence"]) for row in response.json()["results"]] == [
        (str(first.uuid), 1), (str(second.uuid), 2), (str(third.uuid), 3)]


@pytest.mark.parametrize(("member", "count"), [("planner", 1), ("ke_tromso", 1),
                                               ("coordinator", 1), ("ke_bodo", 0)])
def test_it_lists_the_notices_each_member_of_the_cast_may_see(cast, api, member, count):
    early_notification(cast, admit(cast))
    assert api(getattr(cast, member)).get(NOTICES).json()["count"] == count


def test_it_audits_every_notice_on_the_page_in_one_insert(cast, api):
    admission = admit(cast)
    notices = [early_notification(cast, admission),
               early_notification(cast, admission, message_status="change")]
    with CaptureQueriesContext(connection) as queries:
        response = api(cast.coordinator).get(NOTICES)
    assert response.json()["count"] == 2
    assert len([q for q in queries
                if q["sql"].startswith('INSERT INTO "registry_auditevent"')]) == 1
    assert set(AuditEvent.objects.filter(
        user=cast.coordinator, action=AuditAction.VIEW, object_type="earlynotification",
        patient_uuid=cast.shared.uuid).values_list("object_id", flat=True)) == {
        str(n.uuid) for n in notices}


def test_it_answers_404_for_a_notice_outside_scope(cast, api):
    notice = early_notification(cast, admit(cast))
    outside = api(cast.ke_bodo).get(notice_url(notice))
    missing = api(cast.ke_bodo).get(f"{NOTICES}{uuid.uuid4()}/")
    assert outside.status_code == missing.status_code == 404
    assert outside.json() == missing.json()


def test_it_filters_notices(cast, api):
    admission = admit(cast)
    first = early_notification(cast, admission)
    second = early_notification(cast, admission, message_status="change")
    services.acknowledge_early_notification(first, by=cast.ke_tromso)
    client = api(cast.ke_tromso)

    def listed(**params):
        response = client.get(NOTICES, params)
        assert response.status_code == 200, response.json()
        return [row["uuid"] for row in response.json()["results"]]

    assert listed(acknowledged="true") == [str(first.uuid)]
    assert listed(acknowledged="false") == [str(second.uuid)]
    assert listed(message_status="change") == [str(second.uuid)]
    assert listed(patient=str(cast.tromso_only.uuid)) == []
    assert listed(updated_since=iso(timezone.now() + datetime.timedelta(minutes=1))) == []
    response = client.get(NOTICES, {"admission": "v1"})
    assert list(error(response)["fields"]) == ["admission"]


# --- acknowledge -------------------------------------------------------------------------------

def test_it_records_who_acknowledged_and_tells_the_ward(cast, api):
    notice = early_notification(cast, admit(cast))
    response = api(cast.ke_tromso).post(notice_url(notice, "acknowledge"))
    assert response.status_code == 200, response.json()
    assert response.json()["acknowledged_by"] == "Kåre Tromsø"
    assert response.json()["acknowledged_at"] is not None
    assert Notification.objects.filter(recipient=cast.planner,
                                       kind="early_notification.acknowledged").exists()


def test_it_lets_the_municipalitys_epj_system_acknowledge(cast, epj):
    notice = early_notification(cast, admit(cast))
    response = epj.post(notice_url(notice, "acknowledge"))
    assert response.status_code == 200
    assert response.json()["acknowledged_by"] == "Gerica Tromsø"


def test_it_refuses_a_second_acknowledgement_naming_who_was_first(cast, api, epj):
    notice = early_notification(cast, admit(cast))
    services.acknowledge_early_notification(notice, by=cast.ke_tromso)
    notice.refresh_from_db()
    before = rows()
    response = epj.post(notice_url(notice, "acknowledge"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 409
    body = error(response)
    assert body["code"] == "already_acknowledged"
    when = timezone.localtime(notice.acknowledged_at).strftime("%-d %b %Y, %H:%M")
    assert body["message"] == f"Already acknowledged by Kåre Tromsø at {when}."  # English
    assert rows() == before


def test_it_lets_only_the_responsible_municipality_acknowledge(cast, api):
    notice = early_notification(cast, admit(cast, municipality=cast.bodo))
    before = rows()
    # Tromsø's KE sees the patient (resident there) but Bodø is responsible for this stay.
    for member in ("ke_tromso", "planner", "coordinator"):
        response = api(getattr(cast, member)).post(notice_url(notice, "acknowledge"))
        assert response.status_code == 403, member
    assert rows() == before
    assert api(cast.ke_bodo).post(notice_url(notice, "acknowledge")).status_code == 200


def test_it_answers_404_to_an_acknowledgement_outside_scope(cast, api):
    notice = early_notification(cast, admit(cast))
    before = rows()
    assert api(cast.ke_bodo).post(notice_url(notice, "acknowledge")).status_code == 404
    assert rows() == before


def test_it_refuses_to_acknowledge_anonymously(cast, api):
    notice = early_notification(cast, admit(cast))
    assert api().post(notice_url(notice, "acknowledge")).status_code == 401
    notice.refresh_from_db()
    assert notice.acknowledged_at is None


def test_it_offers_no_update_or_delete_of_a_sent_notice(cast, api):
    notice = early_notification(cast, admit(cast))
    client = api(cast.planner)
    assert client.patch(notice_url(notice), {"expected_course": "x"},
                        format="json").status_code == 405
    assert client.delete(notice_url(notice)).status_code == 405
