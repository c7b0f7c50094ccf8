"""Referrals (henvisninger, søknader) to a service in the catalogue, their assessment against
the patient's rights, and the waiting lists they make.

Who refers where follows seed 001 § 3.2: hospital departments refer directly to a service
(the private institutions included); GPs, private specialists, outpatient clinics and
municipalities apply for a place at a private institution (level 5.1) through the region's
assessment unit (RVE), which assesses and allocates. The receiving unit assesses a referral
within 10 working days of its receipt (pasient- og brukerrettighetsloven § 2-2); a patient
with a right to necessary specialised care gets a date by which care must start at the
latest (the same section). Requesting more information does not stop that clock: the
deadline runs from receipt (Helsedirektoratet's guidance to § 2-2)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from common.models import TrackedModel
from coordination.models import IndividualPlan
from pathways.models import Admission, Patient, PatientScopedQuerySet
from registry.models import Organization, ServiceOffering

from .assessments import NeedsAssessment


class ReferralStatus(models.TextChoices):
    RECEIVED = "received", _("Received, awaiting assessment")
    INFORMATION_REQUESTED = "information_requested", _("More information requested")
    # Accepted: on the service's waiting list until the stay starts.
    ACCEPTED = "accepted", pgettext_lazy("referral decision", "Accepted, waiting")
    STARTED = "started", _("Started")
    FORWARDED = "forwarded", _("Forwarded to another service")
    DECLINED = "declined", pgettext_lazy("referral decision", "Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# Waiting for the receiving unit's decision: its assessment deadline runs.
AWAITING_ASSESSMENT = (ReferralStatus.RECEIVED, ReferralStatus.INFORMATION_REQUESTED)
# Open: the patient waits for something from the receiving unit (a decision or a start).
OPEN_STATUSES = (*AWAITING_ASSESSMENT, ReferralStatus.ACCEPTED)


class WithdrawalReason(models.TextChoices):
    PATIENT_DECLINED = "patient_declined", _("The patient declined")
    PATIENT_DIED = "patient_died", _("The patient died")
    REFERRER_WITHDREW = "referrer_withdrew", _("The referrer withdrew the referral")
    STARTED_ELSEWHERE = "started_elsewhere", _("Started at another service")


class ReferralQuerySet(PatientScopedQuerySet):
    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def waiting_list(self, service):
        """The service's waiting list: accepted and not yet started, the earliest deadline
        for necessary care first, then the expected start, then the order of acceptance."""
        return self.filter(allocated_service=service, status=ReferralStatus.ACCEPTED).order_by(
            models.F("care_start_deadline").asc(nulls_last=True),
            models.F("expected_start").asc(nulls_last=True), "decided_at", "pk")


class Referral(TrackedModel):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="referrals")
    service = models.ForeignKey(ServiceOffering, on_delete=models.PROTECT,
                                related_name="referrals", verbose_name=_("service asked for"))
    # Who assesses it: the service's provider, or the region's assessment unit (RVE).
    receiver = models.ForeignKey(Organization, on_delete=models.PROTECT,
                                 related_name="referrals_received",
                                 verbose_name=_("receiving unit"))
    referrer = models.ForeignKey(Organization, on_delete=models.PROTECT,
                                 related_name="referrals_sent", verbose_name=_("referred by"))
    referred_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    needs_assessment = models.ForeignKey(
        NeedsAssessment, null=True, blank=True, on_delete=models.PROTECT,
        related_name="referrals", verbose_name=_("needs assessment"))
    admission = models.ForeignKey(Admission, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="referrals")
    individual_plan = models.ForeignKey(IndividualPlan, null=True, blank=True,
                                        on_delete=models.PROTECT, related_name="referrals")
    forwarded_from = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="forwarded_to",
        verbose_name=_("forwarded from"))
    reason = models.TextField(_("what the referral asks for, and why"))
    received_at = models.DateTimeField(_("received at"))
    assessment_due = models.DateField(
        _("to be assessed by"),
        help_text=_("10 working days after receipt (pasient- og brukerrettighetsloven § 2-2)."))
    status = models.CharField(_("status"), max_length=30, choices=ReferralStatus.choices,
                              default=ReferralStatus.RECEIVED)
    # More information (the clock does not stop).
    information_requested_at = models.DateTimeField(null=True, blank=True)
    information_request = models.TextField(_("information asked for"), blank=True)
    information_received_at = models.DateTimeField(null=True, blank=True)
    information_reply = models.TextField(_("information given"), blank=True)
    # The rights assessment: benefit, resource use and severity (prioriteringsforskriften
    # § 2; the priority guide for physical medicine and rehabilitation).
    severity = models.TextField(_("severity"), blank=True)
    expected_benefit = models.TextField(_("expected benefit"), blank=True)
    resource_use = models.TextField(_("resource use"), blank=True)
    has_right = models.BooleanField(
        _("right to necessary specialised care"), null=True, blank=True)
    care_start_deadline = models.DateField(
        _("care to start at the latest"), null=True, blank=True,
        help_text=_("Frist for nødvendig helsehjelp: set when the patient has the right."))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decision_reason = models.TextField(_("reason"), blank=True)
    # Where the patient waits (the RVE allocates a place at an institution's service).
    allocated_service = models.ForeignKey(
        ServiceOffering, null=True, blank=True, on_delete=models.PROTECT,
        related_name="waiting_referrals", verbose_name=_("place at"))
    expected_start = models.DateField(_("expected start"), null=True, blank=True)
    # Free choice (fritt behandlingsvalg): the patient chose the place among those offering it.
    chosen_by_patient = models.BooleanField(_("chosen by the patient"), default=False)
    choice_recorded_at = models.DateTimeField(null=True, blank=True)
    started_on = models.DateField(_("started on"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawal_reason = models.CharField(_("why the referral ended"), max_length=30,
                                         choices=WithdrawalReason.choices, blank=True)
    # Where it stood when it was withdrawn: a death registered in error puts it back there.
    status_before_withdrawal = models.CharField(
        _("status before it ended"), max_length=30, choices=ReferralStatus.choices, blank=True)
    # Deadlines missed, stamped by the sweep once (counted among the indicators).
    assessment_breached_at = models.DateTimeField(null=True, blank=True)
    care_start_breached_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        indexes = [
            models.Index(fields=["receiver", "status", "assessment_due"]),
            models.Index(fields=["patient", "status"]),
            # The sweeps: referrals awaiting assessment by their deadline, accepted ones by
            # the date care must start.
            models.Index(fields=["assessment_due"], name="referral_assessment_due_idx",
                         condition=Q(status__in=["received", "information_requested"])),
            models.Index(fields=["care_start_deadline"], name="referral_care_start_idx",
                         condition=Q(status="accepted", care_start_deadline__isnull=False)),
            # The waiting lists, and the waiting time from recent starts.
            models.Index(fields=["allocated_service", "care_start_deadline", "expected_start"],
                         name="referral_waiting_list_idx", condition=Q(status="accepted")),
            models.Index(fields=["allocated_service", "started_on"],
                         name="referral_started_idx", condition=Q(status="started")),
            # The indicators, by month of the deadline or the start.
            models.Index(fields=["assessment_due"], name="referral_due_month_idx"),
            models.Index(fields=["care_start_deadline"], name="referral_care_month_idx",
                         condition=Q(has_right=True)),
            models.Index(fields=["started_on"], name="referral_started_month_idx",
                         condition=Q(status="started")),
            # FHIR search pages by the last change (fhir_api.paging).
            models.Index(fields=["updated_at", "uuid"], name="referral_sync_idx"),
        ]
        constraints = [
            # One open referral of a patient to one service (two submits at once meet this).
            models.UniqueConstraint(
                fields=["patient", "service"],
                condition=Q(status__in=["received", "information_requested", "accepted"]),
                name="one_open_referral_per_service"),
            models.CheckConstraint(
                condition=~Q(has_right=True) | Q(care_start_deadline__isnull=False)
                | ~Q(status__in=["accepted", "started"]),
                name="referral_right_has_deadline"),
        ]

    def __str__(self):
        return f"{self.patient} → {self.service}"

    def clean(self):
        if self.status == ReferralStatus.DECLINED and not self.decision_reason.strip():
            raise ValidationError({"decision_reason": _(
                "A declined referral is a decision the patient may complain about: give the "
                "reason.")})

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def awaits_assessment(self) -> bool:
        return self.status in AWAITING_ASSESSMENT
