"""Shared model bases, and the worker heartbeat that /healthz reads."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TrackedModel(models.Model):
    """Public UUID for URLs and payloads, plus who changed it and when."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, editable=False,
        on_delete=models.PROTECT, related_name="+",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, editable=False,
        on_delete=models.PROTECT, related_name="+",
    )

    class Meta:
        abstract = True


class Heartbeat(models.Model):
    """One row per named periodic signal; the worker's beat task touches it."""

    name = models.CharField(max_length=50, unique=True)
    last_seen = models.DateTimeField()

    class Meta:
        db_table = "rehab_portal_heartbeat"  # kept from before the move to common

    def __str__(self):
        return f"{self.name} @ {self.last_seen:%Y-%m-%d %H:%M:%S}"


class IdempotencyRecord(models.Model):
    """The first response to a POST with an Idempotency-Key, per caller and key, so that a
    retried request returns it again instead of acting twice (common.idempotency)."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                              related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of method, path and body.")
    access_stamp = models.CharField(
        max_length=64, blank=True,
        help_text="SHA-256 of the caller's scopes and memberships when the key was used.")
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.BinaryField(blank=True, default=b"")
    response_headers = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "rehab_portal_idempotencyrecord"  # kept from before the move to common
        constraints = [
            models.UniqueConstraint(fields=["owner", "key"], name="one_record_per_key"),
        ]

    def __str__(self):
        return f"{self.owner_id}:{self.key}"
