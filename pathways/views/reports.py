"""Reports on a stay written in the portal, for the side that does not read its own EPJ's
copy: the municipality's coordinating unit writes the admission report for the hospital, the
hospital's planners the discharge report for the municipality. A version at a time (the
first new, later ones a change, an addition or a cancellation); the services decide who may
and on which stay. The form is a page of its own, and the pathway page, whose timeline shows
the report, follows it (htmx gets the form and the outcome as a panel)."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from common.htmx import form_step, posted, render_panel, step_done, step_view
from common.lookup import one_or_404
from registry.models import AuditObjectType

from .. import access, services
from ..forms.reports import ReportForm
from ..models import Admission

PANEL = "pathways/partials/report_form.html"


def _report_step(request, uuid, *, discharge: bool):
    admission = one_or_404(Admission.objects.visible_to(request.user).select_related(
        "patient", "hospital", "municipality"), uuid=uuid)
    if request.method == "GET":
        access.audit_reads(request.user, [admission], object_type=AuditObjectType.ADMISSION,
                           patient_of=lambda a: a.patient)
    reports = admission.discharge_reports if discharge else admission.admission_reports
    record = services.record_discharge_report if discharge else \
        services.record_admission_report
    to = admission.municipality if discharge else admission.hospital
    pathway_url = reverse("pathways:patient_pathway", args=[admission.patient.uuid])

    def show(form, status):
        return render_panel(request, PANEL, {
            "form": form, "patient": admission.patient, "action": request.path,
            "back_url": pathway_url, "recipient": to.name,
            "title": _("Discharge report") if discharge else _("Admission report"),
            "subtitle": _("%(patient)s, %(hospital)s") % {
                "patient": admission.patient.full_name, "hospital": admission.hospital.name},
        }, status)

    def done(report):
        return step_done(request, _(
            "Version %(version)s of the report is sent to %(organization)s.") % {
                "version": report.sequence, "organization": to.name},
            redirect_to=pathway_url)

    return form_step(
        request, ReportForm(posted(request), first=not reports.exists()),
        lambda data: record(admission, by=request.user, message_status=data["message_status"],
                            summary=data["summary"], responsible=data["responsible"],
                            reported_at=timezone.now()),
        show=show, done=done)


@step_view
def write_admission_report(request, uuid):
    """The municipality's KE tells the hospital what it knows of the patient at home."""
    return _report_step(request, uuid, discharge=False)


@step_view
def write_discharge_report(request, uuid):
    """The hospital's planners tell the municipality about the stay and what follows."""
    return _report_step(request, uuid, discharge=True)
