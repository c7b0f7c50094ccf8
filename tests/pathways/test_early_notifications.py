import datetime

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from common.exceptions import StateConflict
from pathways import services
from pathways.models import Admission, EarlyNotification, MessageStatus, NoticeState
from registry.models import Notification, OrganizationKind, Role, ServiceLevel
from tests import factories
from tests.factories import admit


def test_it_sends_a_notice_with_nothing_filled_in(cast):
    admission = admit(cast)
    notice = services.send_early_notification(admission, by=cast.planner)
    assert (notice.state, notice.sequence, notice.message_status) == (
        NoticeState.SENT, 1, MessageStatus.NEW)
    assert not notice.late
    admission.refresh_from_db()
    assert admission.first_notification_sent_at == notice.sent_at


def test_it_marks_a_notice_sent_after_the_deadline_as_late(cast):
    admission = admit(cast, hours_ago=30)
    assert services.send_early_notification(admission, by=cast.planner).late


def test_it_sends_the_draft_the_ward_prepared(cast):
    admission = admit(cast)
    level = ServiceLevel.objects.get(code="3")
    services.save_draft(admission, by=cast.planner, expected_course="Stabil",
                        barthel_index=55, proposed_level=level)
    notice = services.send_early_notification(admission, by=cast.planner, modified_rankin=3)
    assert EarlyNotification.objects.count() == 1
    assert (notice.expected_course, notice.barthel_index, notice.modified_rankin,
            notice.proposed_level) == ("Stabil", 55, 3, level)


def test_it_sends_a_later_version_as_a_change_unless_told_otherwise(cast):
    admission = admit(cast)
    services.send_early_notification(admission, by=cast.planner)
    second = services.send_early_notification(admission, by=cast.planner,
                                              expected_course="Bedre")
    assert (second.sequence, second.message_status) == (2, MessageStatus.CHANGE)
    services.save_draft(admission, by=cast.planner, expected_course="Mer")
    third = services.send_early_notification(admission, by=cast.planner,
                                             message_status=MessageStatus.ADDITION)
    assert (third.sequence, third.message_status, third.expected_course) == (
        3, MessageStatus.ADDITION, "Mer")
    assert list(admission.early_notifications.values_list("sequence", flat=True)) == [1, 2, 3]


def test_it_cancels_only_when_asked_and_never_calls_a_later_version_new(cast):
    admission = admit(cast)
    with pytest.raises(ValidationError) as exc_info:
        services.send_early_notification(admission, by=cast.planner,
                                         message_status=MessageStatus.CANCEL)
    assert "message_status" in exc_info.value.message_dict
    services.send_early_notification(admission, by=cast.planner)
    with pytest.raises(ValidationError) as exc_info:
        services.send_early_notification(admission, by=cast.planner,
                                         message_status=MessageStatus.NEW)
    assert "message_status" in exc_info.value.message_dict
    cancelled = services.send_early_notification(admission, by=cast.planner,
                                                 message_status=MessageStatus.CANCEL)
    assert (cancelled.sequence, cancelled.message_status) == (2, MessageStatus.CANCEL)
    assert [s for s in admission.early_notifications.values_list("message_status", flat=True)
            ] == [MessageStatus.NEW, MessageStatus.CANCEL]


def test_it_refuses_out_of_range_scores(cast):
    admission = admit(cast)
    with pytest.raises(ValidationError) as exc_info:
        services.send_early_notification(admission, by=cast.planner, barthel_index=101,
                                         modified_rankin=7)
    assert {"barthel_index", "modified_rankin"} <= set(exc_info.value.message_dict)
    assert not EarlyNotification.objects.exists()


def test_it_refuses_a_notice_from_another_hospital(cast):
    other_hospital = factories.organization(OrganizationKind.HOSPITAL, "Nordlandssykehuset",
                                            parent=cast.unn_hf)
    stranger = factories.user("planner_nlsh", other_hospital, Role.DISCHARGE_PLANNER)
    admission = admit(cast)
    # The stranger can even see the patient (own admission elsewhere), but not this stay.
    factories.relate(cast.shared, other_hospital, stranger)
    with pytest.raises(PermissionDenied):
        services.send_early_notification(admission, by=stranger)
    assert not EarlyNotification.objects.exists()


