"""The patient's pathway page: timeline, ready-for-discharge statement, levels over time."""

import datetime
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from pathways import services
from pathways.models import DailyRate
from registry.models import AuditAction, AuditEvent, Role, ServiceLevel
from tests import factories

# Queries of the pathway page, whatever the number of events:
#  1 session, 2 user, 3 the visible patient with municipality and the audit's grounds,
#  4 the user's memberships with the unread count (the audit's roles and the navigation),
#  5 INSERT of the audit event, 6 admissions with hospital, municipality, level and who
#  created and changed them, 7 sent notices with sender, acknowledger and level,
#  8 declarations with who declared and withdrew, 9 their answers with who answered,
#  10 meetings with organiser and last changer and the audit trail of meeting changes,
#  11 the shared plan of home rehabilitation (pathway variants' enrolments), 12 its
#  activities, 13 the municipality's admission reports, 14 the hospital's discharge reports,
#  15 the questions between the hospital and the municipality. The levels and daily rates
#  are reference data each process keeps in memory.
PATHWAY_BUDGET = 15


def url(patient):
    return reverse("pathways:patient_pathway", args=[patient.uuid])


def page(client, patient):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nb"
    return client.get(url(patient))


def admit(cast, patient=None, hours_ago=50, **fields):
    return factories.admit(cast, patient, hours_ago, **fields)


def whole_stay(cast, patient=None, hours_ago=50):
    """Every kind of event, in this order."""
    planner, ke = cast.planner, cast.ke_tromso
    admission = admit(cast, patient, hours_ago)
    notice = services.send_early_notification(
        admission, by=planner, proposed_level=ServiceLevel.objects.get(code="3"))
    services.acknowledge_early_notification(notice, by=ke)
    declaration = services.declare_ready_for_discharge(admission, by=planner,
                                                       physician="Dr. Lege")
    services.answer_ready_for_discharge(declaration, by=ke, kind="cannot_yet",
                                        expected_date=timezone.localdate())
    services.withdraw_ready_for_discharge(admission, by=planner, reason="Feber")
    meeting = services.schedule_discharge_meeting(
        admission, by=planner, scheduled_at=timezone.now() + datetime.timedelta(days=2),
        location="Møterom 3", participants=[{"kind": "coordinating_unit", "user": ke}])
    services.reschedule_discharge_meeting(
        meeting, by=ke, scheduled_at=timezone.now() + datetime.timedelta(days=3))
    services.cancel_discharge_meeting(meeting, by=planner, reason="Utskrives før")
    services.discharge_patient(admission, by=planner, destination="municipal_rehabilitation",
                               discharge_level=ServiceLevel.objects.get(code="4"))
    return admission


# ---------------------------------------------------------------------------------------
# Who sees it


def test_it_sends_anonymous_visitors_to_the_login_page(client, cast):
    response = client.get(url(cast.shared))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("member", ["planner", "ke_tromso", "coordinator"])
def test_it_shows_the_pathway_to_those_who_may_see_the_patient_and_audits_it(
        client, cast, member):
    admit(cast)
    user = getattr(cast, member)
    client.force_login(user)
    response = page(client, cast.shared)
    assert response.status_code == 200
    assert "Pasientforløpet til Astrid Aune" in response.content.decode()
    event = AuditEvent.objects.get(object_type="pathway")
    assert (event.user, event.action, event.patient_uuid) == (
        user, AuditAction.VIEW, cast.shared.uuid)


@pytest.mark.parametrize(("member", "patient"), [
    ("ke_bodo", "shared"), ("planner", "tromso_only"), ("coordinator", "tromso_only"),
    ("ke_tromso", "bodo_only"),
])
def test_it_answers_404_outside_the_users_scope(client, cast, member, patient):
    client.force_login(getattr(cast, member))
    assert page(client, getattr(cast, patient)).status_code == 404
    assert not AuditEvent.objects.filter(object_type="pathway").exists()


