"""The KE inbox: early notifications to acknowledge, declarations to answer, meetings."""

import datetime
import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from pathways import services
from pathways.models import CareRelationshipReason, MeetingParticipant, MunicipalAnswer
from registry.models import AuditEvent
from tests import factories
from tests.factories import admit

HTMX = {"HTTP_HX_REQUEST": "true"}
INBOX = "pathways:ke_inbox"

# Queries of the whole inbox page, whatever the number of items:
#  1 session, 2 user, 3 the user's memberships with the unread count (the municipalities,
#  the audit's roles and the navigation's badge, read once per request),
#  4 every filter's count (one GROUP BY), 5 the filtered notices' count (the pager),
#  6 the page's notices with admission, patient, hospital, municipality, sender,
#  acknowledger, level and assignment, 7 ready-for-discharge declarations with admission,
#  patient and hospital, 8 their answers, 9 upcoming meetings with admission, patient,
#  hospital and organiser, 10 their participants, 11 care relationships (grounds for the
#  audit), 12 one INSERT of the audit events, 13 the fingerprint (one UNION).
INBOX_BUDGET = 13
# A poll when nothing changed: 1 session, 2 user, 3 memberships, 4 the fingerprint.
QUIET_POLL_BUDGET = 4


def inbox(client, htmx=False, **params):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nb"
    return client.get(reverse(INBOX), params, **(HTMX if htmx else {}))


def acknowledge(client, notice, htmx=True):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nb"
    return client.post(reverse("pathways:acknowledge_notice", args=[notice.uuid]),
                       **(HTMX if htmx else {}))


def answer(client, declaration, **data):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nb"
    return client.post(reverse("pathways:answer_declaration", args=[declaration.uuid]), data,
                       **HTMX)


def tromso_patient(cast, given="Nils", family="Nyvik"):
    return factories.patient(cast.planner, given, family, municipality=cast.tromso)


# ---------------------------------------------------------------------------------------
# Who sees what


def test_it_sends_anonymous_visitors_to_the_login_page(client, cast):
    response = client.get(reverse(INBOX))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("member", ["planner", "coordinator"])
def test_it_is_only_for_ke_staff(client, cast, member):
    factories.early_notification(cast)
    client.force_login(getattr(cast, member))
    assert inbox(client).status_code == 403


def test_it_shows_the_municipalitys_notices_to_its_ke(client, cast):
    notice = factories.early_notification(cast)
    client.force_login(cast.ke_tromso)
    response = inbox(client)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Innboks for koordinerende enhet" in html
    assert "Astrid Aune" in html
    assert f'id="acknowledge-{notice.uuid}"' in html
    assert 'hx-trigger="every 10s"' in html
    event = AuditEvent.objects.get(object_type="ke_inbox")
    assert (event.user, event.patient_uuid) == (cast.ke_tromso, cast.shared.uuid)


def test_it_shows_another_municipalitys_notices_to_nobody_else(client, cast):
    factories.early_notification(cast)
    factories.relate(cast.shared, cast.bodo, cast.ke_tromso, CareRelationshipReason.REFERRAL)
    client.force_login(cast.ke_bodo)  # may even see the patient, but answers for Bodø
    html = inbox(client).content.decode()
    assert "Astrid Aune" not in html
    assert "Ingen tidligmelding venter på kvittering." in html


def test_it_lists_waiting_notices_first_the_most_urgent_first(client, cast):
    older = factories.early_notification(
        cast, admit(cast, tromso_patient(cast, "Olav", "Eldre"), hours_ago=5))
    factories.early_notification(cast)  # Astrid, sent later: due later
    done = factories.early_notification(
        cast, admit(cast, tromso_patient(cast, "Kari", "Kvittert")))
    services.acknowledge_early_notification(done, by=cast.ke_tromso)
    client.force_login(cast.ke_tromso)
    response = inbox(client)
    assert [n.admission.patient.family_name for n in response.context["queue"].rows] == [
        "Eldre", "Aune", "Kvittert"]
    html = response.content.decode()
    assert html.index("Olav Eldre") < html.index("Astrid Aune") < html.index("Kari Kvittert")
    row = html[html.index(f'id="notice-{done.uuid}"'):]
    row = row[:row.index("</tr>")]
    assert "Kvittert" in row and "Kåre Tromsø" in row and "acknowledge-" not in row
    assert f'id="acknowledge-{older.uuid}"' in html