def test_it_lets_the_municipality_acknowledge_once(cast):
    admission = admit(cast)
    notice = services.send_early_notification(admission, by=cast.planner)
    services.acknowledge_early_notification(notice, by=cast.ke_tromso)
    with pytest.raises(StateConflict) as exc_info:
        services.acknowledge_early_notification(notice, by=cast.ke_tromso)
    assert "Kåre Tromsø" in exc_info.value.message
    notice.refresh_from_db()
    assert notice.acknowledged_by == cast.ke_tromso


def test_it_refuses_acknowledgement_by_another_municipality(cast):
    notice = services.send_early_notification(admit(cast), by=cast.planner)
    with pytest.raises(PermissionDenied):
        services.acknowledge_early_notification(notice, by=cast.ke_bodo)
    notice.refresh_from_db()
    assert notice.acknowledged_at is None


def test_it_alerts_the_municipal_ke_and_tells_the_ward_of_the_acknowledgement(cast):
    notice = services.send_early_notification(admit(cast), by=cast.planner)
    to_ke = Notification.objects.filter(kind="early_notification.new")
    assert set(to_ke.values_list("recipient__username", flat=True)) == {"ke_tromso"}
    assert all("Astrid" not in n.title and "Aune" not in n.title for n in to_ke)
    services.acknowledge_early_notification(notice, by=cast.ke_tromso)
    assert Notification.objects.filter(kind="early_notification.acknowledged",
                                        recipient=cast.planner).exists()


def test_it_sends_nothing_for_a_closed_admission(cast):
    admission = admit(cast)
    services.discharge_patient(admission, by=cast.planner, destination="home")
    with pytest.raises(StateConflict):
        services.send_early_notification(Admission.objects.get(pk=admission.pk),
                                         by=cast.planner)


# ---------------------------------------------------------------------------------------
# The estimated discharge date given at admission


def test_it_carries_the_estimated_discharge_date_of_the_admission_into_the_notice(cast):
    due = timezone.localdate() + datetime.timedelta(days=5)
    admission = admit(cast, estimated_discharge_date=due)
    draft = services.save_draft(admission, by=cast.planner, expected_course="Stabil")
    assert draft.estimated_discharge_date == due
    notice = services.send_early_notification(admission, by=cast.planner)
    assert notice.estimated_discharge_date == due
    # Without a draft too (an EPJ system sending only what it knows).
    other = admit(cast, patient=factories.patient(cast.planner, "Per", "Pleie",
                                                  municipality=cast.tromso),
                  estimated_discharge_date=due)
    assert services.send_early_notification(other, by=cast.planner) \
        .estimated_discharge_date == due


def test_a_date_left_empty_on_purpose_stays_empty_and_the_admissions_is_shown(cast):
    due = timezone.localdate() + datetime.timedelta(days=5)
    admission = admit(cast, estimated_discharge_date=due)
    notice = services.send_early_notification(admission, by=cast.planner,
                                              estimated_discharge_date=None)
    assert notice.estimated_discharge_date is None
    assert notice.expected_discharge_date == due  # what the KE is shown
    with translation.override("nb"):
        html = render_to_string("pathways/partials/notice_content.html", {"notice": notice})
    assert f"<dd>{due:%d.%m.%Y}</dd>" in html
    assert "Ikke kjent ennå" not in html


def test_the_ke_sees_the_date_given_at_admission_in_its_inbox(client, cast):
    due = timezone.localdate() + datetime.timedelta(days=6)
    services.send_early_notification(admit(cast, estimated_discharge_date=due), by=cast.planner)
    client.force_login(cast.ke_tromso)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nb"
    html = client.get(reverse("pathways:ke_inbox")).content.decode()
    assert f"{due:%d.%m.%Y}" in html
