"""The ward board's rows: each open admission with what its row shows (the notices and their
receipts, the declaration and its answer, the next meeting, the checklist), read in a fixed
number of queries and worked out without more."""

import datetime
from types import SimpleNamespace

from django.db.models import (
    Case,
    Count,
    DateTimeField,
    F,
    Func,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
    When,
)
from django.utils.translation import gettext as _

from registry.models import Notification, NotificationChannel, Ward
from registry.models.wards import normalize_code

from ..access import with_grounds
from ..deadlines import local_date
from ..models import (
    Admission,
    AdmissionStatus,
    DischargeMeeting,
    EarlyNotification,
    MeetingStatus,
    MessageStatus,
    MunicipalAnswer,
    MunicipalAnswerKind,
    NoticeState,
    ParticipantStatus,
    ReadyForDischarge,
)
from . import common

ALL_WARDS = "all"  # the ward picker's value for the whole hospital
PAGE_SIZE = 50  # rows a page of the board shows (a hospital has thousands of open stays)
# The notifications a sent notice makes for the municipality's KE (not the hospital's copy
# of the acknowledgement, nor reminders): services.notices names them by message status.
SENT_KINDS = [f"early_notification.{status}" for status in MessageStatus.values]


def ward_conditions(ward, path: str = "") -> dict:
    """The filter of one ward (a registry.Ward, or its code as a poll names it), or none for
    ALL_WARDS / None: the whole hospital."""
    if ward is None or ward == ALL_WARDS:
        return {}
    if isinstance(ward, Ward):
        return {f"{path}ward": ward}
    return {f"{path}ward__code": normalize_code(ward)}


def ward_key(ward) -> str:
    """What the board's URL says for the ward: its code, or ALL_WARDS."""
    if ward is None or ward == ALL_WARDS:
        return ALL_WARDS
    return ward.code if isinstance(ward, Ward) else normalize_code(ward)


def open_admissions(user, hospital, ward):
    """Deny by default: only stays of patients the user may see."""
    return (Admission.objects.visible_to(user).open()
            .filter(hospital=hospital, **ward_conditions(ward)))


def board_order(admissions):
    """The board's order, worked out by the database so that a page reads only its rows:
    notices not yet sent first, the most urgent deadline first; then the others by the time
    of admission; the id last, so that a page boundary never moves."""
    unsent = Q(first_notification_sent_at__isnull=True)
    return admissions.order_by(
        Case(When(unsent, then=Value(0)), default=Value(1), output_field=IntegerField()),
        Case(When(unsent, then=F("notification_deadline")), default=F("admitted_at"),
             output_field=DateTimeField()),
        "pk")


def board_admissions(user, hospital, ward):
    """The ward's open admissions in the board's order with everything a row shows; a page of
    them (BoardRows) is read in a fixed number of queries: 1 admissions with patient, ward,
    municipality and the grounds the user sees each patient on (for the audit), 2 their
    notices with sender, acknowledger and receipt, 3 their declarations, 4 the answers to
    those, 5 meetings not cancelled with their participants counted."""
    return board_order(
        with_grounds(open_admissions(user, hospital, ward), user)
        .select_related("patient", "ward", "municipality")
        .prefetch_related(
            Prefetch("early_notifications",
                     queryset=with_receipts(EarlyNotification.objects.select_related(
                         "sent_by", "acknowledged_by")).order_by("sequence")),
            Prefetch("ready_declarations",
                     queryset=ReadyForDischarge.objects.order_by("-declared_at").prefetch_related(
                         Prefetch("answers", queryset=MunicipalAnswer.objects.order_by(
                             "answered_at", "pk")))),
            live_meetings_prefetch(),
        )
    )


class BoardRows:
    """The ward's open admissions in the board's order, as a paginator slices them: a slice
    picks its rows by the order alone, then reads only those with what they show (the audit
    grounds' subqueries and the joins run for a page, not for every open admission: 64 to
    24 ms for a page of 7 000 on PostgreSQL)."""

    def __init__(self, user, hospital, ward):
        self.user, self.hospital, self.ward = user, hospital, ward

    def __getitem__(self, part: slice):
        shown = board_order(open_admissions(self.user, self.hospital, self.ward)).values("pk")
        return board_admissions(self.user, self.hospital, self.ward).filter(
            pk__in=shown[part])


def page_number(asked) -> int:
    """The page asked for (?page=), 1 when it is not a number; a page past the end is the
    paginator's to clamp."""
    try:
        return max(1, int(asked))
    except (TypeError, ValueError):
        return 1


