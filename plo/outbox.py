"""The portal speaks PLO too (issue 16, § 3): when a step is recorded on a pathway and the
organisation on the other side chose PLO messages for that step (registry.ChannelChoice)
and has an active PLO connection, the step's message is written into the outbox in the
step's own transaction, valid against the published schemas.

So a step that rolls back sends nothing, and a step that commits loses nothing: the row is
there, queued, whatever the broker does. Sending is a retry queue of the shape in
common.retry (settings.RETRY["plo"]): an attempt claims the row (queued → sending), hands
the stored bytes to the connection's transport, and marks it sent; a failure waits its
backoff; after MAX_ATTEMPTS it has failed and the operator can send it again. Every attempt
sends the same bytes with the same MsgId, so a receiver that got it twice (a worker that died
after the transport took it) sees a repeat, as the standard's duplicate rule has it.

A sent message then awaits its AppRec (plo.services keeps the receipt and marks the message
acknowledged or refused, with the receiver's reason). One with no receipt after
PLO_RECEIPT_WAIT_SECONDS is marked so for the operator, who may send it again."""

import datetime
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _
from lxml import etree

from common.exceptions import StateConflict
from common.publishing import publish_after_commit
from common.retry import RetryQueue
from pathways.models import Admission, MunicipalAnswer
from pathways.signals import step_recorded
from registry.models import ChannelStep, Organization, StepChannel

from . import codes, dialog, outgoing, xml
from .envelope import MSGHEAD, PO, read_envelope
from .models import Direction, MessageStatus, PloEndpoint, PloMessage, Transport

logger = logging.getLogger(__name__)

S = MessageStatus
QUEUE = RetryQueue(
    "plo", lambda: PloMessage.objects.filter(direction=Direction.OUT), status_field="status",
    waiting=(S.QUEUED, S.SENDING), attempting=S.SENDING, retrying=S.QUEUED,
    delivered=S.SENT, given_up=S.FAILED,
)
# The operator may send again what failed, what no receipt answered, and what awaits one.
RESENDABLE = (S.FAILED, S.UNANSWERED, S.SENT)


def _stay(record) -> Admission:
    """The stay a step's record belongs to (an answer: through its declaration)."""
    if isinstance(record, Admission):
        return record
    if isinstance(record, MunicipalAnswer):
        return record.declaration.admission
    return record.admission


def _to_municipality(record) -> tuple[Organization, Organization]:
    stay = _stay(record)
    return stay.hospital, stay.municipality


def _to_hospital(record) -> tuple[Organization, Organization]:
    stay = _stay(record)
    return stay.municipality, stay.hospital


@dataclass(frozen=True)
class Route:
    parties: Callable  # the record → (from, to): the organisation whose step it is, the other
    build: Callable  # (record, *, now) → the message's bytes


ROUTES = {
    ChannelStep.ADMISSION: Route(_to_municipality, outgoing.admitted),
    ChannelStep.EARLY_NOTIFICATION: Route(_to_municipality, outgoing.health_information),
    ChannelStep.READY: Route(_to_municipality, outgoing.ready),
    ChannelStep.WITHDRAWN: Route(_to_municipality, outgoing.withdrawn),
    ChannelStep.DISCHARGED: Route(_to_municipality, outgoing.discharged),
    ChannelStep.MUNICIPAL_ANSWER: Route(_to_hospital, dialog.municipal_answer),
    ChannelStep.QUESTION: Route(
        lambda question: (question.asked_by_organization, question.to_organization),
        dialog.question),
    ChannelStep.QUESTION_ANSWERED: Route(
        lambda question: (question.to_organization, question.asked_by_organization),
        dialog.answer),
}


@dataclass(frozen=True)
class FollowUp:
    """A correction in the portal becomes a change (M) or cancel (C) of the message the
    portal sent for the same record, to the organisation it went to; none went: nothing."""

    msg_type: str
    status: str  # M or C
    build: Callable | None = None  # a change: the record's message anew; a cancel: none


