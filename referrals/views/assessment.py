"""The needs assessment (kartlegging): a draft the unit edits (the patient's own goals first),
the portal's suggested level with its reason, the professional's confirmation or choice of
another level with a reason; a completed version is read-only and a revision is a new
version; the versions are listed."""

from django.contrib.auth.decorators import login_required
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from common.htmx import render_page
from common.lookup import one_or_404
from pathways.access import audit_reads
from registry.models import AuditObjectType

from .access import visible_assessments


def get_assessment(user, uuid):
    return one_or_404(visible_assessments(user).select_related(
        "patient", "organization", "level", "suggested_level", "completed_by", "admission",
        "individual_plan"), uuid=uuid)


@never_cache
@login_required
@require_GET
def assessment_detail(request, uuid):
    assessment = get_assessment(request.user, uuid)
    audit_reads(request.user, [assessment], object_type=AuditObjectType.NEEDS_ASSESSMENT,
                patient_of=lambda a: a.patient)
    return render_page(request, "referrals/assessment.html",
                       "referrals/partials/assessment_body.html",
                       {"assessment": assessment, "patient": assessment.patient})
