"""A request to the KE (melding om behov), from the patient's page: whoever sees the patient
asks for an individual plan, a coordinator or a rehabilitation assessment."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from common.htmx import form_step, posted, step_view
from pathways.access import audit_reads, get_visible_patient
from registry.capabilities import Capability, organizations_where
from registry.models import AuditObjectType

from .. import services
from ..access import is_ke_staff
from ..forms import PlanRequestForm
from ..models import PlanRequest, RequestSource


def _is_discharge_planner(user) -> bool:
    return bool(organizations_where(user, Capability.WORK_ON_WARD))


@step_view
def new_plan_request(request, uuid):
    """Whoever sees the patient may ask a municipality's KE for an individual plan, a
    coordinator or a rehabilitation assessment; KE staff register one that came by phone or
    letter the same way. The service decides; its refusals come back onto the form."""
    patient = get_visible_patient(request.user, uuid)
    audit_reads(request.user, [patient], object_type=AuditObjectType.PATIENT,
                detail="plan request form")
    form = PlanRequestForm(posted(request), initial={
        "municipality": patient.municipality_id,
        "received_at": timezone.localtime().replace(second=0, microsecond=0),
        "source": RequestSource.HOSPITAL if _is_discharge_planner(request.user) else "",
    })
    context = {"patient": patient,
               "back_url": reverse("pathways:patient_detail", kwargs={"uuid": patient.uuid})}
    return form_step(
        request, form,
        lambda data: services.submit_plan_request(
            patient=patient, municipality=data["municipality"], kind=data["kind"],
            source=data["source"], by=request.user, submitter_name=data["submitter_name"],
            description=data["description"], received_at=data["received_at"]),
        show=lambda form, status: render(request, "coordination/plan_request.html",
                                         {**context, "form": form}, status=status),
        done=lambda plan_request: _request_sent(request, plan_request))


def _request_sent(request, plan_request: PlanRequest):
    """Back to the patient, or (KE staff of the receiving municipality) to the overview where
    the request now waits for a decision."""
    municipality = plan_request.municipality
    if is_ke_staff(request.user, municipality):
        messages.success(request, _("The request for %(name)s is registered and waits for a "
                                    "decision.") % {"name": plan_request.patient.full_name})
        url = reverse("coordination:ke_overview")
    else:
        messages.success(request, _("The request is sent to the coordinating unit of "
                                    "%(municipality)s.") % {"municipality": municipality.name})
        url = reverse("pathways:patient_detail", kwargs={"uuid": plan_request.patient.uuid})
    return redirect(url)
