"""Receiving a PLO message: store it as it came, read it as hostile, and answer it.

receive() never raises for what a sender did wrong: the message is stored (append-only, so
the operator sees exactly what came), refused with the AppRec error code and a readable
text, and nothing else is written. A MsgId the sender used before changes nothing: the
first delivery's row (and receipt) is the answer.

An accepted message then becomes a pathway step (plo.mapping), answered with an OK AppRec;
one that cannot become its step is refused like the rest. A kind not mapped yet (issue 16 is
in progress) stays RECEIVED, unanswered, for the operator."""

import datetime
import uuid

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from lxml import etree

from common.exceptions import StateConflict
from registry.models import ApiScope, Organization
from registry.services import create_api_client

from . import apprec, mapping, xml
from .envelope import MSGHEAD, Envelope, Party, read_envelope
from .models import Direction, MessageStatus, PloEndpoint, PloMessage, Transport


def _envelope_for_receipt(data: bytes) -> Envelope | None:
    """The envelope of a message that did not validate, as far as it can be read, to
    address the receipt; None if it cannot be (not XML, no envelope)."""
    try:
        return read_envelope(xml.parse(data))
    except (xml.Refused, AttributeError, TypeError, etree.LxmlError):
        return None


def _issued(envelope: Envelope, fallback: datetime.datetime) -> datetime.datetime:
    try:
        return datetime.datetime.fromisoformat(envelope.generated_at)
    except ValueError:
        return fallback


def _receipt(envelope: Envelope, errors, now) -> bytes | None:
    if not (envelope and envelope.msg_id and envelope.sender.her_id):
        return None  # nobody to address it to: the operator's log shows the message
    receiver = envelope.receiver if envelope.receiver.her_id else Party(her_id="", name="")
    return apprec.build(receipt_from=receiver, receipt_to=envelope.sender,
                        original_type=envelope.msg_type or "UKJENT",
                        original_id=envelope.msg_id,
                        original_issued=_issued(envelope, now), errors=errors, now=now)


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def receive(data: bytes, *, transport: str, now: datetime.datetime | None = None) -> PloMessage:
    """Store and check one message; the row says what became of it, `apprec` the answer."""
    now = now or timezone.now()
    data = bytes(data)
    try:
        root = xml.read(data)
    except xml.Refused as refused:
        return _store(data, transport, now, _envelope_for_receipt(data),
                      errors=[(refused.code, refused.text)])[0]
    if root.tag == f"{{{apprec.APPREC}}}AppRec":
        return _receipt_received(data, root, transport, now)
    if root.tag != f"{{{MSGHEAD}}}MsgHead":
        return _store(data, transport, now, None, errors=[(
            "T10", "Only messages in the MsgHead envelope, and AppRec receipts, are taken.")])[0]
    envelope = read_envelope(root)
    errors, sender, receiver = _check(envelope)
    message, created = _store(data, transport, now, envelope, errors=errors, sender=sender,
                              receiver=receiver)
    if not created or message.status != MessageStatus.RECEIVED:
        # Refused; or a delivery seen before, which is the first's to map (even while
        # another worker is mapping it): nothing is done twice.
        return message
    return _map(message, envelope, now)


def _receipt_received(data: bytes, root, transport: str, now) -> PloMessage:
    """An AppRec for a message the portal sent: kept in the log beside it, and the sent
    message marked acknowledged or refused (with the receiver's reason). A receipt is never
    answered."""
    def text(path):
        return (root.findtext(path, namespaces={"ar": apprec.APPREC}) or "").strip()

    status = root.find("ar:Status", {"ar": apprec.APPREC}).get("V", "")
    errors = [(error.get("V", ""), error.get("OT") or error.get("DN", ""))
              for error in root.iterfind("ar:Error", {"ar": apprec.APPREC})]
    original = text("ar:OriginalMsgId/ar:Id")
    message = PloMessage(
        direction=Direction.IN, document=data, transport=transport, received_at=now,
        msg_id=text("ar:Id")[:100], msg_type="APPREC", parent_msg_id=original[:100],
        sender_her_id=text("ar:Sender/ar:HCP/ar:Inst/ar:Id")[:20],
        receiver_her_id=text("ar:Receiver/ar:HCP/ar:Inst/ar:Id")[:20],
        status=MessageStatus.PROCESSED, processed_at=now)
    try:
        with transaction.atomic():
            message.save()
    except IntegrityError:
        return PloMessage.objects.get(direction=Direction.IN, msg_id=message.msg_id,
                                      sender_her_id=message.sender_her_id)
    refused = status != "1"
    # Only the message's receiver answers for it: a receipt from anyone else changes nothing.
    PloMessage.objects.filter(direction=Direction.OUT, msg_id=original,
                              receiver_her_id=message.sender_her_id).exclude(
        status=MessageStatus.REFUSED).update(
        status=MessageStatus.REFUSED if refused else MessageStatus.ACKNOWLEDGED,
        apprec=data, processed_at=now, error_code=errors[0][0] if errors else "",
        error_text="\n".join(reason for _code, reason in errors))
    return message