def test_it_answers_htmx_with_the_lists_only_and_a_normal_request_with_the_page(client, cast):
    factories.early_notification(cast)
    client.force_login(cast.ke_tromso)
    partial = inbox(client, htmx=True).content.decode()
    assert "<html" not in partial and partial.lstrip().startswith('<div id="ke-lists"')
    assert "<html" in inbox(client).content.decode()


# ---------------------------------------------------------------------------------------
# A bounded working set: patients still admitted; the others in the archive


def left_hospital(cast, notice, hours_ago=1):
    """The patient of this (unacknowledged) notice is discharged: the notice leaves the inbox."""
    services.discharge_patient(notice.admission, by=cast.planner, destination="home",
                               discharged_at=timezone.now() - datetime.timedelta(hours=hours_ago))
    return notice


def old_notice(cast, given, family, hours_ago):
    patient = tromso_patient(cast, given, family)
    notice = factories.early_notification(cast, admit(cast, patient, hours_ago=hours_ago + 2))
    return left_hospital(cast, notice, hours_ago)


def test_notices_of_patients_who_left_hospital_never_push_current_ones_off_the_inbox(
        client, cast):
    for n in range(3):  # forgotten: never acknowledged, long discharged
        old_notice(cast, f"Gammel{n}", "Utskrevet", hours_ago=40 + n)
    factories.early_notification(
        cast, admit(cast, tromso_patient(cast, "Olav", "Eldst"), hours_ago=9))
    factories.early_notification(
        cast, admit(cast, tromso_patient(cast, "Mia", "Midt"), hours_ago=6))
    factories.early_notification(cast, admit(cast, hours_ago=3))  # Astrid, the newest
    client.force_login(cast.ke_tromso)
    response = inbox(client)
    assert [n.admission.patient.family_name for n in response.context["queue"].rows] == [
        "Eldst", "Midt", "Aune"]
    html = response.content.decode()
    assert "Utskrevet" not in html
    assert reverse("pathways:ke_inbox_archive") in html


def test_the_archive_pages_and_searches_unacknowledged_notices_of_patients_gone_home(
        client, cast, monkeypatch):
    from pathways.views import inbox as inbox_view

    monkeypatch.setattr(inbox_view, "ARCHIVE_PAGE_SIZE", 2)
    older = old_notice(cast, "Eva", "Eldre", hours_ago=50)
    old_notice(cast, "Per", "Midtre", hours_ago=40)
    old_notice(cast, "Nora", "Nyere", hours_ago=30)
    current = factories.early_notification(cast)  # Astrid is still in hospital: the inbox's
    archive = reverse("pathways:ke_inbox_archive")
    client.force_login(cast.ke_tromso)
    first = client.get(archive)
    assert first.status_code == 200
    assert [n.admission.patient.family_name for n in first.context["notices"]] == [
        "Nyere", "Midtre"]
    assert f'archived-{current.uuid}' not in first.content.decode()
    assert first.context["page"].has_next and not first.context["page"].has_previous
    second = client.get(archive, {"page": 2})
    assert [n.admission.patient.family_name for n in second.context["notices"]] == ["Eldre"]
    assert second.context["page"].has_previous and not second.context["page"].has_next
    found = client.get(archive, {"q": "eld"})
    assert [n.uuid for n in found.context["notices"]] == [older.uuid]
    # The page audits the patients it shows, each once.
    shown = AuditEvent.objects.filter(object_type="ke_inbox_archive")
    assert shown.filter(patient_uuid=older.admission.patient.uuid).count() == 2  # page 2, search
    # Acknowledged from the archive, it leaves it and the KE is back on the same search.
    done = client.post(reverse("pathways:acknowledge_notice", args=[older.uuid]),
                       {"from": "archive", "q": "eld"})
    assert done.status_code == 302 and done["Location"] == f"{archive}?q=eld"
    assert list(client.get(archive, {"q": "eld"}).context["notices"]) == []


# The archive's page, whatever the archive holds: 1 session, 2 user, 3 memberships with the
# unread count, 4 the page's notices and one more (is there a next page? no count), 5 care
# relationships (the audit's grounds), 6 one INSERT of the audit events.
ARCHIVE_BUDGET = 6


