"""Notifications to users, in the portal and by e-mail, with their delivery state."""

import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from .users import User


class NotificationChannel(models.TextChoices):
    IN_APP = "in_app", _("In the portal")
    EMAIL = "email", _("E-mail")



class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed, will retry")
    UNDELIVERABLE = "undeliverable", _("Undeliverable")



class NotificationQuerySet(models.QuerySet):
    def unread(self):
        return self.filter(channel=NotificationChannel.IN_APP, read_at__isnull=True)

    def undelivered(self):
        return self.filter(delivery_status__in=[DeliveryStatus.FAILED,
                                                DeliveryStatus.UNDELIVERABLE])



class Notification(models.Model):
    """A message to one person on one channel; never silently lost.

    `dedupe_key` is unique: a sweep that runs twice, or two workers, create one row.
    E-mail carries no health data, only a pointer into the portal.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    recipient = models.ForeignKey(User, null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="notifications")
    # For people without an account (a GP, the patient, next of kin): e-mail only.
    recipient_email = models.EmailField(_("recipient e-mail"), blank=True)
    kind = models.CharField(_("kind"), max_length=60)
    channel = models.CharField(_("channel"), max_length=10, choices=NotificationChannel.choices)
    subject_type = models.CharField(_("subject type"), max_length=40, blank=True)
    subject_uuid = models.UUIDField(_("subject"), null=True, blank=True)
    patient_uuid = models.UUIDField(_("patient"), null=True, blank=True)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    attachment_name = models.CharField(max_length=100, blank=True)
    attachment = models.TextField(blank=True, help_text=_("e.g. an iCalendar invitation"))
    dedupe_key = models.CharField(max_length=200, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    delivery_status = models.CharField(_("delivery status"), max_length=15,
                                       choices=DeliveryStatus.choices,
                                       default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["recipient", "channel", "read_at"]),
            models.Index(fields=["delivery_status", "next_attempt_at"]),
            # The ward board's receipts: the notifications a notice made (subject lookup).
            models.Index(fields=["subject_uuid", "subject_type"], name="notification_subject_idx"),
        ]

    def __str__(self):
        return f"{self.kind} → {self.recipient or self.recipient_email}"

    def clean(self):
        if self.recipient_id is None and not self.recipient_email:
            raise ValidationError(_("A notification needs a recipient or an e-mail address."))
        if self.channel == NotificationChannel.IN_APP and self.recipient_id is None:
            raise ValidationError(_("Only a user can receive a notification in the portal."))