def test_an_organisation_admin_sees_no_pathway(client, cast):
    client.force_login(factories.user("admin_tromso", cast.tromso, Role.ORG_ADMIN))
    assert page(client, cast.tromso_only).status_code == 404


def test_the_patient_page_links_to_the_pathway(client, cast):
    client.force_login(cast.planner)
    html = client.get(reverse("pathways:patient_detail", args=[cast.shared.uuid])).content
    assert url(cast.shared).encode() in html


def test_the_reminders_link_to_the_pathway_page(cast):
    """Notifications (and the Celery reminders) point at /patients/<uuid>/pathway/."""
    admission = admit(cast)
    notice = services.send_early_notification(admission, by=cast.planner)
    link = cast.ke_tromso.notifications.get(subject_uuid=notice.uuid).url
    assert link == url(cast.shared)


# ---------------------------------------------------------------------------------------
# The timeline


def test_the_timeline_shows_every_event_in_time_order_with_who(client, cast):
    whole_stay(cast)
    client.force_login(cast.planner)
    html = page(client, cast.shared).content.decode()
    timeline = html[html.index('id="timeline"'):]
    kinds = re.findall(r'data-kind="(\w+)"', timeline)
    assert kinds == ["admission", "notice", "acknowledged", "ready", "answer", "withdrawn",
                     "meeting", "meeting", "cancelled", "discharge"]
    times = re.findall(r'<time class="timeline__time" datetime="([^"]+)"', timeline)
    assert times == sorted(times, key=datetime.datetime.fromisoformat)
    for text in ("Innlagt på UNN Tromsø, avdeling Slag",
                 "Tidligmelding versjon 1 sendt (første melding)", "Foreslått nivå 3.",
                 "Tidligmelding versjon 1 kvittert", "Kåre Tromsø, Tromsø",
                 "Erklært utskrivningsklar", "Lege som erklærte: Dr. Lege.",
                 "Kommunen kan ikke ta imot pasienten ennå (forventet",
                 "Utskrivningsklar pasient meldt av", "Feber",
                 "Utskrivingsmøte planlagt", "Utskrivingsmøtet er endret",
                 "Utskrivingsmøtet er avlyst",
                 "Utskrevet: Kommunal rehabilitering (nivå 2–4)",
                 "Nivå etter utskrivning: 4"):
        assert text in timeline, text


def test_the_timeline_says_who_changed_and_who_cancelled_each_meeting_and_when(client, cast):
    planner, ke = cast.planner, cast.ke_tromso
    admission = admit(cast)
    first = services.schedule_discharge_meeting(
        admission, by=planner, scheduled_at=timezone.now() + datetime.timedelta(days=2),
        location="Møterom 3", participants=[])
    second = services.schedule_discharge_meeting(
        admission, by=planner, scheduled_at=timezone.now() + datetime.timedelta(days=5),
        location="Møterom 4", participants=[])
    services.reschedule_discharge_meeting(
        first, by=ke, scheduled_at=timezone.now() + datetime.timedelta(days=3))
    services.reschedule_discharge_meeting(
        first, by=planner, scheduled_at=timezone.now() + datetime.timedelta(days=4))
    services.cancel_discharge_meeting(second, by=ke, reason="Utskrives før")
    client.force_login(planner)
    html = page(client, cast.shared).content.decode()
    timeline = html[html.index('id="timeline"'):]
    events = re.findall(r'<li class="timeline__event[^"]*" data-kind="(\w+)">(.*?)</li>',
                        timeline, re.S)
    changes = [(kind, re.search(r'href="([^"]+)"', body)[1],
                re.search(r'timeline__who">([^<]*)<', body)[1], "Nå " in body)
               for kind, body in events if "endret" in body or "avlyst" in body]
    first_url = reverse("pathways:meeting_detail", args=[first.uuid])
    second_url = reverse("pathways:meeting_detail", args=[second.uuid])
    # Only the last change of a meeting says where and when it now is.
    assert changes == [
        ("meeting", first_url, f"{ke.display_name()}, {cast.tromso.name}", False),
        ("meeting", first_url, f"{planner.display_name()}, {cast.unn.name}", True),
        ("cancelled", second_url, f"{ke.display_name()}, {cast.tromso.name}", False)]


