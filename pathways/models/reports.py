"""The admission report (innleggelsesrapport): what the municipality tells the hospital about
a patient it already serves, when the patient is admitted (DOMAIN.md, the pathway's step 1):
the reason, diagnoses, medicines, allergies, next of kin, in its words. And, the other way,
the discharge report (utskrivningsrapport, PLO's tverrfaglig epikrise): what the hospital
tells the municipality when the patient leaves: the course, findings, medicines, nursing
status and the plan for follow-up. Both are versioned as PLO's messages are (new, change,
addition, cancellation), each version a row."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from common.models import TrackedModel
from registry.models import Organization

from .admissions import Admission
from .notices import MessageStatus
from .patients import PatientScopedQuerySet


class StayReportQuerySet(PatientScopedQuerySet):
    patient_path = "admission__patient"


class StayReport(TrackedModel):
    """What one side tells the other about a stay, versioned as PLO's messages are (new,
    change, addition, cancellation), each version a row: the admission report and the
    discharge report. A report names its stay and its author's organisation."""

    sequence = models.PositiveSmallIntegerField(_("version"), default=1)
    message_status = models.CharField(_("message status"), max_length=10,
                                      choices=MessageStatus.choices)
    reported_at = models.DateTimeField(_("reported at"))
    responsible = models.CharField(_("responsible for the report"), max_length=200,
                                   blank=True)
    summary = models.TextField(_("the report"), blank=True)

    objects = StayReportQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["admission", "sequence"]


class AdmissionReport(StayReport):
    admission = models.ForeignKey(Admission, on_delete=models.PROTECT,
                                  related_name="admission_reports")
    municipality = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("municipality"))

    class Meta(StayReport.Meta):
        verbose_name = _("admission report")
        verbose_name_plural = _("admission reports")
        constraints = [models.UniqueConstraint(fields=["admission", "sequence"],
                                               name="one_admission_report_version")]

    def __str__(self):
        return f"{self.admission} report v{self.sequence}"


class DischargeReport(StayReport):
    admission = models.ForeignKey(Admission, on_delete=models.PROTECT,
                                  related_name="discharge_reports")
    hospital = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("hospital"))

    class Meta(StayReport.Meta):
        verbose_name = _("discharge report")
        verbose_name_plural = _("discharge reports")
        constraints = [models.UniqueConstraint(fields=["admission", "sequence"],
                                               name="one_discharge_report_version")]

    def __str__(self):
        return f"{self.admission} discharge report v{self.sequence}"