def page_rows(user, hospital, ward, asked_page) -> list:
    """The rows of the page asked for, without what a row shows (id, uuid, deadline, when the
    notice was sent): what a poll needs for its fingerprint and the countdowns, in one query
    (the board's order over the ward's open admissions, a slice of it)."""
    start = (page_number(asked_page) - 1) * PAGE_SIZE
    return list(board_order(open_admissions(user, hospital, ward)).values_list(
        "pk", "uuid", "notification_deadline", "first_notification_sent_at",
        named=True)[start:start + PAGE_SIZE])


def live_meetings_prefetch():
    """Meetings not cancelled, each with its invitations counted (the row shows "2 of 3
    accepted"): the people the organiser invited, not the organiser, who takes part from the
    start with no invitation of her own (common.invitation_counts, as the inbox and the
    meeting page count)."""
    invited = Q(participants__user__isnull=True) | ~Q(participants__user=F("organizer"))
    return Prefetch(
        "discharge_meetings", to_attr="live_meetings",
        queryset=DischargeMeeting.objects.exclude(status=MeetingStatus.CANCELLED).annotate(
            invited=Count("participants", filter=invited),
            participants_total=Count("participants"),  # the poll's fingerprint counts all
            accepted=Count("participants", filter=invited & Q(
                participants__status=ParticipantStatus.ACCEPTED)),
            declined=Count("participants", filter=invited & Q(
                participants__status=ParticipantStatus.DECLINED)),
            last_response=Max("participants__responded_at"),
        ).order_by("scheduled_at"))


def _receipts(field: str, function):
    rows = Notification.objects.filter(
        subject_type="earlynotification", subject_uuid=OuterRef("uuid"),
        channel=NotificationChannel.IN_APP, kind__in=SENT_KINDS,
    ).order_by().annotate(value=Func(F(field), function=function)).values("value")[:1]
    return Subquery(rows)


def with_receipts(notices):
    """Each notice with how many of the municipality's KE got it in the portal, when it
    arrived and when one of them first opened it: subqueries on notification_subject_idx."""
    return notices.annotate(
        receipt_recipients=_receipts("pk", "COUNT"),
        receipt_delivered_at=_receipts("delivered_at", "MIN"),
        receipt_read_at=_receipts("read_at", "MIN"),
    )


def notice_receipt(notice) -> dict | None:
    if notice is None or not getattr(notice, "receipt_recipients", 0):
        return None
    return {"recipients": notice.receipt_recipients,
            "delivered_at": notice.receipt_delivered_at, "read_at": notice.receipt_read_at}


def _latest_answer(declaration):
    answers = list(declaration.answers.all()) if declaration else []
    return answers[-1] if answers else None


def build_row(admission: Admission, at: datetime.datetime):
    """What one row of the board shows, worked out from the prefetched relations."""
    notices = list(admission.early_notifications.all())
    sent = [n for n in notices if n.state == NoticeState.SENT]
    last_sent = sent[-1] if sent else None
    draft = next((n for n in notices if n.state == NoticeState.DRAFT), None)
    declaration = next((d for d in admission.ready_declarations.all()
                        if d.withdrawn_at is None), None)
    answer = _latest_answer(declaration)
    meeting = next((m for m in admission.live_meetings
                    if m.status == MeetingStatus.SCHEDULED and m.scheduled_at >= at), None)
    held = any(m.status == MeetingStatus.HELD for m in admission.live_meetings)
    today = local_date(at)
    can_receive = bool(answer and answer.kind == MunicipalAnswerKind.CAN_RECEIVE
                       and answer.receive_on and answer.receive_on <= today)
    checklist = [
        (_("Early notification sent"), bool(sent), ""),
        (_("Acknowledged by the municipality"), bool(last_sent and last_sent.acknowledged_at),
         ""),
        (_("Declared ready for discharge"), declaration is not None, ""),
        (_("The municipality can receive the patient"), can_receive, ""),
    ]
    if admission.needs_interdisciplinary_follow_up:
        checklist.append((_("Discharge meeting held"), held,
                          _("scheduled") if meeting is not None and not held else ""))
    return SimpleNamespace(
        admission=admission,
        patient=admission.patient,
        countdown=None if sent else common.countdown(admission.notification_deadline, at),
        draft=draft,
        last_sent=last_sent,
        versions=len(sent),
        first_late=bool(sent and sent[0].late),
        receipt=notice_receipt(last_sent),
        declaration=declaration,
        answer=answer,
        meeting=meeting,
        accepted=meeting.accepted if meeting else 0,
        declined=meeting.declined if meeting else 0,
        invited=meeting.invited if meeting else 0,
        checklist=checklist,
        checklist_done=sum(1 for _label, done, _note in checklist if done),
        is_ready=admission.status == AdmissionStatus.READY_FOR_DISCHARGE,
    )
