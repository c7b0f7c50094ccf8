"""The referral's page: what was asked and why, the needs assessment's summary (the patient's
own goals first), the patient's other open referrals (nobody waits in two queues unseen),
the deadlines, and the steps the reader may take (referrals.views.referral_steps)."""

from django.contrib.auth.decorators import login_required
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from common.htmx import render_page
from common.sweeps import local_date
from pathways.access import audit_reads
from registry.models import AuditObjectType

from .. import services
from ..models import ReferralStatus
from ..workdays import working_days_between
from .access import get_visible_referral, keeps_waiting_list


def referral_context(request, referral, *, forms=None) -> dict:
    """What the page shows, and which steps the reader may take (each form, when given in
    `forms`, comes back with its errors)."""
    user = request.user
    today = local_date(timezone.now())
    assessor = services.may_assess(user, referral)
    referrer = services.may_act_as_referrer(user, referral)
    list_keeper = bool(referral.allocated_service_id) and keeps_waiting_list(
        user, referral.allocated_service)
    others = list(services.other_open_referrals(referral).select_related(
        "service__provider", "service__level", "receiver", "allocated_service__provider")
        .order_by("received_at", "pk"))
    assessment = referral.needs_assessment
    domain_scores = list(assessment.domain_scores.select_related("domain").exclude(
        difficulty=None)) if assessment else []
    days_left = working_days_between(today, referral.assessment_due)
    status = referral.status
    context = {
        "referral": referral, "patient": referral.patient, "assessment": assessment,
        "domain_scores": domain_scores, "others": others, "today": today,
        "days_left": days_left, "days_late": -days_left,
        "is_assessor": assessor, "is_referrer": referrer, "is_list_keeper": list_keeper,
        "awaiting": referral.awaits_assessment,
        "accepted": status == ReferralStatus.ACCEPTED,
        "forms": forms or {},
    }
    context["may_decide"] = assessor and referral.awaits_assessment
    context["may_answer"] = referrer and status == ReferralStatus.INFORMATION_REQUESTED
    context["may_choose"] = (assessor or referrer) and status == ReferralStatus.ACCEPTED \
        and bool(referral.has_right)
    context["may_schedule"] = (assessor or list_keeper) and status == ReferralStatus.ACCEPTED
    context["may_withdraw"] = (assessor or referrer or list_keeper) and referral.is_open
    return context


@never_cache
@login_required
@require_GET
def referral_detail(request, uuid):
    referral = get_visible_referral(request.user, uuid)
    context = referral_context(request, referral)
    audit_reads(request.user, [referral], object_type=AuditObjectType.REFERRAL,
                patient_of=lambda r: r.patient)
    return render_page(request, "referrals/referral.html", "referrals/partials/referral_body.html",
                       context)
