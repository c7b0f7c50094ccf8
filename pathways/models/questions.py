"""A question one side of a stay asks the other, and its answer: the hospital asks the
municipality (or the other way round) about the patient, in the portal or with a PLO
Dialogmelding (forespørsel and svar). One row per question; its answer fills it in."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from registry.models import Organization

from .admissions import Admission
from .patients import PatientScopedQuerySet

QUESTION_MAX_LENGTH = 4000


class PathwayQuestionQuerySet(PatientScopedQuerySet):
    patient_path = "admission__patient"


class PathwayQuestion(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    admission = models.ForeignKey(Admission, on_delete=models.PROTECT,
                                  related_name="questions", verbose_name=_("stay"))
    asked_by_organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("asked by"))
    to_organization = models.ForeignKey(Organization, on_delete=models.PROTECT,
                                        related_name="+", verbose_name=_("asked of"))
    # The user who asked (for a PLO message: its sender's service account) and, where a
    # message names them, the professional in their own words.
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="+")
    asked_by_name = models.CharField(_("asked by (name)"), max_length=200, blank=True)
    asked_at = models.DateTimeField(_("asked at"))
    text = models.TextField(_("question"), max_length=QUESTION_MAX_LENGTH)
    answer = models.TextField(_("answer"), max_length=QUESTION_MAX_LENGTH, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    answered_by_name = models.CharField(_("answered by (name)"), max_length=200, blank=True)

    objects = PathwayQuestionQuerySet.as_manager()

    class Meta:
        ordering = ["admission", "asked_at", "pk"]
        verbose_name = _("question on the pathway")
        verbose_name_plural = _("questions on the pathway")
        indexes = [models.Index(fields=["admission", "asked_at"], name="question_stay_idx"),
                   models.Index(fields=["to_organization", "answered_at", "asked_at"],
                                name="question_open_idx")]

    def __str__(self):
        return f"{self.admission} question {self.asked_at:%Y-%m-%d}"
