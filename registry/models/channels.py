"""How an organisation wants to hear of the other side's steps on a shared pathway: in the
portal only, by webhooks to its EPJ system, or by PLO messages to its EPJ system (issue 16,
§ 3). One row per organisation and step; no row is the default: the portal, and webhooks
for those who subscribe (as before there was a choice)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .organizations import Organization


class StepChannel(models.TextChoices):
    PORTAL = "portal", _("Only in the portal")
    WEBHOOK = "webhook", _("Webhooks to our EPJ system")
    PLO = "plo", _("PLO messages to our EPJ system")


class ChannelStep(models.TextChoices):
    """The steps another organisation takes that one may hear of; the values are the
    pathway's step names (pathways.signals.STEPS) and, where one exists, its webhook event."""

    ADMISSION = "admission.created", _("A patient is admitted")
    EARLY_NOTIFICATION = "early_notification.sent", _(
        "An early notification (or a new version of it) is sent")
    READY = "admission.ready_for_discharge", _("A patient is declared ready for discharge")
    WITHDRAWN = "ready_for_discharge.withdrawn", _(
        "A ready-for-discharge declaration is withdrawn")
    DISCHARGED = "admission.discharged", _("A patient is discharged")
    MUNICIPAL_ANSWER = "admission.municipal_answer", _(
        "The municipality answers a ready-for-discharge declaration")
    QUESTION = "question.asked", _("A question about a patient")
    QUESTION_ANSWERED = "question.answered", _("The answer to a question")


# The steps a webhook event exists for; the others offer the portal and PLO only.
WEBHOOK_STEPS = frozenset({ChannelStep.ADMISSION, ChannelStep.EARLY_NOTIFICATION,
                           ChannelStep.READY, ChannelStep.MUNICIPAL_ANSWER})


class ChannelChoice(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE,
                                     related_name="channel_choices",
                                     verbose_name=_("organisation"))
    step = models.CharField(_("step"), max_length=40, choices=ChannelStep.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=StepChannel.choices)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("channel choice")
        verbose_name_plural = _("channel choices")
        constraints = [models.UniqueConstraint(fields=["organization", "step"],
                                               name="one_channel_per_step")]

    def __str__(self):
        return f"{self.organization}: {self.step} → {self.channel}"