FOLLOW_UPS = {
    "admission.corrected": FollowUp("LOG_INNLAGT", "M", outgoing.admitted),
    "admission.entered_in_error": FollowUp("LOG_INNLAGT", "C"),
    "ready_for_discharge.corrected": FollowUp("LOG_UTSKRIVNINGSKLAR", "M", outgoing.ready),
    "ready_for_discharge.entered_in_error": FollowUp("LOG_UTSKRIVNINGSKLAR", "C"),
    "admission.discharge_corrected": FollowUp("LOG_UTSKREVET", "M", outgoing.discharged),
    "admission.reopened": FollowUp("LOG_UTSKREVET", "C"),
}


def wanting_plo(organization: Organization, step: str) -> PloEndpoint | None:
    """The organisation's active PLO connection if it chose PLO for the step (one query)."""
    return PloEndpoint.objects.filter(
        organization=organization, active=True,
        organization__channel_choices__step=step,
        organization__channel_choices__channel=StepChannel.PLO,
    ).first()


@receiver(step_recorded, dispatch_uid="plo.outbox")
def on_step(sender, *, step: str, obj, patient, by, **kwargs) -> None:
    if step in FOLLOW_UPS:
        follow_up(step, obj, patient)
        return
    route = ROUTES.get(step)
    if route is None:
        return
    origin, target = route.parties(obj)
    if origin.pk == target.pk:
        return
    endpoint = wanting_plo(target, step)
    if endpoint is not None:
        write(step, obj, patient, origin=origin, target=target, endpoint=endpoint)


def write(step: str, record, patient, *, origin: Organization, target: Organization,
          endpoint: PloEndpoint, now: datetime.datetime | None = None) -> PloMessage | None:
    """The step's message, checked against the schemas, queued for after the commit; None
    (and an error in the log) when it cannot be written valid: a party without a HER-id, or
    a record the message cannot express. The step itself stands either way."""
    now = now or timezone.now()
    if not (origin.her_id and target.her_id):
        logger.error("PLO %s for %s not written: %s has no HER-id", step, record.uuid,
                     origin if not origin.her_id else target)
        return None
    try:
        data = ROUTES[step].build(record, now=now)
        envelope = read_envelope(xml.read(data))
    except xml.Refused as refused:
        logger.error("PLO %s for %s is not valid (%s): not written", step, record.uuid,
                     refused.text)
        return None
    return _queue(data, envelope, step, record, patient, origin=origin, target=target,
                  endpoint=endpoint, now=now)


def _queue(data: bytes, envelope, step: str, record, patient, *, origin: Organization,
           target: Organization, endpoint: PloEndpoint, now) -> PloMessage:
    """The message in the log, waiting to be sent; its task queued after the commit."""
    message = PloMessage(
        direction=Direction.OUT, document=data, transport=endpoint.transport, received_at=now,
        msg_id=envelope.msg_id, msg_type=envelope.msg_type,
        dispatch_status=envelope.dispatch_status[:1], parent_msg_id=envelope.parent_id,
        sender_her_id=origin.her_id, receiver_her_id=target.her_id, sender=origin,
        receiver=target, patient=patient, status=S.QUEUED, step=step, next_attempt_at=now,
        subject_type=type(record).__name__.lower(), subject_uuid=record.uuid)
    message.save()
    from .tasks import send_message

    publish_after_commit(send_message, message.pk)
    return message


def follow_up(step: str, record, patient, *, now: datetime.datetime | None = None
              ) -> PloMessage | None:
    """The change or cancel of what the portal sent for the record (FOLLOW_UPS): to the same
    receiver, referring to the last message of the conversation, while its connection is
    active. A cancel repeats the last message with the status C; a change is the record's
    message built anew with the status M."""
    rule = FOLLOW_UPS[step]
    sent = list(PloMessage.objects.filter(
        direction=Direction.OUT, subject_uuid=record.uuid, msg_type=rule.msg_type,
    ).exclude(status=S.FAILED).select_related("sender", "receiver").order_by("pk"))
    if not sent:
        return None
    first, last = sent[0], sent[-1]
    if last.dispatch_status == "C":
        return None  # cancelled already: nothing more to say about it
    endpoint = PloEndpoint.objects.filter(organization_id=last.receiver_id, active=True).first()
    if endpoint is None:
        return None
    now = now or timezone.now()
    try:
        base = rule.build(record, now=now) if rule.build else bytes(last.document)
        data = reissue(base, status=rule.status, parent_id=last.msg_id,
                       conversation_id=first.msg_id, now=now)
        envelope = read_envelope(xml.read(data))
    except xml.Refused as refused:
        logger.error("PLO %s for %s is not valid (%s): not written", step, record.uuid,
                     refused.text)
        return None
    return _queue(data, envelope, step, record, patient, origin=last.sender,
                  target=last.receiver, endpoint=endpoint, now=now)


