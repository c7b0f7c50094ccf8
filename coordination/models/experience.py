"""Patient-reported experience (PREM) after a pathway ends: an invitation per closed plan,
and an answer that keeps no trace of who gave it (forskrift om ledelse og kvalitetsforbedring;
seed 003: "systemer for innhenting av pasienters og brukeres erfaringer og synspunkter").

The answer names the municipality, the month and the highest service level of the plan, and
nothing else: no patient, no plan, no time of day. The invitation records only that the
patient answered (so they are not asked twice), not what."""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from pathways.models import Patient
from registry.models import Organization

from .plans import IndividualPlan


class ExperienceQuestion(models.TextChoices):
    """The survey's statements, each answered 1 (not at all) to 5 (to a very great extent)."""

    OWN_GOALS = "own_goals", _("The plan was built on what matters to me.")
    HEARD = "heard", _("I was listened to when decisions about me were made.")
    COORDINATED = "coordinated", _("The services worked well together.")
    KNEW_WHO = "knew_who", _("I knew whom to contact.")
    INFORMED = "informed", _("I got the information I needed.")
    OVERALL = "overall", _("Overall, I am satisfied with the help I got.")


class ExperienceInvitation(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE,
                                related_name="experience_invitations")
    plan = models.OneToOneField(IndividualPlan, on_delete=models.CASCADE,
                                related_name="experience_invitation")
    created_at = models.DateTimeField(auto_now_add=True)
    answered = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("experience survey invitation")
        verbose_name_plural = _("experience survey invitations")

    def __str__(self):
        return f"{self.patient}: {'answered' if self.answered else 'open'}"


class ExperienceResponse(models.Model):
    """One anonymous answer: where, which month, on which level; no link to anyone. Its key
    is random, not a sequence: an ascending id would line the answers up with the audit
    trail's times of answering, and so with the patients who answered."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    municipality = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("month"), help_text=_("The first day of the month answered."))
    service_level = models.CharField(_("highest service level"), max_length=5, blank=True)
    answers = models.JSONField(_("answers"))

    class Meta:
        verbose_name = _("experience survey answer")
        verbose_name_plural = _("experience survey answers")
        indexes = [models.Index(fields=["month", "municipality"],
                                name="experience_month_idx")]

    def __str__(self):
        return f"{self.municipality_id} {self.month:%Y-%m}"
