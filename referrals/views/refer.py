"""The referral form, from the patient's page, a needs assessment, an admission or a plan
(?assessment=, ?admission=, ?plan= link the referral to it): a service from the catalogue
that can serve the patient's municipality, each shown with its level, current waiting time
and who will assess the referral (the provider, or the region's assessment unit for a
private institution when the referrer is no hospital: services.receiver_for)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from common.htmx import form_step, posted, step_view
from coordination.access import visible_plans
from pathways.access import audit_reads, get_visible_patient
from pathways.models import Admission
from registry.capabilities import Capability, organizations_where
from registry.models import AuditObjectType, Organization, ServiceOffering

from .. import services
from ..forms import ReferralForm
from ..models import NeedsAssessment

LINKS = {"assessment": "needs_assessment", "admission": "admission", "plan": "individual_plan"}


def _receivers(referrer):
    """Who assesses a referral from `referrer` to each service, by provider (the assessment
    unit is read once per provider, not per service)."""
    found = {}

    def receiver(service) -> str:
        if referrer is None:
            return service.provider.name
        if service.provider_id not in found:
            try:
                found[service.provider_id] = services.receiver_for(referrer, service).name
            except ValidationError:
                found[service.provider_id] = _("no assessment unit in the region")
        return found[service.provider_id]
    return receiver


@step_view
def new_referral(request, uuid):
    user = request.user
    patient = get_visible_patient(user, uuid)
    audit_reads(user, [patient], object_type=AuditObjectType.PATIENT, detail="referral form")
    referrers = Organization.objects.filter(
        pk__in=[org.pk for org in organizations_where(user, Capability.REFER)]).order_by("name")
    chosen = referrers.filter(uuid=request.POST.get("referrer")).first() if \
        request.method == "POST" and request.POST.get("referrer") else None
    referrer = chosen or referrers.first()
    initial = {"referrer": referrer.uuid if referrer else None}
    for param, field in LINKS.items():
        if request.GET.get(param):
            initial[field] = request.GET[param]
    form = ReferralForm(
        posted(request), initial=initial,
        services=ServiceOffering.objects.can_serve(patient.municipality).filter(active=True)
        .select_related("provider", "level")
        .order_by("level__sort_order", "level__code", "provider__name", "name"),
        receivers=_receivers(referrer), referrers=referrers,
        assessments=NeedsAssessment.objects.visible_to(user).filter(patient=patient),
        admissions=Admission.objects.visible_to(user).filter(patient=patient),
        plans=visible_plans(user).filter(patient=patient))
    back_url = reverse("pathways:patient_detail", kwargs={"uuid": patient.uuid})
    linked = {field: form.fields[field].queryset.filter(uuid=initial[field]).first()
              for field in LINKS.values() if initial.get(field)} if request.method == "GET" \
        else {}
    context = {"patient": patient, "back_url": back_url, "may_refer": referrer is not None,
               "linked": {k: v for k, v in linked.items() if v is not None}}

    def step(data):
        return services.refer(
            by=user, patient=patient, service=data["service"], reason=data["reason"],
            referrer=data["referrer"] or referrer, needs_assessment=data["needs_assessment"],
            admission=data["admission"], individual_plan=data["individual_plan"])

    def sent(referral):
        messages.success(request, _(
            "The referral is sent to %(unit)s, which is to assess it by %(date)s.") % {
            "unit": referral.receiver.name,
            "date": date_format(referral.assessment_due, "SHORT_DATE_FORMAT")})
        return redirect("referrals:referral", uuid=referral.uuid)

    return form_step(
        request, form, step,
        show=lambda form, status: render(request, "referrals/refer.html",
                                         {**context, "form": form}, status=status),
        done=sent)