@pytest.mark.parametrize("rows", [3, 30])
def test_the_archive_costs_the_same_queries_for_3_notices_as_for_30(
        client, cast, django_assert_max_num_queries, rows):
    for n in range(rows):
        old_notice(cast, f"Gammel{n}", "Utskrevet", hours_ago=40 + n)
    client.force_login(cast.ke_tromso)
    with django_assert_max_num_queries(ARCHIVE_BUDGET):
        response = client.get(reverse("pathways:ke_inbox_archive"))
    assert len(response.context["notices"]) == min(rows, 25)


def test_the_archive_is_for_ke_staff_of_the_municipality_only(client, cast):
    old_notice(cast, "Eva", "Eldre", hours_ago=50)
    archive = reverse("pathways:ke_inbox_archive")
    client.force_login(cast.planner)
    assert client.get(archive).status_code == 403
    client.force_login(cast.ke_bodo)
    assert "Eldre" not in client.get(archive).content.decode()


def test_an_acknowledgement_audits_the_patient_of_the_row_it_shows(client, cast):
    forgotten = old_notice(cast, "Gunn", "Glemt", hours_ago=40)
    notice = factories.early_notification(cast)  # Astrid: a notice, a declaration and a meeting
    services.declare_ready_for_discharge(notice.admission, by=cast.planner, physician="Dr. Lege")
    services.schedule_discharge_meeting(
        notice.admission, by=cast.planner, location="Rom 1",
        scheduled_at=timezone.now() + datetime.timedelta(days=1),
        participants=[{"kind": "coordinating_unit", "user": cast.ke_tromso}])
    other = factories.early_notification(cast, admit(cast, tromso_patient(cast)))
    client.force_login(cast.ke_tromso)
    before = set(AuditEvent.objects.values_list("pk", flat=True))
    response = acknowledge(client, other)
    assert response.status_code == 200
    reads = AuditEvent.objects.exclude(pk__in=before).filter(object_type="ke_inbox")
    assert list(reads.values_list("patient_uuid", flat=True)) == [other.admission.patient.uuid]
    assert not reads.filter(patient_uuid=forgotten.admission.patient.uuid).exists()


# ---------------------------------------------------------------------------------------
# New notices without a reload: polling with a fingerprint


def test_a_poll_with_nothing_new_answers_204(client, cast, django_assert_max_num_queries):
    factories.early_notification(cast)
    client.force_login(cast.ke_tromso)
    context = inbox(client).context
    reads = AuditEvent.objects.filter(object_type="ke_inbox").count()
    with django_assert_max_num_queries(QUIET_POLL_BUDGET):
        response = inbox(client, htmx=True, fingerprint=context["fingerprint"],
                         since=context["rendered_at"])
    assert response.status_code == 204
    assert AuditEvent.objects.filter(object_type="ke_inbox").count() == reads


def test_a_poll_brings_a_new_notice_and_announces_it(client, cast):
    factories.early_notification(cast)
    client.force_login(cast.ke_tromso)
    context = inbox(client).context
    # arrives while the inbox is open
    factories.early_notification(cast, admit(cast, tromso_patient(cast)))
    response = inbox(client, htmx=True, fingerprint=context["fingerprint"],
                     since=context["rendered_at"])
    html = response.content.decode()
    assert response.status_code == 200
    assert "Nils Nyvik" in html
    assert re.search(r'hx-swap-oob="innerHTML:#announcer">1 ny tidligmelding\.</div>', html)


def test_an_acknowledgement_elsewhere_changes_the_fingerprint(client, cast):
    notice = factories.early_notification(cast)
    client.force_login(cast.ke_tromso)
    fingerprint = inbox(client).context["fingerprint"]
    services.acknowledge_early_notification(notice, by=cast.ke_tromso)
    response = inbox(client, htmx=True, fingerprint=fingerprint)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="notice-{notice.uuid}"' in html and f'id="acknowledge-{notice.uuid}"' not in html


# ---------------------------------------------------------------------------------------
# Acknowledging


