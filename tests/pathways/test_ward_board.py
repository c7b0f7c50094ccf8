"""The ward board of discharge planners: the ward's open admissions and the steps inline."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from pathways import services
from pathways.models import (
    Admission,
    AdmissionStatus,
    CareRelationship,
    DischargeMeeting,
    EarlyNotification,
    MessageStatus,
    NoticeState,
    Patient,
    ReadyForDischarge,
)
from pathways.views import common
from registry.models import (
    AuditAction,
    AuditEvent,
    Membership,
    Notification,
    OrganizationKind,
    Role,
    ServiceLevel,
)
from tests import factories
from tests.factories import admit

UTC = datetime.UTC
OSLO = ZoneInfo("Europe/Oslo")
HTMX = {"HTTP_HX_REQUEST": "true"}

# Queries of the whole board page, whatever the number of open admissions (it shows a page):
#  1 session, 2 user, 3 the user's memberships with the hospitals and the unread count
#  (the board's scope, the audit's roles and the navigation's badge, once per request),
#  4 the hospital's registered wards (the picker and the ward asked for), 5 the ward's open
#  admissions counted with their latest change (the heading, the pager, the fingerprint),
#  6 the page's admissions with patient, municipality and the audit's grounds (subqueries),
#  7 their notices with sender, acknowledger and receipt (subqueries on notifications),
#  8 their declarations, 9 the answers, 10 their meetings with participants counted, 11 one
#  INSERT of the audit events. The fingerprint comes from the rows.
BOARD_BUDGET = 11
# A poll that finds nothing new: 1 session, 2 user, 3 memberships, 4 the page's admissions
# (ids and deadlines: the fingerprint's rows and the countdowns), 5 the fingerprint.
QUIET_POLL_BUDGET = 5


@pytest.fixture
def planner(cast):
    """The cast's planner, tied to the stroke ward (Membership.ward)."""
    Membership.objects.filter(user=cast.planner).update(ward=cast.stroke_unit)
    return cast.planner


def board(client, htmx=False, **params):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nb"
    return client.get(reverse("pathways:ward_board"), params, **(HTMX if htmx else {}))


def post(client, name, admission, data=None, htmx=True, language="nb"):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.post(reverse(f"pathways:{name}", args=[admission.uuid]), data or {},
                       **(HTMX if htmx else {}))


def new_patient(cast, given="Nils", family="Nyvik"):
    return factories.patient(cast.planner, given, family, municipality=cast.tromso)


# ---------------------------------------------------------------------------------------
# Who sees the board


