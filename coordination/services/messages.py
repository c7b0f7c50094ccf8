"""The plan's message thread between the patient (or the representative given "messages")
and the coordinator and the coordinating unit (KE) of the plan's municipality.

- Who writes: the citizen through their door (pathways.citizen_access, part "messages"), or
  staff who take part in the plan: its current coordinator or the KE of its municipality.
- A closed plan's thread is read-only: it can be read, nothing new is written.
- Notifications carry no message text: staff get "New message in an individual plan" with a
  link to the plan; the patient, who has no in-app inbox, an e-mail (if the portal has their
  address) saying only that there is a message on My page, as helsenorge does.
- Read receipts: a PlanMessageRead per message and reader, the first time they see it (the
  unique (message, reader) makes mark_read idempotent). The citizen sees who of the staff
  read their message first, and when; staff see when the patient side read theirs."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Subquery
from django.urls import reverse
from django.utils.translation import gettext as _

from common.exceptions import StateConflict
from pathways import citizen_access
from registry import audit
from registry.capabilities import Capability, organizations_where
from registry.models import AuditAction, AuditObjectType, NotificationChannel
from registry.notifications import Message, notify

from ..access import is_current_coordinator, is_ke_staff
from ..models import OPEN_PLAN_STATUSES, IndividualPlan, PlanMessage, PlanMessageRead
from ..models.patient_input import MESSAGE_MAX_LENGTH
from ._common import ke_staff_of, plan_url

# Where the plan page shows the thread (a notification's link ends on it).
THREAD_ANCHOR = "plan-messages"


def takes_part(user, plan: IndividualPlan, *, fresh: bool = True) -> bool:
    """Staff who write in the thread: the plan's current coordinator or the KE of its
    municipality. `fresh` asks the database (a service's check); otherwise the request's
    memberships (a page that shows the thread, without one more query)."""
    if is_current_coordinator(user, plan):
        return True
    if fresh:
        return is_ke_staff(user, plan.municipality)
    return bool(user and user.is_authenticated and user.is_active) and plan.municipality_id in {
        o.pk for o in organizations_where(user, Capability.ACT_FOR_MUNICIPALITY)}


def _who(user, plan: IndividualPlan) -> str:
    """Which side is asking, checked: 'patient', 'representative: <kind>' or 'staff'."""
    if getattr(user, "is_citizen", False):
        access = citizen_access.require_part(user, plan.patient, "messages")
        return "patient" if access.is_patient else \
            f"representative: {access.representation.kind}"
    if not takes_part(user, plan):
        raise PermissionDenied(_(
            "Only the plan's coordinator or the coordinating unit of %(municipality)s write "
            "to the patient here.") % {"municipality": plan.municipality.name})
    return "staff"


def clean_body(body: str | None) -> str:
    """The message as it will be kept: stripped, one kind of line break; empty or too long
    is a ValidationError on the field."""
    body = (body or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not body:
        raise ValidationError({"body": _("Write a message before you send it.")})
    if len(body) > MESSAGE_MAX_LENGTH:
        raise ValidationError({"body": _(
            "The message is too long: %(count)s characters, at most %(max)s. Shorten it, or "
            "send it in two parts.") % {"count": len(body), "max": MESSAGE_MAX_LENGTH}})
    return body


def patient_messages_url(plan: IndividualPlan) -> str:
    """The patient's own messages page (the citizen app's route, by its name: coordination
    does not import the citizen app)."""
    return reverse("citizen:messages", args=[plan.patient.uuid])


def staff_thread_url(plan: IndividualPlan) -> str:
    return f"{plan_url(plan)}#{THREAD_ANCHOR}"


@transaction.atomic
def send_message(plan: IndividualPlan, by, body: str) -> PlanMessage:
    """A new message in the plan's thread, from the patient's side or from staff."""
    who = _who(by, plan)
    status = IndividualPlan.objects.filter(pk=plan.pk).values_list("status", flat=True).first()
    if status not in OPEN_PLAN_STATUSES:
        raise StateConflict(_("The plan is closed: its messages can be read, but no new ones "
                              "can be written. Contact the coordinating unit by phone."),
                            code="closed", field="body")
    body = clean_body(body)
    from_citizen = who != "staff"
    message = PlanMessage.objects.create(plan=plan, author=by, from_citizen=from_citizen,
                                         body=body)
    patient = plan.patient
    audit.record(by, AuditAction.CREATE, AuditObjectType.PLAN_MESSAGE, message.uuid,
                 patient_uuid=patient.uuid, detail=f"from the {who}")
    if from_citizen:
        _tell_staff(plan, message)
    else:
        _tell_patient(plan, message)
    return message


def _tell_staff(plan: IndividualPlan, message: PlanMessage) -> None:
    """The plan's coordinator and the KE: that there is a message, never what it says."""
    users = list(ke_staff_of(plan.municipality))
    coordinator = plan.coordinator
    if coordinator is not None and coordinator.active and coordinator.user.is_active \
            and all(u.pk != coordinator.user_id for u in users):
        users.append(coordinator.user)
    notify(users, Message(
        kind="coordination.plan_message", title=_("New message in an individual plan"),
        url=staff_thread_url(plan), subject_type="planmessage", subject_uuid=message.uuid,
        patient_uuid=plan.patient.uuid))