def test_it_acknowledges_inline_and_the_hospital_sees_who_and_when(client, cast):
    notice = factories.early_notification(cast)
    client.force_login(cast.ke_tromso)
    response = acknowledge(client, notice)
    html = response.content.decode()
    assert response.status_code == 200
    # The row alone comes back, focused where it stood, with the outcome in it and spoken;
    # the filters' counts follow out of band.
    assert re.match(rf'\s*<tr id="notice-{notice.uuid}"[^>]* tabindex="-1" '
                    r"data-focus-after-swap>", html)
    assert re.search(r'class="row-note row-note--ok"[^>]*>Tidligmeldingen for Astrid Aune '
                     r"\(versjon 1\) er kvittert\.</p>", html)
    assert '<span class="tag tag--ok">Kvittert</span>' in html
    assert f'id="acknowledge-{notice.uuid}"' not in html
    assert '<span class="count" id="count-waiting" hx-swap-oob="true">(0)</span>' in html
    assert 'hx-swap-oob="innerHTML:#announcer">Tidligmeldingen for Astrid Aune' in html
    notice.refresh_from_db()
    assert notice.acknowledged_by == cast.ke_tromso


def test_acknowledging_twice_shows_who_acknowledged_first(client, cast):
    notice = factories.early_notification(cast)
    colleague = factories.user("ke_tromso_2", cast.tromso, "ke_staff", first_name="Kari",
                               last_name="Kollega")
    services.acknowledge_early_notification(notice, by=colleague)
    client.force_login(cast.ke_tromso)
    response = acknowledge(client, notice)
    html = response.content.decode()
    assert response.status_code == 409
    assert re.search(r'class="row-note row-note--error"[^>]*>Allerede kvittert av '
                     r"Kari Kollega \d\d\.\d\d\.\d{4} \d\d:\d\d\.", html)
    assert 'hx-swap-oob="innerHTML:#announcer">Allerede kvittert av Kari Kollega' in html
    notice.refresh_from_db()
    assert notice.acknowledged_by == colleague


def test_acknowledging_without_javascript_returns_to_the_inbox_with_a_message(client, cast):
    notice = factories.early_notification(cast)
    client.force_login(cast.ke_tromso)
    response = acknowledge(client, notice, htmx=False)
    assert response.status_code == 302 and response["Location"] == reverse(INBOX)
    again = acknowledge(client, notice, htmx=False)
    page = client.get(again["Location"]).content.decode()
    assert "Allerede kvittert av Kåre Tromsø" in page


def test_another_municipality_cannot_acknowledge(client, cast):
    notice = factories.early_notification(cast)
    client.force_login(cast.ke_bodo)
    assert acknowledge(client, notice).status_code == 404  # outside Bodø's scope
    factories.relate(cast.shared, cast.bodo, cast.ke_tromso, CareRelationshipReason.REFERRAL)
    response = acknowledge(client, notice)  # in scope now, but not Bodø's to acknowledge
    assert response.status_code == 403
    assert "Bare koordinerende enhet i Tromsø kan svare for kommunen." in \
        response.content.decode()
    notice.refresh_from_db()
    assert notice.acknowledged_at is None


# ---------------------------------------------------------------------------------------
# Answering ready for discharge


@pytest.fixture
def declaration(cast):
    return factories.ready_for_discharge(cast, admit(cast, hours_ago=30))


def test_it_lists_declarations_awaiting_an_answer(client, cast, declaration):
    client.force_login(cast.ke_tromso)
    html = inbox(client).content.decode()
    assert f'id="declaration-{declaration.uuid}"' in html
    assert "Ikke besvart" in html
    form = client.get(reverse("pathways:answer_declaration", args=[declaration.uuid]), **HTMX)
    assert 'name="kind"' in form.content.decode() and "<html" not in form.content.decode()


def test_it_answers_can_receive_on_a_date(client, cast, declaration):
    client.force_login(cast.ke_tromso)
    day = (timezone.localdate() + datetime.timedelta(days=2)).isoformat()
    response = answer(client, declaration, kind="can_receive", receive_on=day)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Svaret er sendt til UNN Tromsø: kan ta imot." in html
    assert '<div id="ke-lists"' in html and 'hx-swap-oob="true"' in html  # lists refreshed
    saved = MunicipalAnswer.objects.get()
    assert (saved.kind, saved.receive_on.isoformat(), saved.answered_by) == (
        "can_receive", day, cast.ke_tromso)