def test_it_sends_anonymous_visitors_to_the_login_page(client, cast):
    response = client.get(reverse("pathways:ward_board"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_shows_the_wards_open_admissions_to_its_planner(client, cast, planner):
    admission = admit(cast)
    client.force_login(planner)
    response = board(client)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Avdelingstavle, UNN Tromsø" in html
    assert "Aune, Astrid" in html
    assert f'id="countdown-{admission.uuid}"' in html
    assert re.search(r"om 2[12] t \d+ min", html)  # admitted two hours ago, 24 h deadline
    assert 'hx-trigger="every 60s"' in html
    event = AuditEvent.objects.get(object_type="ward_board")
    assert (event.user, event.patient_uuid) == (planner, cast.shared.uuid)


@pytest.mark.parametrize("member", ["ke_tromso", "coordinator", "ke_bodo"])
def test_it_is_only_for_discharge_planners(client, cast, member):
    admit(cast)
    client.force_login(getattr(cast, member))
    refused = board(client)
    assert refused.status_code == 403
    assert "Avdelingstavlen er for utskrivningskoordinatorer." in refused.content.decode()
    url = reverse("pathways:hospital_ward_board", args=[cast.unn.uuid])
    assert client.get(url).status_code == 403
    assert not AuditEvent.objects.filter(object_type="ward_board").exists()


def test_it_answers_404_for_another_hospitals_board(client, cast):
    nlsh = factories.organization(OrganizationKind.HOSPITAL, "Nordlandssykehuset Bodø",
                                  parent=cast.unn_hf)
    other = factories.user("planner_bodo", nlsh, Role.DISCHARGE_PLANNER)
    admit(cast)
    client.force_login(other)
    assert client.get(reverse("pathways:hospital_ward_board",
                              args=[cast.unn.uuid])).status_code == 404
    assert "Aune" not in board(client).content.decode()  # their own board is empty


def test_it_starts_on_the_planners_own_ward_and_filters_by_ward(client, cast, planner):
    admit(cast)
    admit(cast, patient=new_patient(cast), ward="Ortopedi")
    client.force_login(planner)
    html = board(client).content.decode()
    assert "Aune, Astrid" in html and "Nyvik, Nils" not in html
    assert '<option value="SLAG" selected>Slag (din avdeling)</option>' in html
    html = board(client, ward="Ortopedi").content.decode()
    assert "Nyvik, Nils" in html and "Aune, Astrid" not in html
    html = board(client, ward="all").content.decode()
    assert "Nyvik, Nils" in html and "Aune, Astrid" in html


def test_it_leaves_closed_admissions_off_the_board(client, cast, planner):
    admission = admit(cast)
    services.discharge_patient(admission, by=planner, destination="home")
    client.force_login(planner)
    assert "Aune, Astrid" not in board(client).content.decode()


def test_it_answers_htmx_with_the_board_only_and_a_normal_request_with_the_page(
        client, cast, planner):
    admit(cast)
    client.force_login(planner)
    partial = board(client, htmx=True)
    assert "<html" not in partial.content.decode()
    assert partial.content.decode().lstrip().startswith('<section id="ward-board"')
    assert "HX-Request" in partial["Vary"]
    assert "<html" in board(client).content.decode()


def test_it_shows_receipt_and_acknowledgement_to_the_hospital(client, cast, planner):
    admission = admit(cast)
    notice = services.send_early_notification(admission, by=planner)
    client.force_login(planner)
    html = board(client).content.decode()
    assert "Sendt, versjon 1" in html
    assert "Levert til 1 person i KE" in html
    assert "Ikke kvittert ennå" in html
    services.acknowledge_early_notification(notice, by=cast.ke_tromso)
    html = board(client).content.decode()
    assert "Kvittert av Kåre Tromsø" in html
    assert "Levert til 1 person i KE" in html  # the hospital's own copy does not count


def test_it_warns_when_nobody_in_the_municipality_received_the_notice(client, cast, planner):
    admission = admit(cast, patient=factories.patient(
        planner, "Berit", "Bakken", municipality=cast.bodo))
    Membership.objects.filter(user=cast.ke_bodo).delete()  # Bodø has no KE in the portal
    services.send_early_notification(admission, by=planner)
    client.force_login(planner)
    html = board(client, ward="all").content.decode()
    assert "Ingen i kommunens KE har fått den i portalen" in html


# ---------------------------------------------------------------------------------------
# Countdown to the early-notification deadline, in elapsed time, also across DST


@pytest.mark.parametrize(("admitted", "at", "expected", "deadline_text"), [
    # Spring: 30 March 2025 has 23 hours. 24 elapsed hours after 13:00 CET is 14:00 CEST;
    # at 01:30 CET there are 11 h 30 min left (the wall clock would say 12 h 30 min).
    (datetime.datetime(2025, 3, 29, 13, 0, tzinfo=OSLO),
     datetime.datetime(2025, 3, 30, 1, 30, tzinfo=OSLO), "om 11 t 30 min", "30.03.2025 14:00"),
    # Autumn: 26 October 2025 has 25 hours. 13:00 CEST + 24 h is 12:00 CET; at 01:30 CEST
    # (before the clocks go back) 11 h 30 min are left (the wall clock says 10 h 30 min).
    (datetime.datetime(2025, 10, 25, 13, 0, tzinfo=OSLO),
     datetime.datetime(2025, 10, 26, 1, 30, tzinfo=OSLO), "om 11 t 30 min", "26.10.2025 12:00"),
    # After the deadline, across the change: late by 2 hours of real time.
    (datetime.datetime(2025, 10, 25, 13, 0, tzinfo=OSLO),
     datetime.datetime(2025, 10, 26, 14, 0, tzinfo=OSLO), "forsinket 2 t", "26.10.2025 12:00"),
])
def test_the_countdown_is_elapsed_time_across_a_dst_change(
        client, cast, planner, monkeypatch, admitted, at, expected, deadline_text):
    # The admission is given in UTC, as the board's admit form passes it on.
    admission = admit(cast, admitted_at=admitted.astimezone(UTC))
    # 24 elapsed hours: add in UTC (Python adds on the wall clock within one zone).
    assert admission.notification_deadline == admitted.astimezone(UTC) + datetime.timedelta(
        hours=24)
    with translation.override("nb"):
        assert common.countdown(admission.notification_deadline, at).text == expected
    monkeypatch.setattr(common, "now", lambda: at)  # the board's clock
    client.force_login(planner)
    html = board(client).content.decode()
    assert f">{expected}</span>" in html
    assert f"Frist {deadline_text}" in html


@pytest.mark.parametrize(("minutes", "text"), [
    (0.5, "frist nå"), (5, "om 5 min"), (60, "om 1 t"), (61, "om 1 t 1 min"),
    (26 * 60, "om 1 d 2 t"), (-125, "forsinket 2 t 5 min"), (-3 * 24 * 60, "forsinket 3 d"),
])
def test_the_countdown_reads_like_the_ward_speaks(minutes, text):
    at = datetime.datetime(2025, 1, 10, 12, 0, tzinfo=UTC)
    with translation.override("nb"):
        result = common.countdown(at + datetime.timedelta(minutes=minutes), at)
    assert result.text == text
    assert result.overdue == (minutes < -1)


# ---------------------------------------------------------------------------------------
# Polling


def test_a_poll_with_nothing_new_sends_only_the_countdowns(
        client, cast, planner, django_assert_max_num_queries):
    admission = admit(cast)
    client.force_login(planner)
    fingerprint = board(client).context["fingerprint"]
    reads = AuditEvent.objects.filter(object_type="ward_board").count()
    with django_assert_max_num_queries(QUIET_POLL_BUDGET):
        response = board(client, htmx=True, ward="Slag", fingerprint=fingerprint)
    html = response.content.decode()
    assert response["HX-Reswap"] == "none"
    assert f'id="countdown-{admission.uuid}"' in html and 'hx-swap-oob="true"' in html
    assert "Aune" not in html  # no patient data, so nothing new to audit
    assert AuditEvent.objects.filter(object_type="ward_board").count() == reads


def test_a_poll_after_a_change_brings_the_board_again(client, cast, planner):
    admission = admit(cast)
    client.force_login(planner)
    fingerprint = board(client).context["fingerprint"]
    services.send_early_notification(admission, by=planner)
    response = board(client, htmx=True, ward="Slag", fingerprint=fingerprint)
    html = response.content.decode()
    assert "HX-Reswap" not in response
    assert "Sendt, versjon 1" in html
    assert response.context["fingerprint"] != fingerprint


def test_a_poll_sees_an_answer_to_the_meeting_and_only_that(client, cast, planner):
    """The board's meetings and their answers summarised by the poll's query agree with the
    board as read (an unchanged poll sends the countdowns only), and an answer changes it."""
    admission = admit(cast)
    meeting = factories.discharge_meeting(cast, admission, participants=[
        {"kind": "hospital_staff", "user": cast.planner},
        {"kind": "coordinating_unit", "user": cast.ke_tromso, "organization": cast.tromso}])
    client.force_login(planner)
    fingerprint = board(client).context["fingerprint"]
    assert board(client, htmx=True, ward="Slag", fingerprint=fingerprint)["HX-Reswap"] == "none"
    services.respond_to_invitation(meeting.participants.get(user=cast.ke_tromso),
                                   by=cast.ke_tromso, status="accepted")
    response = board(client, htmx=True, ward="Slag", fingerprint=fingerprint)
    assert "HX-Reswap" not in response
    assert "1 av 1 har takket ja" in response.content.decode()


# ---------------------------------------------------------------------------------------
# Admitting


def admit_data(cast, **fields):
    at = timezone.localtime() - datetime.timedelta(hours=1)
    data = {"identity_number": cast.shared.identity_number, "ward": str(cast.stroke_unit.uuid),
            "admitted_at": at.strftime("%Y-%m-%dT%H:%M"), "reason": "Hjerneslag",
            "needs_interdisciplinary_follow_up": "on", "board_ward": "Slag"}
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


def post_admit(client, data, htmx=True):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nb"
    return client.post(reverse("pathways:admit", args=[data.pop("hospital")]), data,
                       **(HTMX if htmx else {}))


def test_it_admits_a_patient_the_hospital_knows_and_shows_the_row(client, cast, planner):
    client.force_login(planner)
    form = client.get(reverse("pathways:admit", args=[cast.unn.uuid]), **HTMX)
    assert f'value="{cast.stroke_unit.uuid}" selected' in form.content.decode()  # theirs
    response = post_admit(client, admit_data(cast, hospital=cast.unn.uuid))
    html = response.content.decode()
    assert response.status_code == 200
    admission = Admission.objects.get(patient=cast.shared)
    assert (admission.ward, admission.needs_interdisciplinary_follow_up) == (
        cast.stroke_unit, True)
    assert "Astrid Aune er lagt inn på Slag." in html  # the panel and the announcement
    assert 'hx-swap-oob="innerHTML:#announcer"' in html
    assert '<section id="ward-board"' in html and 'hx-swap-oob="true"' in html
    assert f'id="admission-{admission.uuid}"' in html


def test_it_registers_and_admits_a_patient_new_to_the_portal(client, cast, planner):
    number = factories.identity_number(datetime.date(1961, 5, 17))
    client.force_login(planner)
    response = post_admit(client, admit_data(
        cast, hospital=cast.unn.uuid, identity_number=number, given_name="Nils",
        family_name="Nyvik", municipality=cast.tromso.pk))
    assert response.status_code == 200
    patient = Patient.objects.get(identity_number=number)
    assert patient.birth_date == datetime.date(1961, 5, 17)  # read from the number
    assert Admission.objects.filter(patient=patient, hospital=cast.unn).exists()
    assert number not in response.content.decode()


def test_it_asks_for_names_and_municipality_of_a_new_patient(client, cast, planner):
    number = factories.identity_number(datetime.date(1961, 5, 17))
    client.force_login(planner)
    response = post_admit(client, admit_data(cast, hospital=cast.unn.uuid,
                                             identity_number=number))
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert {"given_name", "family_name", "municipality"} <= set(errors)
    html = response.content.decode()
    assert 'href="#id_given_name"' in html  # the error summary links to the field
    assert not Patient.objects.filter(identity_number=number).exists()


def test_a_refused_admission_leaves_no_new_patient_behind(client, cast, planner):
    number = factories.identity_number(datetime.date(1961, 5, 17))
    future = (timezone.localtime() + datetime.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    client.force_login(planner)
    response = post_admit(client, admit_data(
        cast, hospital=cast.unn.uuid, identity_number=number, given_name="Nils",
        family_name="Nyvik", municipality=cast.tromso.pk, admitted_at=future))
    assert response.status_code == 422
    assert "Tidspunktet ligger fram i tid." in response.content.decode()
    assert response.context["form"].errors["admitted_at"]
    assert not Patient.objects.filter(identity_number=number).exists()


def test_it_admits_a_patient_known_elsewhere_and_checks_the_names_typed(client, cast, planner):
    """The admission is what links the hospital to a patient registered by others (the same
    service as the API); names typed must be the registered ones, so a typo admits nobody."""
    number = cast.bodo_only.identity_number  # known to Bodø only
    client.force_login(planner)
    wrong = post_admit(client, admit_data(cast, hospital=cast.unn.uuid, identity_number=number,
                                          given_name="Kari", family_name="Bakken"))
    assert wrong.status_code == 422
    errors = wrong.context["form"].errors
    message = ["Fødselsnummeret tilhører en pasient som er registrert med andre navn. "
               "Kontroller nummeret og navnene."]
    assert (errors["given_name"], errors["family_name"]) == (message, message)
    assert "Berit" not in wrong.content.decode()
    assert not Admission.objects.exists()
    assert cast.bodo_only not in Patient.objects.visible_to(planner)
    assert not CareRelationship.objects.filter(patient=cast.bodo_only,
                                               organization=cast.unn).exists()
    assert AuditEvent.objects.filter(
        user=planner, action=AuditAction.SEARCH, patient_uuid=cast.bodo_only.uuid,
        detail="admission by identity number refused (linked by admission): "
               "family_name, given_name").count() == 1
    # Without names the number alone links nobody either.
    blank = post_admit(client, admit_data(cast, hospital=cast.unn.uuid, identity_number=number))
    assert blank.status_code == 422
    assert {"given_name", "family_name"} <= set(blank.context["form"].errors)
    assert not Admission.objects.exists()
    right = post_admit(client, admit_data(cast, hospital=cast.unn.uuid, identity_number=number,
                                          given_name="berit", family_name="Bakken"))
    assert right.status_code == 200
    assert Admission.objects.get().patient == cast.bodo_only
    assert Admission.objects.get().municipality == cast.bodo  # responsible: residence
    assert cast.bodo_only in Patient.objects.visible_to(planner)  # the admission's grounds


def test_it_refuses_a_second_admission_with_the_services_message(client, cast, planner):
    admit(cast)
    client.force_login(planner)
    response = post_admit(client, admit_data(cast, hospital=cast.unn.uuid))
    assert response.status_code == 409
    assert "Pasienten er allerede innlagt på UNN Tromsø." in response.content.decode()
    assert Admission.objects.count() == 1


def test_it_admits_without_javascript_and_returns_to_the_board(client, cast, planner):
    client.force_login(planner)
    form = client.get(reverse("pathways:admit", args=[cast.unn.uuid]))
    assert "<html" in form.content.decode()  # a whole page with the form
    response = post_admit(client, admit_data(cast, hospital=cast.unn.uuid), htmx=False)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("pathways:hospital_ward_board",
                                                   args=[cast.unn.uuid]))
    page = client.get(response["Location"]).content.decode()
    assert "Astrid Aune er lagt inn på Slag." in page  # as a message


# ---------------------------------------------------------------------------------------
# The early notification


def test_the_notice_form_has_every_plo_section_and_sends_with_nothing_filled_in(
        client, cast, planner):
    admission = admit(cast)
    client.force_login(planner)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nb"
    html = client.get(reverse("pathways:early_notification", args=[admission.uuid]),
                      **HTMX).content.decode()
    for legend in ("Forventet forløp", "Funksjon", "Behov for kommunale tjenester og "
                   "rehabilitering", "Informasjon til pasient og pårørende"):
        assert f"<legend>{legend}</legend>" in html
    assert 'name="message_status"' not in html  # the first notice is always new
    response = post(client, "early_notification", admission, {"action": "send"})
    assert response.status_code == 200
    notice = EarlyNotification.objects.get()
    assert (notice.state, notice.sequence, notice.message_status) == (
        NoticeState.SENT, 1, MessageStatus.NEW)
    assert "Tidligmelding versjon 1 er sendt til Tromsø." in response.content.decode()
    assert Notification.objects.filter(recipient=cast.ke_tromso,
                                       subject_uuid=notice.uuid).exists()


def test_a_later_version_is_sent_as_a_change_unless_the_planner_says_otherwise(
        client, cast, planner):
    admission = admit(cast)
    services.send_early_notification(admission, by=planner, expected_course="Stabil")
    client.force_login(planner)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nb"
    form = client.get(reverse("pathways:early_notification", args=[admission.uuid]), **HTMX)
    html = form.content.decode()
    assert "Stabil" in html  # starts from the latest version
    # Asked plainly before sending, with the change already chosen.
    assert "Hva denne versjonen gjør" in html
    assert re.search(r'<input type="radio" name="message_status" value="change"[^>]* checked',
                     html)
    assert "Annullering: tidligmeldingen gjelder ikke lenger" in html
    assert html.count(">Avbryt<") == 1  # the panel's cancel button, and no message kind
    sent = post(client, "early_notification", admission,
                {"action": "send", "expected_course": "Bedre"})  # no choice sent at all
    assert sent.status_code == 200
    second = EarlyNotification.objects.get(sequence=2)
    assert (second.message_status, second.expected_course) == ("change", "Bedre")
    cancelled = post(client, "early_notification", admission,
                     {"action": "send", "message_status": "cancel"})
    assert cancelled.status_code == 200
    assert EarlyNotification.objects.get(sequence=3).message_status == "cancel"
    refused = post(client, "early_notification", admission,
                   {"action": "send", "message_status": "new"})
    assert refused.status_code == 422  # not among the choices: the form says so
    assert refused.context["form"].errors["message_status"]
    assert EarlyNotification.objects.count() == 3


def test_the_notice_form_starts_from_the_estimated_discharge_date_given_at_admission(
        client, cast, planner):
    due = timezone.localdate() + datetime.timedelta(days=5)
    admission = admit(cast, estimated_discharge_date=due)
    client.force_login(planner)
    html = client.get(reverse("pathways:early_notification", args=[admission.uuid]),
                      **HTMX).content.decode()
    assert re.search(rf'name="estimated_discharge_date" value="{due.isoformat()}"', html)
    assert post(client, "early_notification", admission,
                {"action": "send", "estimated_discharge_date": due.isoformat()}
                ).status_code == 200
    assert EarlyNotification.objects.get().estimated_discharge_date == due


def test_it_saves_a_draft_without_sending_it(client, cast, planner):
    admission = admit(cast)
    client.force_login(planner)
    response = post(client, "early_notification", admission,
                    {"action": "draft", "barthel_index": "55", "next_of_kin_informed": "true"})
    assert response.status_code == 200
    draft = EarlyNotification.objects.get()
    assert (draft.state, draft.barthel_index, draft.next_of_kin_informed) == (
        NoticeState.DRAFT, 55, True)
    assert not Notification.objects.filter(subject_uuid=draft.uuid).exists()
    out_of_range = post(client, "early_notification", admission,
                        {"action": "send", "barthel_index": "101"})
    assert out_of_range.status_code == 422
    assert out_of_range.context["form"].errors["barthel_index"]


# ---------------------------------------------------------------------------------------
# Ready for discharge, withdrawal, discharge


def test_it_declares_ready_and_refuses_to_declare_twice(client, cast, planner):
    admission = admit(cast)
    client.force_login(planner)
    missing = post(client, "declare_ready", admission, {})
    assert missing.status_code == 422
    assert missing.context["form"].errors["physician"]
    response = post(client, "declare_ready", admission, {"physician": "Dr. Lege"})
    assert response.status_code == 200
    assert ReadyForDischarge.objects.get().physician == "Dr. Lege"
    assert "er erklært utskrivningsklar" in response.content.decode()
    twice = post(client, "declare_ready", admission, {"physician": "Dr. Lege"})
    assert twice.status_code == 409
    assert "Kan ikke erklære pasienten utskrivningsklar: innleggelsen er utskrivningsklar." \
        in twice.content.decode()


def test_it_withdraws_the_declaration(client, cast, planner):
    admission = admit(cast)
    services.declare_ready_for_discharge(admission, by=planner, physician="Dr. Lege")
    client.force_login(planner)
    response = post(client, "withdraw_ready", admission, {"reason": "Feber"})
    assert response.status_code == 200
    declaration = ReadyForDischarge.objects.get()
    assert declaration.withdrawn_at is not None and declaration.withdrawal_reason == "Feber"
    admission.refresh_from_db()
    assert admission.status == AdmissionStatus.ADMITTED


def test_it_refuses_a_discharge_before_the_admission_on_the_field(client, cast, planner):
    admission = admit(cast, hours_ago=5)
    before = timezone.localtime(admission.admitted_at) - datetime.timedelta(hours=1)
    client.force_login(planner)
    form = client.get(reverse("pathways:discharge", args=[admission.uuid]), **HTMX)
    assert "Tidligmelding sendt" in form.content.decode()  # the readiness checklist
    response = post(client, "discharge", admission, {
        "destination": "home", "discharged_at": before.strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 422
    assert response.context["form"].errors["discharged_at"] == [
        "Utskrivning kan ikke komme før innleggelse."]
    assert 'href="#id_discharged_at"' in response.content.decode()
    admission.refresh_from_db()
    assert admission.status == AdmissionStatus.ADMITTED


def test_it_discharges_with_destination_level_and_checklist(client, cast, planner):
    admission = admit(cast)
    three = ServiceLevel.objects.get(code="3")
    client.force_login(planner)
    no_level = post(client, "discharge", admission, {"destination": "municipal_rehabilitation"})
    assert no_level.status_code == 422
    assert no_level.context["form"].errors["discharge_level"]
    response = post(client, "discharge", admission, {
        "destination": "municipal_rehabilitation", "discharge_level": three.pk,
        "interdisciplinary_report_ready": "on", "epicrisis_ready": "on"})
    assert response.status_code == 200
    admission.refresh_from_db()
    assert (admission.status, admission.discharge_level, admission.epicrisis_ready,
            admission.interdisciplinary_report_ready) == (
        AdmissionStatus.DISCHARGED, three, True, True)
    assert f'id="admission-{admission.uuid}"' not in response.content.decode()


# ---------------------------------------------------------------------------------------
# Discharge meetings


def meeting_data(cast, **fields):
    at = timezone.localtime() + datetime.timedelta(days=2)
    data = {"scheduled_at": at.strftime("%Y-%m-%dT%H:%M"), "duration_minutes": "60",
            "location": "Møterom 3", "ke_staff": [cast.ke_tromso.pk],
            "coordinators": [cast.coordinator.pk], "hospital_staff": [cast.planner.pk],
            "gp_name": "Fastlege Flink", "gp_email": "flink@example.org"}
    data.update(fields)
    return data


def test_the_meeting_form_offers_the_right_people(client, cast, planner):
    services.add_next_of_kin(cast.shared, by=planner, name="Anders Aune", relation="sønn",
                             consent_to_share=True)
    services.add_next_of_kin(cast.shared, by=planner, name="Berit Aune", relation="datter")
    admission = admit(cast)
    client.force_login(planner)
    html = client.get(reverse("pathways:schedule_meeting", args=[admission.uuid]),
                      **HTMX).content.decode()
    assert "Kåre Tromsø" in html  # the municipality's KE
    assert "Kora Koordinator" in html  # the coordinator
    assert "Bjørn Bodø" not in html  # another municipality's KE
    assert "Anders Aune" in html and "Berit Aune" not in html  # consent decides


def test_it_schedules_a_meeting_and_invites_the_participants(client, cast, planner):
    admission = admit(cast)
    client.force_login(planner)
    response = post(client, "schedule_meeting", admission, meeting_data(cast))
    assert response.status_code == 200
    meeting = DischargeMeeting.objects.get()
    kinds = sorted(meeting.participants.values_list("kind", flat=True))
    assert kinds == ["coordinating_unit", "coordinator", "gp", "hospital_staff"]
    assert Notification.objects.filter(recipient=cast.ke_tromso,
                                       kind="discharge_meeting.invitation").exists()
    assert "3 invitert" in response.content.decode()  # the planner takes part, not invited
    assert meeting.participants.get(user=planner).status == "accepted"


def test_it_refuses_a_meeting_in_the_past_on_the_field(client, cast, planner):
    admission = admit(cast)
    past = (timezone.localtime() - datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    client.force_login(planner)
    response = post(client, "schedule_meeting", admission,
                    meeting_data(cast, scheduled_at=past))
    assert response.status_code == 422
    assert response.context["form"].errors["scheduled_at"] == [
        "Et møte planlegges fram i tid."]
    assert not DischargeMeeting.objects.exists()


def test_a_meeting_needs_a_place_or_a_video_link(client, cast, planner):
    admission = admit(cast)
    client.force_login(planner)
    response = post(client, "schedule_meeting", admission, meeting_data(cast, location=""))
    assert response.status_code == 422
    assert response.context["form"].errors["location"]


# ---------------------------------------------------------------------------------------
# Refusals for people who may see the patient but not act for the hospital


@pytest.mark.parametrize("step", ["declare_ready", "discharge", "early_notification"])
def test_it_shows_the_services_refusal_to_the_municipalitys_staff(client, cast, step):
    admission = admit(cast)
    client.force_login(cast.ke_tromso)  # sees the patient, does not act for UNN
    data = {"physician": "Dr. Lege", "destination": "home", "action": "send"}
    response = post(client, step, admission, data)
    assert response.status_code == 403
    assert "Bare utskrivningskoordinatorer ved UNN Tromsø kan gjøre dette for denne " \
           "innleggelsen." in response.content.decode()
    admission.refresh_from_db()
    assert admission.status == AdmissionStatus.ADMITTED


@pytest.mark.parametrize("step", ["declare_ready", "discharge", "early_notification",
                                  "schedule_meeting", "withdraw_ready"])
def test_it_answers_404_for_an_admission_outside_the_users_scope(client, cast, step):
    admission = admit(cast)
    client.force_login(cast.ke_bodo)
    assert client.get(reverse(f"pathways:{step}", args=[admission.uuid])).status_code == 404
    assert post(client, step, admission, {"physician": "x"}).status_code == 404


# ---------------------------------------------------------------------------------------
# Query budget


def full_rows(cast, planner, count, first=0):
    """Admissions with every relation a row shows: notice sent and acknowledged, a declared
    and answered ready-for-discharge, an upcoming meeting with participants."""
    for n in range(first, first + count):
        patient = factories.patient(planner, f"Ola{n}", "Hansen", municipality=cast.tromso)
        admission = admit(cast, patient=patient, hours_ago=30)
        notice = services.send_early_notification(admission, by=planner)
        services.acknowledge_early_notification(notice, by=cast.ke_tromso)
        declaration = services.declare_ready_for_discharge(admission, by=planner,
                                                           physician="Dr. Lege")
        services.answer_ready_for_discharge(declaration, by=cast.ke_tromso, kind="cannot_yet")
        services.schedule_discharge_meeting(
            admission, by=planner, scheduled_at=timezone.now() + datetime.timedelta(days=1),
            location="Rom 1", participants=[
                {"kind": "coordinating_unit", "user": cast.ke_tromso},
                {"kind": "hospital_staff", "user": planner}])


def test_the_board_costs_the_same_queries_for_3_open_admissions_as_for_120(
        client, cast, planner):
    full_rows(cast, planner, 3)
    client.force_login(planner)
    with CaptureQueriesContext(connection) as few:
        response = board(client)
    assert len(response.context["rows"]) == 3
    assert response.content.decode().count("Kvittert av Kåre Tromsø") == 3
    full_rows(cast, planner, 117, first=3)
    with CaptureQueriesContext(connection) as many:
        response = board(client)
    html = response.content.decode()
    assert len(few) == len(many) <= BOARD_BUDGET, [q["sql"][:80] for q in many]
    assert re.search(r"Avdeling Slag:\s+120 pasienter<", html)  # all of them counted
    assert html.count("Kvittert av Kåre Tromsø") == 50  # a page of them shown
    assert "Side 1 av 3" in html