def test_the_timeline_marks_a_late_first_notice(client, cast):
    admission = admit(cast, hours_ago=30)
    services.send_early_notification(admission, by=cast.planner)
    client.force_login(cast.planner)
    assert "Sendt etter fristen" in page(client, cast.shared).content.decode()


def test_a_transfer_and_a_death_are_on_the_timeline(client, cast):
    nlsh = factories.organization("hospital", "Nordlandssykehuset", parent=cast.unn_hf)
    nlsh_planner = factories.user("planner_nlsh", nlsh, Role.DISCHARGE_PLANNER)
    admission = admit(cast)
    new = services.transfer_patient(admission, by=cast.planner, to_hospital=nlsh,
                                    ward=factories.ward(nlsh, "Medisin"))
    services.record_death(new, by=nlsh_planner, died_at=timezone.now())
    client.force_login(cast.ke_tromso)
    html = page(client, cast.shared).content.decode()
    assert "Overført til et annet sykehus" in html
    assert "Overført fra UNN Tromsø." in html
    assert "Død på sykehuset" in html


def test_a_held_meeting_is_on_the_timeline_with_its_decisions(client, cast):
    admission = admit(cast)
    meeting = services.schedule_discharge_meeting(
        admission, by=cast.planner, scheduled_at=timezone.now() + datetime.timedelta(hours=1),
        video_link="https://video.example.org/m/1",
        participants=[{"kind": "coordinating_unit", "user": cast.ke_tromso}])
    type(meeting).objects.filter(pk=meeting.pk).update(
        scheduled_at=timezone.now() - datetime.timedelta(minutes=30))
    meeting.refresh_from_db()
    services.record_minutes(meeting, by=cast.ke_tromso, minutes="Gjennomgått",
                            decisions="Hverdagsrehabilitering fra utskrivning")
    client.force_login(cast.planner)
    html = page(client, cast.shared).content.decode()
    assert 'data-kind="held"' in html
    assert "Utskrivingsmøte holdt" in html
    assert "Hverdagsrehabilitering fra utskrivning" in html


# ---------------------------------------------------------------------------------------
# The ready-for-discharge statement


def declare_days_ago(cast, days):
    admission = admit(cast, hours_ago=24 * (days + 2))
    declared = timezone.localtime() - datetime.timedelta(days=days)
    return services.declare_ready_for_discharge(admission, by=cast.planner,
                                                physician="Dr. Lege", declared_at=declared)


def set_rates(amount="5745"):
    today = timezone.localdate()
    for year in {today.year, (today - datetime.timedelta(days=10)).year}:
        DailyRate.objects.update_or_create(year=year, defaults={"amount": Decimal(amount)})


def test_the_statement_counts_day_by_day_with_reasons_and_amounts(client, cast):
    set_rates("5745")
    declaration = declare_days_ago(cast, 3)
    declared_day = timezone.localtime(declaration.declared_at)
    first = services.answer_ready_for_discharge(declaration, by=cast.ke_tromso,
                                                kind="cannot_yet")
    second = services.answer_ready_for_discharge(
        declaration, by=cast.ke_tromso, kind="can_receive",
        receive_on=timezone.localdate() - datetime.timedelta(days=1))
    # The answers came on the second and third day.
    type(first).objects.filter(pk=first.pk).update(
        answered_at=declared_day + datetime.timedelta(days=1))
    type(second).objects.filter(pk=second.pk).update(
        answered_at=declared_day + datetime.timedelta(days=2))
    client.force_login(cast.ke_tromso)
    response = page(client, cast.shared)
    lines = response.context["statements"][0]["statement"].lines
    assert [line.billable for line in lines] == [True, True, False, False]
    html = response.content.decode()
    table = html[html.index('class="table statement__table"'):]
    assert "Ikke svar fra kommunen." in table
    assert "Kommunen kan ikke ta imot pasienten ennå." in table
    assert "Kommunen kan ta imot pasienten; oppholdet er sykehusets ansvar." in table
    assert re.search(r"<strong>11\s490</strong>", table)  # 2 days × 5 745
    assert "2 døgn betales av kommunen" in table
    assert "Ingen døgnsats er registrert" not in html