def _check(envelope: Envelope) -> tuple[list, Organization | None, Organization | None]:
    """What the envelope lacks: a UUID MsgId, a receiver and a sender the registry knows."""
    errors = []
    if not _is_uuid(envelope.msg_id):
        errors.append(("E10", f"The MsgId {envelope.msg_id!r} is not a UUID."))
    found = {o.her_id: o for o in Organization.objects.filter(
        her_id__in={envelope.sender.her_id, envelope.receiver.her_id} - {""})}
    sender, receiver = found.get(envelope.sender.her_id), found.get(envelope.receiver.her_id)
    if receiver is None:
        errors.append(("E21", f"No organisation with HER-id {envelope.receiver.her_id} "
                              "receives PLO messages in Rehab Portal."))
    if sender is None:
        errors.append(("X99", f"The sender, HER-id {envelope.sender.her_id}, is not "
                              "registered in Rehab Portal."))
    return errors, sender, receiver


def reprocess(message: PloMessage, *, now: datetime.datetime | None = None) -> PloMessage:
    """The operator's second try at a received message that was refused or not mapped (the
    registry or the connection fixed since): the stored message, exactly as it came, through
    the same checks and mapping again; a new AppRec answers it. A processed message is done:
    StateConflict."""
    if message.direction != Direction.IN or message.status == MessageStatus.PROCESSED:
        raise StateConflict(_("Only a received message that was refused or not processed "
                              "can be processed again."), code="not_reprocessable")
    now = now or timezone.now()
    # Claim it: of two operators pressing at once, one goes on; the other is told.
    read = {"processed_at": message.processed_at} if message.processed_at else {
        "processed_at__isnull": True}
    if not PloMessage.objects.filter(pk=message.pk, status=message.status, **read).update(
            processed_at=now):
        raise StateConflict(_("Someone else is processing the message, or has just done so: "
                              "read it again."), code="being_processed")
    try:
        envelope = read_envelope(xml.read(bytes(message.document)))
    except xml.Refused as refused:
        errors = [(refused.code, refused.text)]
        envelope, sender, receiver = _envelope_for_receipt(bytes(message.document)), None, None
    else:
        errors, sender, receiver = _check(envelope)
    message.sender, message.receiver = sender, receiver
    message.status = MessageStatus.REJECTED if errors else MessageStatus.RECEIVED
    message.error_code = errors[0][0] if errors else ""
    message.error_text = "\n".join(text for _code, text in errors)
    message.apprec = _receipt(envelope, errors, now) if errors else None
    message.processed_at = now if errors else None
    message.save(update_fields=["sender", "receiver", "status", "error_code", "error_text",
                                "apprec", "processed_at"])
    if errors:
        return message
    return _map(message, envelope, now)


def _map(message: PloMessage, envelope: Envelope, now) -> PloMessage:
    """Make the message its pathway step (outside a transaction: a refused identity check
    keeps its audit event) and answer it."""
    try:
        subject = mapping.apply(envelope, message.sender, message.receiver)
    except mapping.Unmapped as refused:
        message.status, message.error_code = MessageStatus.REJECTED, refused.code
        message.error_text = refused.text
        message.apprec = _receipt(envelope, [(refused.code, refused.text)], now)
    else:
        if subject is None:
            return message  # not mapped yet: RECEIVED, for the operator
        message.status = MessageStatus.PROCESSED
        message.subject_type, message.subject_uuid = type(subject).__name__.lower(), \
            subject.uuid
        stay = getattr(subject, "admission", None)
        message.patient_id = getattr(subject, "patient_id", None) or getattr(
            stay, "patient_id", None) or (subject.pk if message.subject_type == "patient"
                                          else None)
        message.apprec = _receipt(envelope, [], now)
    message.processed_at = now
    message.save(update_fields=["status", "error_code", "error_text", "apprec", "processed_at",
                                "subject_type", "subject_uuid", "patient"])
    return message


def connect(organization: Organization, *, transport: str = Transport.FOLDER,
            default_ward=None, by=None) -> PloEndpoint:
    """Let the organisation exchange PLO messages: a service account of its own (an API
    client named PLO, which may read and write patients and pathways) that its messages act
    as."""
    client, _key = create_api_client(organization, "PLO", by=by, scopes=[
        ApiScope.PATIENTS_READ, ApiScope.PATIENTS_WRITE, ApiScope.PATHWAYS_READ,
        ApiScope.PATHWAYS_WRITE])
    endpoint = PloEndpoint(organization=organization, client=client, transport=transport,
                           default_ward=default_ward)
    endpoint.full_clean()
    endpoint.save()
    return endpoint


def _store(data, transport, now, envelope: Envelope | None, *, errors, sender=None,
           receiver=None) -> tuple[PloMessage, bool]:
    """The message stored, and whether this delivery stored it (False: its MsgId came
    before, and that row is the answer)."""
    message = PloMessage(direction=Direction.IN, document=data, transport=transport,
                         received_at=now, sender=sender, receiver=receiver,
                         status=MessageStatus.REJECTED if errors else MessageStatus.RECEIVED)
    if envelope is not None:
        message.msg_id = envelope.msg_id[:100]
        message.msg_type = envelope.msg_type[:40]
        message.dispatch_status = envelope.dispatch_status[:1]
        message.parent_msg_id = envelope.parent_id[:100]
        message.sender_her_id = envelope.sender.her_id[:20]
        message.receiver_her_id = envelope.receiver.her_id[:20]
    if errors:
        message.error_code = errors[0][0]
        message.error_text = "\n".join(text for _code, text in errors)
        message.processed_at = now
        message.apprec = _receipt(envelope, errors, now)
    try:
        with transaction.atomic():
            message.save()
    except IntegrityError:  # this sender's MsgId came before: that delivery is the answer
        return PloMessage.objects.get(direction=Direction.IN,
                                      sender_her_id=message.sender_her_id,
                                      msg_id=message.msg_id), False
    return message, True
