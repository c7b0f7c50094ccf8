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


def _check_version(last: int, message_status: str, first_text: str) -> None:
    if message_status not in MessageStatus.values:
        raise ValidationError({"message_status": _("Choose a message status.")})
    if (last == 0) != (message_status == MessageStatus.NEW):
        raise StateConflict(first_text, code="report_order", field="message_status")


@transaction.atomic
def record_admission_report(admission: Admission, *, by, message_status: str, summary: str,
                            reported_at: datetime.datetime,
                            responsible: str = "") -> AdmissionReport:
    """A version of the report from the responsible municipality (its KE or EPJ system):
    the first is new; later ones change, add to or cancel it."""
    access.require_municipal_ke(by, admission)
    not_in_future(reported_at, "reported_at")
    admission = Admission.objects.select_for_update().get(pk=admission.pk)
    last = admission.admission_reports.aggregate(last=Max("sequence"))["last"] or 0
    _check_version(last, message_status, _(
        "The first admission report is a new one; changes, additions and cancellations come "
        "after it."))
    report = AdmissionReport(
        admission=admission, municipality=admission.municipality, sequence=last + 1,
        message_status=message_status, reported_at=reported_at,
        responsible=responsible.strip()[:200], summary=summary.strip(), created_by=by,
        updated_by=by)
    report.full_clean()
    report.save()
    audit_step(by, AuditAction.CREATE, report, admission,
               f"admission report v{report.sequence} ({message_status})")
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
    if admission.status not in OPEN_STATUSES:
        recent = (admission.status == AdmissionStatus.DISCHARGED
                  and admission.discharged_at is not None
                  and admission.discharged_at >= timezone.now() - DISCHARGE_REPORT_WINDOW)
        if not recent:
            raise StateConflict(_(
                "A discharge report belongs to a stay that is open or was discharged within "
                "the last %(days)s days; this stay is %(status)s.") % {
                    "days": DISCHARGE_REPORT_WINDOW.days,
                    "status": admission.get_status_display().lower()},
                code="report_stay")
    last = admission.discharge_reports.aggregate(last=Max("sequence"))["last"] or 0
    _check_version(last, message_status, _(
        "The first discharge report is a new one; changes, additions and cancellations come "
        "after it."))
    report = DischargeReport(
        admission=admission, hospital=admission.hospital, sequence=last + 1,
        message_status=message_status, reported_at=reported_at,
        responsible=responsible.strip()[:200], summary=summary.strip(), created_by=by,
        updated_by=by)
    report.full_clean()
    report.save()
    audit_step(by, AuditAction.CREATE, report, admission,
               f"discharge report v{report.sequence} ({message_status})")
    title = _("Discharge report from %(hospital)s cancelled") if \
        message_status == MessageStatus.CANCEL else _("Discharge report from %(hospital)s")
    notify_municipality(admission, "discharge.report", title % {
        "hospital": admission.hospital.name}, subject=report)
    return report
