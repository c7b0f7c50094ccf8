"""The early notification: drafts, sending (first notice and later versions) and the
municipality's acknowledgement. Nothing in the content is required to send."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from common import dates
from common.exceptions import StateConflict
from registry import audit
from registry.models import AuditAction, AuditObjectType

from .. import access, signals
from ..models import Admission, EarlyNotification, MessageStatus, NoticeState
from ._common import emit, notify_hospital, notify_municipality, step

NOTICE_FIELDS = (
    "expected_course", "estimated_discharge_date", "municipal_services_assessment",
    "functional_level", "barthel_index", "modified_rankin", "rehabilitation_need",
    "proposed_level", "information_given_to_patient", "next_of_kin_informed",
    "requests_individual_plan",
)
FOLLOW_UP_STATUSES = (MessageStatus.CHANGE, MessageStatus.ADDITION, MessageStatus.CANCEL,
                      MessageStatus.REPLACES)


def _check_fields(content: dict) -> None:
    unknown = set(content) - set(NOTICE_FIELDS)
    if unknown:
        raise ValueError(f"Unknown notice fields: {sorted(unknown)}")


def _last_sent_sequence(admission: Admission) -> int:
    return admission.early_notifications.filter(state=NoticeState.SENT).aggregate(
        last=Max("sequence"))["last"] or 0


def _new_notice(admission: Admission, by) -> EarlyNotification:
    """A notice not yet written starts from what the admission knows: the estimated
    discharge date given at admission (or changed since) is carried in unless the content
    says otherwise."""
    return EarlyNotification(admission=admission, created_by=by,
                             municipality_id=admission.municipality_id,
                             estimated_discharge_date=admission.estimated_discharge_date)


@transaction.atomic
def save_draft(admission: Admission, *, by, **content) -> EarlyNotification:
    """Keep the ward's work in progress; one draft per admission."""
    access.require_hospital_staff(by, admission)
    _check_fields(content)
    # Lock the admission as send_early_notification does: drafts and sends take turns.
    admission = Admission.objects.select_for_update().get(pk=admission.pk)
    draft = admission.early_notifications.select_for_update().filter(
        state=NoticeState.DRAFT).first()
    if draft is None:
        draft = _new_notice(admission, by)
    for name, value in content.items():
        setattr(draft, name, value)
    draft.sequence = _last_sent_sequence(admission) + 1
    draft.updated_by = by
    draft.full_clean()
    draft.save()
    audit.record(by, AuditAction.UPDATE, AuditObjectType.EARLY_NOTIFICATION, draft.uuid,
                 patient_uuid=admission.patient.uuid, detail="draft")
    return draft


@transaction.atomic
def send_early_notification(admission: Admission, *, by, message_status: str | None = None,
                            **content) -> EarlyNotification:
    """Send the notice now. The first is `new`; a later version is a `change` (PLO's
    "Endring": updated information) unless it says it is an addition, a replacement or a
    cancellation: a cancellation is only ever sent when asked for. A draft, if any, is what
    gets sent."""
    access.require_hospital_staff(by, admission)
    _check_fields(content)
    # Lock the admission row: two planners sending at once get consecutive versions.
    admission = Admission.objects.select_for_update().get(pk=admission.pk)
    if not admission.is_open:
        raise StateConflict(_("The admission is closed; send no more notices for it."),
                            code="closed")
    last_sent = _last_sent_sequence(admission)
    first = last_sent == 0
    if first:
        if message_status not in (None, MessageStatus.NEW):
            raise ValidationError({"message_status": _(
                "The first notice is a new one; changes come after it.")})
        message_status = MessageStatus.NEW
    elif message_status is None:
        message_status = MessageStatus.CHANGE
    elif message_status not in FOLLOW_UP_STATUSES:
        raise ValidationError({"message_status": _(
            "A notice was already sent: this version is a change, an addition, a "
            "replacement or a cancellation, not a new notice.")})
    notice = admission.early_notifications.filter(state=NoticeState.DRAFT).first() \
        or _new_notice(admission, by)
    notice.municipality_id = admission.municipality_id
    for name, value in content.items():
        setattr(notice, name, value)
    now = timezone.now()
    notice.sequence = last_sent + 1
    notice.message_status = message_status
    notice.state = NoticeState.SENT
    notice.sent_at = now
    notice.sent_by = by
    notice.late = first and now > admission.notification_deadline
    notice.updated_by = by
    notice.full_clean()
    try:
        with transaction.atomic():
            notice.save()
    except IntegrityError as exc:
        raise StateConflict(_("Another version was sent at the same moment; reload."),
                            code="concurrent_send") from exc
    if first:
        Admission.objects.filter(pk=admission.pk, first_notification_sent_at__isnull=True) \
            .update(first_notification_sent_at=now, updated_at=now)
    if notice.estimated_discharge_date and \
            notice.estimated_discharge_date != admission.estimated_discharge_date:
        Admission.objects.filter(pk=admission.pk).update(
            estimated_discharge_date=notice.estimated_discharge_date, updated_at=now)
    audit.record(by, AuditAction.CREATE, AuditObjectType.EARLY_NOTIFICATION, notice.uuid,
                 patient_uuid=admission.patient.uuid,
                 detail=f"sent v{notice.sequence} {message_status}")
    signals.early_notification_sent.send(sender=EarlyNotification, notice=notice, by=by)
    emit("early_notification.sent", notice, admission.patient, "early-notification-detail")
    step("early_notification.sent", notice, admission, by)
    title = _("Early notification: a patient from your municipality is admitted") if first \
        else _("Updated early notification (%(status)s)") % {
            "status": notice.get_message_status_display().lower()}
    notify_municipality(admission, f"early_notification.{message_status}", title,
                         _("%(hospital)s, ward %(ward)s.") % {
                             "hospital": admission.hospital.name, "ward": admission.ward},
                         subject=notice)
    return notice


@transaction.atomic
def acknowledge_early_notification(notice: EarlyNotification, *, by) -> EarlyNotification:
    """The municipal KE confirms it has read the notice; the hospital sees who and when."""
    admission = notice.admission
    access.require_municipal_ke(by, admission)
    if notice.state != NoticeState.SENT:
        raise StateConflict(_("A draft cannot be acknowledged."), code="not_sent")
    now = timezone.now()
    claimed = EarlyNotification.objects.filter(
        pk=notice.pk, acknowledged_at__isnull=True
    ).update(acknowledged_at=now, acknowledged_by=by, updated_at=now, updated_by=by)
    notice.refresh_from_db()
    if not claimed:
        raise StateConflict(
            _("Already acknowledged by %(user)s at %(time)s.") % {
                "user": notice.acknowledged_by.display_name(),
                "time": dates.when(notice.acknowledged_at)},
            code="already_acknowledged")
    audit.record(by, AuditAction.UPDATE, AuditObjectType.EARLY_NOTIFICATION, notice.uuid,
                 patient_uuid=admission.patient.uuid, detail="acknowledged")
    emit("early_notification.acknowledged", notice, admission.patient,
          "early-notification-detail")
    notify_hospital(admission, "early_notification.acknowledged",
                     _("The municipality acknowledged an early notification"), subject=notice)
    return notice
