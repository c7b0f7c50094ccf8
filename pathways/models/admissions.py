"""The hospital stay: admission, ready for discharge, the municipality's answers, discharge."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from common.models import TrackedModel
from registry.models import Organization, OrganizationKind, ServiceLevel, Ward

from ..deadlines import local_date
from .patients import Patient, PatientScopedQuerySet


class AdmissionStatus(models.TextChoices):
    ADMITTED = "admitted", _("Admitted")
    READY_FOR_DISCHARGE = "ready_for_discharge", _("Ready for discharge")
    DISCHARGED = "discharged", _("Discharged")
    TRANSFERRED = "transferred", _("Transferred to another hospital")
    DECEASED = "deceased", _("Deceased")
    # The stay never was: registered by mistake (a PLO cancel of its admission message, or
    # the hospital's own correction). It keeps its history but counts nowhere.
    ENTERED_IN_ERROR = "entered_in_error", _("Entered in error")


OPEN_STATUSES = (AdmissionStatus.ADMITTED, AdmissionStatus.READY_FOR_DISCHARGE)


class DischargeDestination(models.TextChoices):
    # "Home" alone is the navigation's front page (Forside): short words that mean two
    # things carry a translation context (tests/test_translation_contexts.py).
    HOME = "home", pgettext_lazy("discharge destination", "Home")
    HOME_WITH_SERVICES = "home_with_services", _("Home with municipal services")
    MUNICIPAL_REHABILITATION = "municipal_rehabilitation", _(
        "Municipal rehabilitation (level 2–4)")
    PRIVATE_INSTITUTION = "private_institution", _("Private rehabilitation institution")
    OTHER_HOSPITAL = "other_hospital", _("Another hospital")
    NURSING_HOME = "nursing_home", _("Nursing home / short-term stay")
    DECEASED = "deceased", _("Deceased")
    OTHER = "other", _("Other")


class AdmissionQuerySet(PatientScopedQuerySet):
    def open(self):
        return self.filter(status__in=OPEN_STATUSES)


class Admission(TrackedModel):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="admissions",
                                verbose_name=_("patient"))
    hospital = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="admissions",
        limit_choices_to={"kind": OrganizationKind.HOSPITAL}, verbose_name=_("hospital"),
    )
    # The board's index (hospital, ward, status) serves a ward's rows; no index of its own.
    ward = models.ForeignKey(Ward, on_delete=models.PROTECT, related_name="admissions",
                             db_index=False, verbose_name=_("ward"))
    admitted_at = models.DateTimeField(_("admitted at"))
    reason = models.TextField(_("reason for admission"), blank=True)
    receives_municipal_services = models.BooleanField(
        _("already receives municipal services"), default=False)
    municipality = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="responsible_admissions",
        limit_choices_to={"kind": OrganizationKind.MUNICIPALITY},
        verbose_name=_("responsible municipality"),
    )
    estimated_discharge_date = models.DateField(_("estimated discharge date"), null=True,
                                                blank=True)
    # Why the stay was entered in error (status ENTERED_IN_ERROR), in the canceller's words.
    error_reason = models.CharField(_("why it was entered in error"), max_length=300,
                                    blank=True)
    needs_interdisciplinary_follow_up = models.BooleanField(
        _("needs interdisciplinary follow-up"), default=False,
        help_text=_("Calls for a discharge meeting before discharge."),
    )
    is_rehabilitation_stay = models.BooleanField(_("rehabilitation stay"), default=False)
    status = models.CharField(_("status"), max_length=20, choices=AdmissionStatus.choices,
                              default=AdmissionStatus.ADMITTED)
    readmission_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="readmissions",
        verbose_name=_("readmission of"),
    )
    transferred_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="transfers",
        verbose_name=_("transferred from"),
    )
    # The early-notification deadline, fixed at admission (admitted_at + agreed hours), and
    # when the first notice went out: the sweeps query these two columns through an index.
    notification_deadline = models.DateTimeField(_("early notification deadline"))
    first_notification_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    discharged_at = models.DateTimeField(_("discharged at"), null=True, blank=True)
    discharge_destination = models.CharField(
        _("discharge destination"), max_length=30, choices=DischargeDestination.choices,
        blank=True,
    )
    discharge_level = models.ForeignKey(
        ServiceLevel, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("pyramid level after discharge"),
    )
    interdisciplinary_report_ready = models.BooleanField(
        _("interdisciplinary report ready"), default=False)
    epicrisis_ready = models.BooleanField(_("epicrisis ready"), default=False)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = AdmissionQuerySet.as_manager()

    class Meta:
        # Lists (API, pages) come in this order, read from admission_admitted_idx; the id
        # makes it total so that pages never overlap.
        ordering = ["-admitted_at", "-id"]
        verbose_name = _("admission")
        verbose_name_plural = _("admissions")
        indexes = [
            models.Index(fields=["-admitted_at", "-id"], name="admission_admitted_idx"),
            # The sync cursor (common.api.pagination) walks (updated_at, uuid).
            models.Index(fields=["updated_at", "uuid"], name="admission_sync_idx"),
            models.Index(fields=["notification_deadline"], name="admission_notice_due_idx",
                         condition=Q(first_notification_sent_at__isnull=True,
                                     status__in=["admitted", "ready_for_discharge"])),
            # The ward board: a ward's open stays, or (by its prefix) the hospital's.
            models.Index(fields=["hospital", "ward", "status"], name="admission_board_idx"),
            models.Index(fields=["municipality", "status"]),
            models.Index(fields=["status", "estimated_discharge_date"]),
            models.Index(fields=["discharged_at"], name="admission_discharged_idx",
                         condition=Q(is_rehabilitation_stay=True)),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "hospital"], name="one_open_admission_per_hospital",
                condition=Q(status__in=["admitted", "ready_for_discharge"])),
        ]

    def __str__(self):
        return f"{self.patient} @ {self.hospital} {self.admitted_at:%Y-%m-%d}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def clean(self):
        errors = {}
        if self.hospital_id and self.hospital.kind != OrganizationKind.HOSPITAL:
            errors["hospital"] = _("Choose a hospital.")
        if self.municipality_id and self.municipality.kind != OrganizationKind.MUNICIPALITY:
            errors["municipality"] = _("Choose a municipality.")
        if self.ward_id and self.hospital_id and self.ward.hospital_id != self.hospital_id:
            errors["ward"] = _("Choose a ward of %(hospital)s.") % {
                "hospital": self.hospital.name}
        elif self.ward_id and self._state.adding and not self.ward.active:
            errors["ward"] = _("The ward %(ward)s is closed: choose an open ward.") % {
                "ward": self.ward.name}
        if (self.discharged_at and self.admitted_at
                and self.discharged_at < self.admitted_at):
            errors["discharged_at"] = _("Discharge cannot come before admission.")
        if (self.estimated_discharge_date and self.admitted_at
                and self.estimated_discharge_date < local_date(self.admitted_at)):
            errors["estimated_discharge_date"] = _(
                "The estimated discharge date lies before the admission.")
        if errors:
            raise ValidationError(errors)


class DailyRate(models.Model):
    """The municipality's daily payment for a patient ready for discharge, per year."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    amount = models.DecimalField(_("amount (NOK per day)"), max_digits=8, decimal_places=0,
                                 validators=[MinValueValidator(0)])
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("daily rate")
        verbose_name_plural = _("daily rates")

    def __str__(self):
        return f"{self.year}: NOK {self.amount}"