def test_it_answers_cannot_yet_with_an_expected_date(client, cast, declaration):
    client.force_login(cast.ke_tromso)
    day = (timezone.localdate() + datetime.timedelta(days=7)).isoformat()
    response = answer(client, declaration, kind="cannot_yet", expected_date=day,
                      comment="Venter på sykehjemsplass")
    assert response.status_code == 200
    assert MunicipalAnswer.objects.get().expected_date.isoformat() == day
    assert "Svart: kan ikke ta imot ennå (Kåre Tromsø)." in inbox(client).content.decode()


def test_it_asks_for_the_date_when_the_municipality_can_receive(client, cast, declaration):
    client.force_login(cast.ke_tromso)
    response = answer(client, declaration, kind="can_receive")
    assert response.status_code == 422
    assert response.context["form"].errors["receive_on"] == [
        "Oppgi fra hvilken dato dere kan ta imot."]
    assert 'href="#id_receive_on"' in response.content.decode()
    assert not MunicipalAnswer.objects.exists()


def test_it_refuses_an_answer_for_another_municipality(client, cast, declaration):
    factories.relate(cast.shared, cast.bodo, cast.ke_tromso, CareRelationshipReason.REFERRAL)
    client.force_login(cast.ke_bodo)
    response = answer(client, declaration, kind="cannot_yet")
    assert response.status_code == 403
    assert "Bare koordinerende enhet i Tromsø kan svare for kommunen." in \
        response.content.decode()
    assert not MunicipalAnswer.objects.exists()


def test_it_answers_404_for_a_declaration_outside_the_users_scope(client, cast, declaration):
    client.force_login(cast.ke_bodo)
    url = reverse("pathways:answer_declaration", args=[declaration.uuid])
    assert client.get(url).status_code == 404
    assert answer(client, declaration, kind="cannot_yet").status_code == 404


def test_a_withdrawn_declaration_cannot_be_answered(client, cast, declaration):
    services.withdraw_ready_for_discharge(declaration.admission, by=cast.planner)
    client.force_login(cast.ke_tromso)
    assert f'id="declaration-{declaration.uuid}"' not in inbox(client).content.decode()
    response = answer(client, declaration, kind="cannot_yet")
    assert response.status_code == 409
    assert "Erklæringen gjelder ikke lenger" in response.content.decode()


# ---------------------------------------------------------------------------------------
# Meetings and invitations


@pytest.fixture
def meeting(cast):
    return factories.discharge_meeting(
        cast, hours_ahead=24, participants=[
            {"kind": "coordinating_unit", "user": cast.ke_tromso, "organization": cast.tromso},
            {"kind": "hospital_staff", "user": cast.planner}])


def test_it_shows_the_ke_its_invitation_and_takes_the_answer(client, cast, meeting):
    client.force_login(cast.ke_tromso)
    html = inbox(client).content.decode()
    assert f'id="meeting-{meeting.uuid}"' in html and "Møterom 3" in html
    assert f'id="accept-{meeting.uuid}"' in html
    response = client.post(reverse("pathways:respond_to_meeting", args=[meeting.uuid]),
                           {"status": "accepted"}, **HTMX)
    assert response.status_code == 200
    assert "Du har takket ja til utskrivingsmøtet" in response.content.decode()
    participant = MeetingParticipant.objects.get(user=cast.ke_tromso)
    assert participant.status == "accepted"
    # The planner who called the meeting takes part from the start (issue 12, item 7), with
    # no invitation of her own: the count is of the people she invited.
    assert "1 av 1 har takket ja" in response.content.decode()


def test_a_ke_sees_a_meeting_of_another_municipality_only_while_invited_and_ahead(client,
                                                                                  cast):
    """Bodø's KE, invited to a Tromsø patient's meeting, finds it in her inbox; a meeting
    she was invited to that is over, and one she is not invited to, are not there."""
    ahead = factories.discharge_meeting(cast, hours_ahead=24, participants=[
        {"kind": "coordinating_unit", "user": cast.ke_bodo, "organization": cast.bodo}])
    client.force_login(cast.ke_bodo)
    html = inbox(client).content.decode()
    assert f'id="meeting-{ahead.uuid}"' in html
    ahead.scheduled_at = timezone.now() - datetime.timedelta(hours=2)
    ahead.save(update_fields=["scheduled_at"])
    MeetingParticipant.objects.filter(user=cast.ke_bodo).delete()
    other = factories.discharge_meeting(cast, ahead.admission, hours_ahead=48, participants=[
        {"kind": "hospital_staff", "user": cast.planner}])
    html = inbox(client).content.decode()
    assert f'id="meeting-{ahead.uuid}"' not in html
    assert f'id="meeting-{other.uuid}"' not in html


