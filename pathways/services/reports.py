"""The municipality's admission report (innleggelsesrapport) on a stay: recorded version by
version for the hospital, which is told."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from common.exceptions import StateConflict
from registry.models import AuditAction

from .. import access
from ..models import Admission, AdmissionReport, MessageStatus
from ._common import audit_step, not_in_future, notify_hospital


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
    if (last == 0) != (message_status == MessageStatus.NEW):
        raise StateConflict(_("The first admission report is a new one; changes, additions "
                              "and cancellations come after it."), code="report_order",
                            field="message_status")
    if message_status not in MessageStatus.values:
        raise ValidationError({"message_status": _("Choose a message status.")})
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