class ReadyForDischarge(TrackedModel):
    """A physician's declaration that the patient is ready; withdrawn by avmelding."""

    admission = models.ForeignKey(Admission, on_delete=models.PROTECT,
                                  related_name="ready_declarations")
    declared_at = models.DateTimeField(_("declared at"))
    physician = models.CharField(_("declaring physician"), max_length=200)
    health_information_sent = models.BooleanField(
        _("updated health information and preliminary discharge note sent"), default=False)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    withdrawal_reason = models.CharField(_("reason for withdrawal"), max_length=300, blank=True)
    # Declared by mistake (a PLO cancel of its LOG_UTSKRIVNINGSKLAR): it never was in force,
    # so no payment day follows from it.
    entered_in_error = models.BooleanField(_("entered in error"), default=False)

    class Meta:
        ordering = ["-declared_at"]
        verbose_name = _("ready-for-discharge declaration")
        verbose_name_plural = _("ready-for-discharge declarations")
        indexes = [models.Index(fields=["declared_at"], name="ready_unanswered_idx",
                                condition=Q(withdrawn_at__isnull=True))]

    def __str__(self):
        return f"{self.admission} ready {self.declared_at:%Y-%m-%d}"


class MunicipalAnswerKind(models.TextChoices):
    CAN_RECEIVE = "can_receive", _("Can receive")
    CANNOT_YET = "cannot_yet", _("Cannot receive yet")


class MunicipalAnswer(models.Model):
    """The municipality's answer to a declaration; a later answer supersedes an earlier."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    declaration = models.ForeignKey(ReadyForDischarge, on_delete=models.PROTECT,
                                    related_name="answers")
    kind = models.CharField(_("answer"), max_length=15, choices=MunicipalAnswerKind.choices)
    receive_on = models.DateField(_("can receive on"), null=True, blank=True)
    expected_date = models.DateField(_("expected date"), null=True, blank=True)
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    answered_at = models.DateTimeField(_("answered at"))
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")

    class Meta:
        ordering = ["answered_at", "pk"]
        verbose_name = _("municipal answer")
        verbose_name_plural = _("municipal answers")

    def __str__(self):
        return f"{self.get_kind_display()} ({self.answered_at:%Y-%m-%d})"

    def clean(self):
        if self.kind == MunicipalAnswerKind.CAN_RECEIVE and not self.receive_on:
            raise ValidationError({"receive_on": _("Say from which date you can receive.")})
        if self.kind == MunicipalAnswerKind.CANNOT_YET and self.receive_on:
            raise ValidationError({"receive_on": _(
                "A 'cannot yet' answer gives an expected date, not a date to receive.")})