def test_the_upcoming_meetings_are_a_table_whose_names_lead_to_the_patient(client, cast,
                                                                         meeting):
    """A dense table in a named scroller like the queue's (cards only on a phone, by
    ke_inbox.css): the patient's name leads to the patient, the time to the meeting."""
    client.force_login(cast.ke_tromso)
    html = inbox(client).content.decode()
    caption = "Kommende utskrivingsmøter, det første først"
    assert f'role="region" tabindex="0" aria-label="{caption}"' in html
    table = html[html.rindex("<table", 0, html.index('id="meetings"')):]
    table = table[:table.index("</table>")]
    assert 'class="table queue"' in table
    assert f'<caption class="visually-hidden">{caption}</caption>' in table
    row = table[table.index(f'<tr id="meeting-{meeting.uuid}">'):]
    row = row[:row.index("</tr>")]
    patient = meeting.admission.patient
    assert f'<th scope="row" data-label="Pasient"><a href="' \
           f'{reverse("pathways:patient_detail", args=[patient.uuid])}">{patient.full_name}</a>' \
           in row
    assert f'href="{reverse("pathways:meeting_detail", args=[meeting.uuid])}"' in row
    assert "Møterom 3" in row and cast.planner.display_name() in row
    assert f'id="accept-{meeting.uuid}"' in row and f'id="invitation-{meeting.uuid}"' in row
    assert 'class="card' not in html[html.index('id="meetings-heading"'):]


def test_it_refuses_an_answer_to_a_meeting_that_has_started(client, cast, meeting):
    type(meeting).objects.filter(pk=meeting.pk).update(
        scheduled_at=timezone.now() - datetime.timedelta(minutes=5))
    client.force_login(cast.ke_tromso)
    response = client.post(reverse("pathways:respond_to_meeting", args=[meeting.uuid]),
                           {"status": "declined"}, **HTMX)
    assert response.status_code == 409
    assert "Møtet ligger ikke lenger fram i tid." in response.content.decode()


def test_nobody_answers_an_invitation_they_do_not_have(client, cast, meeting):
    client.force_login(cast.ke_bodo)
    response = client.post(reverse("pathways:respond_to_meeting", args=[meeting.uuid]),
                           {"status": "accepted"}, **HTMX)
    assert response.status_code == 404


# ---------------------------------------------------------------------------------------
# Query budget


def fill_inbox(cast, count):
    """count notices (half acknowledged), declarations with an answer and invitations."""
    for n in range(count):
        admission = admit(cast, tromso_patient(cast, f"Ola{n}", "Hansen"), hours_ago=30)
        notice = services.send_early_notification(admission, by=cast.planner)
        if n % 2:
            services.acknowledge_early_notification(notice, by=cast.ke_tromso)
        declaration = services.declare_ready_for_discharge(admission, by=cast.planner,
                                                           physician="Dr. Lege")
        services.answer_ready_for_discharge(declaration, by=cast.ke_tromso, kind="cannot_yet")
        services.schedule_discharge_meeting(
            admission, by=cast.planner, scheduled_at=timezone.now() + datetime.timedelta(days=1),
            location="Rom 1", participants=[{"kind": "coordinating_unit",
                                             "user": cast.ke_tromso}])


@pytest.mark.parametrize("rows", [3, 30])
def test_the_inbox_costs_the_same_queries_for_3_items_as_for_30(
        client, cast, django_assert_max_num_queries, rows):
    fill_inbox(cast, rows)
    client.force_login(cast.ke_tromso)
    with django_assert_max_num_queries(INBOX_BUDGET):
        response = inbox(client)
    context = response.context
    assert len(context["queue"].rows) == context["queue"].counts.total == rows
    assert len(context["declarations"]) == len(context["meetings"]) == rows