def reissue(document: bytes, *, status: str, parent_id: str, conversation_id: str,
            now: datetime.datetime) -> bytes:
    """The message as a new one in the same conversation: a MsgId of its own, this moment,
    ConversationRef to the message it changes or cancels, and the dispatch status."""
    root = xml.parse(document)
    info = root.find(f"{{{MSGHEAD}}}MsgInfo")
    info.find(f"{{{MSGHEAD}}}MsgId").text = str(uuid.uuid4())
    info.find(f"{{{MSGHEAD}}}GenDate").text = outgoing.local_time(now)
    for old in info.findall(f"{{{MSGHEAD}}}ConversationRef"):
        info.remove(old)
    reference = etree.Element(f"{{{MSGHEAD}}}ConversationRef")
    etree.SubElement(reference, f"{{{MSGHEAD}}}RefToParent").text = parent_id
    etree.SubElement(reference, f"{{{MSGHEAD}}}RefToConversation").text = conversation_id
    info.find(f"{{{MSGHEAD}}}MsgId").addnext(reference)
    dispatch = codes.code(codes.DISPATCH_STATUS, status)
    for element in root.iter(f"{{{PO}}}Forsendelsesstatus"):
        element.set("V", dispatch.value)
        element.set("DN", dispatch.text)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def transport_for(name: str):
    """The transport a connection names: the folder, or the health network's service."""
    from .transports import FolderTransport

    if name == Transport.MESSAGE_SERVICE:
        from .message_service import MessageServiceTransport

        return MessageServiceTransport()
    return FolderTransport()


def describe_error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:300]


def send(message_id: int, now: datetime.datetime | None = None) -> bool:
    """One attempt at one queued message; whether it went. A message another worker holds,
    or one not due, is left alone."""
    now = now or timezone.now()
    if not QUEUE.claim(message_id, now):
        return False
    message = PloMessage.objects.get(pk=message_id)
    try:
        transport_for(message.transport).send(message)
    except Exception as exc:  # a full disk, a service that fails: recorded, and retried
        error = describe_error(exc)
        if QUEUE.record_failure(message.pk, message.attempts, error, now):
            logger.error("PLO message %s could not be sent after %s attempts: %s",
                         message.uuid, message.attempts, error)
        else:
            logger.warning("PLO message %s: attempt %s failed: %s", message.uuid,
                           message.attempts, error)
        return False
    QUEUE.record_success(message.pk, timezone.now())
    return True


def mark_unanswered(now: datetime.datetime | None = None) -> int:
    """Messages sent longer than PLO_RECEIPT_WAIT_SECONDS ago with no receipt: say so."""
    now = now or timezone.now()
    waited = now - datetime.timedelta(seconds=settings.PLO_RECEIPT_WAIT_SECONDS)
    return PloMessage.objects.filter(
        direction=Direction.OUT, status=S.SENT, delivered_at__lt=waited,
    ).update(status=S.UNANSWERED, last_error="no receipt within the wait")


@transaction.atomic
def resend(message: PloMessage, *, now: datetime.datetime | None = None) -> PloMessage:
    """The operator's "send again": the same message, same MsgId, queued afresh (a receiver
    that had it answers it again)."""
    now = now or timezone.now()
    if message.direction != Direction.OUT or not PloMessage.objects.filter(
            pk=message.pk, status__in=RESENDABLE).update(
            status=S.QUEUED, attempts=0, next_attempt_at=now, last_error="",
            delivered_at=None):
        raise StateConflict(_("Only a sent message that failed, awaits its receipt or got "
                              "none can be sent again."), code="not_resendable")
    from .tasks import send_message

    publish_after_commit(send_message, message.pk)
    message.refresh_from_db()
    return message

