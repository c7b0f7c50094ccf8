import pytest
from django.core.exceptions import PermissionDenied, ValidationError

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


def test_it_versions_later_notices_and_requires_their_status(cast):
    admission = admit(cast)
    services.send_early_notification(admission, by=cast.planner)
    with pytest.raises(ValidationError) as exc_info:
        services.send_early_notification(admission, by=cast.planner, expected_course="Bedre")
    assert "message_status" in exc_info.value.message_dict
    services.save_draft(admission, by=cast.planner, expected_course="Bedre")
    second = services.send_early_notification(admission, by=cast.planner,
                                              message_status=MessageStatus.CHANGE)
    assert (second.sequence, second.message_status) == (2, MessageStatus.CHANGE)
    assert list(admission.early_notifications.values_list("sequence", flat=True)) == [1, 2]


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
