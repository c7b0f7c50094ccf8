"""The municipality's admission report (innleggelsesrapport) on a stay: recorded version by
version for the hospital, which is told. And the hospital's discharge report
(utskrivningsrapport) on the stay, version by version for the municipality, whose KE is
told."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from common.exceptions import StateConflict
from registry.models import AuditAction

from .. import access
from ..models import Admission, AdmissionReport, AdmissionStatus, DischargeReport, MessageStatus
from ..models.admissions import OPEN_STATUSES
from ._common import audit_step, not_in_future, notify_hospital, notify_municipality

# A discharge report normally comes at or just after the discharge (the epikrise is
# approved later that day or within days). One for a stay discharged longer ago than this
# is refused: it is another stay's, or too late to be of use on this one.
DISCHARGE_REPORT_WINDOW = datetime.timedelta(days=30)


def takes_discharge_report(admission: Admission, now: datetime.datetime) -> bool:
    """A stay open, or discharged at most DISCHARGE_REPORT_WINDOW ago, takes a discharge
    report; one entered in error, transferred, ended in death or discharged longer ago does
    not."""
    return admission.status in OPEN_STATUSES or (
        admission.status == AdmissionStatus.DISCHARGED and admission.discharged_at is not None
        and admission.discharged_at >= now - DISCHARGE_REPORT_WINDOW)


def _add_version(admission: Admission, reports, report, *, by, label: str, first_text: str):
    """The report's next version on the (locked) stay: the first is new, later ones change,
    add to or cancel it; validated, saved and audited as "<label> v<n> (<status>)"."""
    if report.message_status not in MessageStatus.values:
        raise ValidationError({"message_status": _("Choose a message status.")})
    last = reports.aggregate(last=Max("sequence"))["last"] or 0
    if (last == 0) != (report.message_status == MessageStatus.NEW):
        raise StateConflict(first_text, code="report_order", field="message_status")
    report.sequence = last + 1
    report.responsible = report.responsible.strip()[:200]
    report.summary = report.summary.strip()
    report.created_by = report.updated_by = by
    report.full_clean()
    report.save()
    audit_step(by, AuditAction.CREATE, report, admission,
               f"{label} v{report.sequence} ({report.message_status})")
    return report


@transaction.atomic
def record_admission_report(admission: Admission, *, by, message_status: str, summary: str,
                            reported_at: datetime.datetime,
                            responsible: str = "") -> AdmissionReport:
    """A version of the report from the responsible municipality (its KE or EPJ system):
    the first is new; later ones change, add to or cancel it."""
    access.require_municipal_ke(by, admission)
    not_in_future(reported_at, "reported_at")
    admission = Admission.objects.select_for_update().get(pk=admission.pk)
    report = _add_version(admission, admission.admission_reports, AdmissionReport(
        admission=admission, municipality=admission.municipality, message_status=message_status,
        reported_at=reported_at, responsible=responsible, summary=summary),
        by=by, label="admission report", first_text=_(
            "The first admission report is a new one; changes, additions and cancellations "
            "come after it."))
    notify_hospital(admission, "admission.report", _(
        "Admission report from %(municipality)s") % {
            "municipality": admission.municipality.name}, subject=report)
    return report


@transaction.atomic
def record_discharge_report(admission: Admission, *, by, message_status: str, summary: str,
                            reported_at: datetime.datetime,
                            responsible: str = "") -> DischargeReport:
    """A version of the discharge report from the stay's hospital (its planners or EPJ
    system), for the responsible municipality: the first is new; later ones change, add to
    or cancel it. The stay may be open (the report written before the patient leaves) or
    discharged at most DISCHARGE_REPORT_WINDOW ago; a stay entered in error, transferred,
    ended in death or discharged longer ago takes none."""
    access.require_hospital_staff(by, admission)
    not_in_future(reported_at, "reported_at")
    admission = Admission.objects.select_for_update().get(pk=admission.pk)
    if not takes_discharge_report(admission, timezone.now()):
        raise StateConflict(_(
            "A discharge report belongs to a stay that is open or was discharged within "
            "the last %(days)s days; this stay is %(status)s.") % {
                "days": DISCHARGE_REPORT_WINDOW.days,
                "status": admission.get_status_display().lower()},
            code="report_stay")
    report = _add_version(admission, admission.discharge_reports, DischargeReport(
        admission=admission, hospital=admission.hospital, message_status=message_status,
        reported_at=reported_at, responsible=responsible, summary=summary),
        by=by, label="discharge report", first_text=_(
            "The first discharge report is a new one; changes, additions and cancellations "
            "come after it."))
    title = _("Discharge report from %(hospital)s cancelled") if \
        message_status == MessageStatus.CANCEL else _("Discharge report from %(hospital)s")
    notify_municipality(admission, "discharge.report", title % {
        "hospital": admission.hospital.name}, subject=report)
    return report
