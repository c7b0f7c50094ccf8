"""What the patient (or the representative they chose) adds to the plan from their own pages:
proposals between patient and staff on the patient's goals, comments on measures, the
self-report before an evaluation, and the message thread with the coordinator and the KE."""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .plan_items import Goal, Measure
from .plans import IndividualPlan

MESSAGE_MAX_LENGTH = 4000
COMMENT_MAX_LENGTH = 2000


class ProposalStatus(models.TextChoices):
    OPEN = "open", _("Waiting for the patient")
    ACCEPTED = "accepted", pgettext_lazy("proposal", "Accepted")
    DECLINED = "declined", pgettext_lazy("proposal", "Declined")
    WITHDRAWN = "withdrawn", pgettext_lazy("proposal", "Withdrawn")


class GoalProposal(models.Model):
    """Staff's proposed new wording of a goal the patient wrote: the patient accepts it (the
    goal then reads so, still the patient's) or keeps their own words."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    plan = models.ForeignKey(IndividualPlan, on_delete=models.CASCADE,
                             related_name="goal_proposals")
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="proposals")
    text = models.TextField(_("proposed wording"))
    reason = models.TextField(_("why"), blank=True)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    proposed_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(_("status"), max_length=10, choices=ProposalStatus.choices,
                              default=ProposalStatus.OPEN)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-proposed_at", "pk"]
        verbose_name = _("goal proposal")
        verbose_name_plural = _("goal proposals")
        constraints = [
            models.UniqueConstraint(fields=["goal"], condition=Q(status="open"),
                                    name="one_open_proposal_per_goal"),
        ]

    def __str__(self):
        return self.text[:60]


class MeasureComment(models.Model):
    """The patient's (or representative's) comment on a measure; staff see it on the plan."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="comments")
    text = models.TextField(_("comment"), max_length=COMMENT_MAX_LENGTH)
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    written_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["written_at", "pk"]
        verbose_name = _("comment on a measure")
        verbose_name_plural = _("comments on measures")

    def __str__(self):
        return self.text[:60]


SCORE_VALIDATORS = [MinValueValidator(1), MaxValueValidator(10)]


class SelfReport(models.Model):
    """The patient's own view of one goal before an evaluation, COPM-style: how well they
    do it (performance) and how satisfied they are with that (satisfaction), 1-10. One per
    goal and evaluation date; the patient may change it until the evaluation is recorded."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    plan = models.ForeignKey(IndividualPlan, on_delete=models.CASCADE,
                             related_name="self_reports")
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="self_reports")
    for_evaluation_on = models.DateField(_("for the evaluation on"))
    performance = models.PositiveSmallIntegerField(
        _("how well I manage it (1-10)"), validators=SCORE_VALIDATORS)
    satisfaction = models.PositiveSmallIntegerField(
        _("how satisfied I am (1-10)"), validators=SCORE_VALIDATORS)
    comment = models.TextField(_("comment"), blank=True, max_length=COMMENT_MAX_LENGTH)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+")
    submitted_at = models.DateTimeField()

    class Meta:
        ordering = ["for_evaluation_on", "goal__position", "pk"]
        verbose_name = _("self-report")
        verbose_name_plural = _("self-reports")
        constraints = [
            models.UniqueConstraint(fields=["goal", "for_evaluation_on"],
                                    name="one_self_report_per_goal_and_evaluation"),
            models.CheckConstraint(
                condition=Q(performance__gte=1, performance__lte=10,
                            satisfaction__gte=1, satisfaction__lte=10),
                name="self_report_scores_1_to_10"),
        ]

    def __str__(self):
        return f"{self.goal} {self.for_evaluation_on}: {self.performance}/{self.satisfaction}"


class PlanMessage(models.Model):
    """A message in the plan's thread between the patient (or the representative given
    messages) and the coordinator and the KE. Notifications say only that there is a
    message; the text stays here."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    plan = models.ForeignKey(IndividualPlan, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+")
    from_citizen = models.BooleanField(default=False)
    body = models.TextField(_("message"), max_length=MESSAGE_MAX_LENGTH)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["sent_at", "pk"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [models.Index(fields=["plan", "sent_at"], name="plan_message_thread_idx")]

    def __str__(self):
        return self.body[:60]


class PlanMessageRead(models.Model):
    """A read receipt: who read a message, and when (first time)."""

    message = models.ForeignKey(PlanMessage, on_delete=models.CASCADE, related_name="reads")
    reader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+")
    reader_is_citizen = models.BooleanField(default=False)
    read_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["read_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["message", "reader"],
                                               name="one_read_per_message_and_reader")]

    def __str__(self):
        return f"{self.reader_id} read {self.message_id}"