def test_the_statement_warns_when_a_years_rate_is_missing(client, cast):
    DailyRate.objects.filter(year=timezone.localdate().year).delete()
    declare_days_ago(cast, 1)
    client.force_login(cast.planner)
    html = page(client, cast.shared).content.decode()
    assert f"Ingen døgnsats er registrert for {timezone.localdate().year}: en administrator " \
           "må legge den inn." in html
    assert "Mangler" in html


def test_withdrawal_ends_the_statements_period(client, cast):
    set_rates()
    declaration = declare_days_ago(cast, 3)
    services.withdraw_ready_for_discharge(declaration.admission, by=cast.planner)
    client.force_login(cast.planner)
    lines = page(client, cast.shared).context["statements"][0]["statement"].lines
    assert len(lines) == 3  # the day of the withdrawal is not counted
    assert all(line.billable for line in lines)


# ---------------------------------------------------------------------------------------
# The levels over time


def test_the_levels_are_drawn_as_an_accessible_svg_with_a_table(client, cast):
    whole_stay(cast)
    client.force_login(cast.planner)
    html = page(client, cast.shared).content.decode()
    svg = html[html.index("<svg class=\"level-chart__svg\""):html.index("</svg>")]
    assert 'role="img"' in svg and 'aria-labelledby="level-chart-title level-chart-desc"' in svg
    assert '<title id="level-chart-title">Pasientens nivåer i rehabiliteringspyramiden over ' \
           'tid</title>' in svg
    assert re.search(r'<desc id="level-chart-desc">Sykehusopphold, UNN Tromsø: nivå 5\.2 fra',
                     svg)
    assert 'class="level-chart__stay"' in svg  # the hospital stay
    assert 'class="level-chart__proposed"' in svg  # level 3, proposed in the notice
    assert 'class="level-chart__after"' in svg  # level 4 after discharge
    assert not re.search(r'(?:x1|x2|y1|y2|cx|cy)="\d+,\d', svg)  # no decimal commas
    for code in ("1", "2", "3", "4", "5.1", "5.2", "5.3"):
        assert f'dominant-baseline="middle">{code}</text>' in svg
    assert "tegnet på nivå 5.2 fordi portalen ikke kjenner nivået" in html  # legend
    table = html[html.index('class="level-chart__table"'):]
    assert "3 Tverrfaglig rehabiliteringsteam" in table or "<th scope=\"row\">3 " in table
    assert "Foreslått i tidligmelding versjon 1" in table
    assert "Etter utskrivning fra UNN Tromsø" in table and "pågår" in table


def test_a_patient_without_admissions_has_no_picture(client, cast):
    client.force_login(cast.ke_tromso)
    response = page(client, cast.tromso_only)
    assert response.context["chart"] is None
    assert "Ingen innleggelser er registrert" in response.content.decode()


# ---------------------------------------------------------------------------------------
# Query budget


@pytest.mark.parametrize("stays", [3, 30])
def test_the_pathway_costs_the_same_queries_for_3_stays_as_for_30(
        client, cast, django_assert_max_num_queries, stays):
    for n in range(stays):
        whole_stay(cast, hours_ago=50 + n)
    client.force_login(cast.planner)
    page(client, cast.shared)  # a running server has read the reference data already
    with django_assert_max_num_queries(PATHWAY_BUDGET):
        response = page(client, cast.shared)
    assert len(response.context["events"]) == 10 * stays