def _tell_patient(plan: IndividualPlan, message: PlanMessage) -> None:
    """The patient has no inbox here: an e-mail (if we have the address) that says only that
    there is a new message on My page."""
    email = plan.patient.email
    if not email:
        return
    notify([], Message(
        kind="coordination.plan_message_to_patient", title=_("New message on My page"),
        body=_("You have a new message. Sign in on My page to read it."),
        url=patient_messages_url(plan), subject_type="planmessage", subject_uuid=message.uuid,
        patient_uuid=plan.patient.uuid),
        channels=(NotificationChannel.EMAIL,), external_emails=[email])


def _name(first: str | None, last: str | None, username: str | None) -> str:
    return f"{first or ''} {last or ''}".strip() or (username or "")


def thread(plan: IndividualPlan, reader) -> list[PlanMessage]:
    """The plan's messages, oldest first, in one query whatever their number, each with:
    `read_by_me` (the reader has a receipt), `author_name` and `by_patient` (written by the
    patient themself, or by a representative), and the other side's first receipt of it:
    `read_at` and `read_by` (a name; None when the patient read it themself)."""
    citizen = getattr(reader, "is_citizen", False)
    receipts = PlanMessageRead.objects.filter(message=OuterRef("pk"))
    # The citizen wants to know which of the staff read their message; staff that the
    # patient's side read theirs.
    first = receipts.filter(reader_is_citizen=not citizen).order_by("read_at", "pk")
    rows = PlanMessage.objects.filter(plan=plan).select_related(
        "author", "author__citizen").annotate(
        read_by_me=Exists(receipts.filter(reader=reader)),
        read_at=Subquery(first.values("read_at")[:1]),
        reader_first=Subquery(first.values("reader__first_name")[:1]),
        reader_last=Subquery(first.values("reader__last_name")[:1]),
        reader_username=Subquery(first.values("reader__username")[:1]),
        reader_number=Subquery(first.values("reader__citizen__identity_number")[:1]),
    ).order_by("sent_at", "pk")
    number = plan.patient.identity_number
    messages = list(rows)
    for message in messages:
        author = message.author
        message.author_name = author.display_name()
        citizen_row = getattr(author, "citizen", None) if message.from_citizen else None
        message.by_patient = citizen_row is not None and citizen_row.identity_number == number
        message.is_mine = author.pk == reader.pk
        message.read_by = None if message.reader_number == number else _name(
            message.reader_first, message.reader_last, message.reader_username)
    return messages


def unread_by(plan: IndividualPlan, user):
    """The other side's messages in the plan that `user` has not read."""
    return PlanMessage.objects.filter(
        plan=plan, from_citizen=not getattr(user, "is_citizen", False)).exclude(
        reads__reader=user)


@transaction.atomic
def mark_read(plan: IndividualPlan, by, *, unread=None) -> int:
    """Record that `by` has read the other side's messages in the plan: a receipt for each
    one not yet read (bulk; a receipt that exists already is left as it was, with its first
    time), and an audit event each. `unread`, the messages the caller found unread in the
    thread it shows, saves reading them again. Returns how many were newly read."""
    who = _who(by, plan)
    if unread is None:
        unread = list(unread_by(plan, by).only("uuid", "plan_id"))
    unread = [m for m in unread if m.plan_id == plan.pk]
    if not unread:
        return 0
    citizen = who != "staff"
    PlanMessageRead.objects.bulk_create(
        [PlanMessageRead(message_id=m.pk, reader=by, reader_is_citizen=citizen)
         for m in unread], ignore_conflicts=True)
    audit.record_many(by, AuditAction.VIEW, [
        audit.Entry(AuditObjectType.PLAN_MESSAGE, m.uuid, patient_uuid=plan.patient.uuid,
                    detail=f"read by the {who}") for m in unread])
    return len(unread)
