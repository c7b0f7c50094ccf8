"""The message log: every PLO message received or sent, stored unchanged (append-only) with
what the envelope says, what became of it and the AppRec that answered it."""

import hashlib
import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pathways.models import Patient
from registry.models import Organization


class Direction(models.TextChoices):
    IN = "in", _("received")
    OUT = "out", _("sent")


class MessageStatus(models.TextChoices):
    # Received.
    RECEIVED = "received", _("received, not yet processed")
    PROCESSED = "processed", _("processed")  # mapped (or kept) and answered OK
    REJECTED = "rejected", _("rejected")  # answered with a negative AppRec
    # Sent.
    QUEUED = "queued", _("waiting to be sent")
    SENDING = "sending", _("being sent")
    SENT = "sent", _("sent, awaiting the receipt")
    ACKNOWLEDGED = "acknowledged", _("acknowledged")
    REFUSED = "refused", _("rejected by the receiver")
    FAILED = "failed", _("could not be sent")
    UNANSWERED = "unanswered", _("sent, no receipt came")


# What never changes once written: the message as it came (or went), and what identifies it.
FROZEN = ("direction", "document", "sha256", "size", "msg_id", "sender_her_id",
          "received_at")


class PloMessage(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    # The message exactly as it came or went, and its digest.
    document = models.BinaryField(_("message"), editable=False)
    sha256 = models.CharField(max_length=64, editable=False)
    size = models.PositiveIntegerField(_("size in bytes"), editable=False)
    transport = models.CharField(_("transport"), max_length=30)
    received_at = models.DateTimeField(_("received or written at"), default=timezone.now)
    # What the envelope says ("" where the message could not be read that far).
    msg_id = models.CharField(_("MsgId"), max_length=100, blank=True)
    msg_type = models.CharField(_("message type"), max_length=40, blank=True)
    dispatch_status = models.CharField(_("dispatch status"), max_length=1, blank=True)
    parent_msg_id = models.CharField(_("refers to MsgId"), max_length=100, blank=True)
    sender_her_id = models.CharField(_("sender's HER-id"), max_length=20, blank=True)
    receiver_her_id = models.CharField(_("receiver's HER-id"), max_length=20, blank=True)
    sender = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", verbose_name=_("sender"))
    receiver = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("receiver"))
    patient = models.ForeignKey(Patient, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="plo_messages", verbose_name=_("patient"))
    # What became of it.
    status = models.CharField(_("status"), max_length=15, choices=MessageStatus.choices)
    error_code = models.CharField(_("AppRec error code"), max_length=3, blank=True)
    error_text = models.TextField(_("error"), blank=True)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)
    apprec = models.BinaryField(_("AppRec"), null=True, blank=True, editable=False)
    # The pathway record it created or changed (its type and uuid), for the log's link.
    subject_type = models.CharField(max_length=40, blank=True)
    subject_uuid = models.UUIDField(null=True, blank=True)
    # Sending (the portal's own messages; plo.outbox): a retry queue as common.retry has it.
    step = models.CharField(_("step"), max_length=40, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    delivered_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("PLO message")
        verbose_name_plural = _("PLO messages")
        constraints = [
            # A MsgId is the sender's: one received message per sender and id (a second
            # delivery finds the first and gets its AppRec again).
            models.UniqueConstraint(fields=["direction", "sender_her_id", "msg_id"],
                                    condition=~Q(msg_id=""), name="plo_message_once"),
        ]
        indexes = [
            models.Index(fields=["received_at", "id"], name="plo_log_idx"),
            models.Index(fields=["status", "received_at"], name="plo_status_idx"),
            models.Index(fields=["msg_type", "received_at"], name="plo_type_idx"),
            models.Index(fields=["patient", "received_at"], name="plo_patient_idx"),
            # The outbox's sweep: what is due to be sent.
            models.Index(fields=["status", "next_attempt_at"], name="plo_outbox_idx",
                         condition=Q(direction="out")),
            # A receipt finds the message the portal sent by its MsgId (make bench, plo).
            models.Index(fields=["msg_id"], name="plo_sent_msgid_idx",
                         condition=Q(direction="out")),
            # An administrator's log: messages of a party the registry did not know when they
            # came, by the HER-id they named (plo.access; make bench: 481 to 46 blocks read).
            models.Index(fields=["sender_her_id"], name="plo_unknown_sender_idx",
                         condition=Q(sender__isnull=True)),
            models.Index(fields=["receiver_her_id"], name="plo_unknown_receiver_idx",
                         condition=Q(receiver__isnull=True)),
            # What a record's messages were (a change or cancel follows the message sent
            # for it; an answer refers to the question's): by the record, not the whole log.
            models.Index(fields=["subject_uuid", "msg_type"], name="plo_subject_idx",
                         condition=Q(subject_uuid__isnull=False)),
        ]

    def __str__(self):
        return f"{self.msg_type or '?'} {self.msg_id or self.uuid}"

    def save(self, *args, **kwargs):
        """Append-only: what came stays as it came. Only what became of it may change."""
        if self.pk is None:
            document = bytes(self.document)
            self.sha256 = hashlib.sha256(document).hexdigest()
            self.size = len(document)
        else:
            fields = kwargs.get("update_fields")
            if fields is None or set(fields) & set(FROZEN):
                raise ValueError("A stored PLO message is not changed; save what became of it "
                                 "with update_fields.")
        super().save(*args, **kwargs)


class Transport(models.TextChoices):
    FOLDER = "folder", _("folder (inbox and outbox directories)")
    MESSAGE_SERVICE = "message_service", _("the health network's message service")


class PloEndpoint(models.Model):
    """An organisation that exchanges PLO messages with the portal: how they travel, the
    EPJ service account its received messages act as (so every rule of the pathway holds
    for them: access, audit, webhooks), and the ward a hospital's admission lands on when
    the message names none the registry knows."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.OneToOneField(Organization, on_delete=models.PROTECT,
                                        related_name="plo_endpoint",
                                        verbose_name=_("organisation"))
    client = models.OneToOneField("registry.ApiClient", on_delete=models.PROTECT,
                                  related_name="plo_endpoint",
                                  verbose_name=_("service account"))
    transport = models.CharField(_("transport"), max_length=20, choices=Transport.choices,
                                 default=Transport.FOLDER)
    default_ward = models.ForeignKey("registry.Ward", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("ward for admissions"), help_text=_(
                                         "Where an admission goes when the message's unit "
                                         "matches no ward code of the hospital."))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("PLO endpoint")
        verbose_name_plural = _("PLO endpoints")

    def __str__(self):
        return f"PLO: {self.organization}"
