"""The referrals' section of the patient page (pathways.patient_page; registered in
ReferralsConfig.ready): the patient's needs assessments (kartlegging) and referrals the user
may see, with the buttons to start or go on with an assessment and to refer.

Scoped like the pages: assessments of a patient the user sees, referrals of the user's units
(referrals.views.access); what it shows is audited (one event per record, in one INSERT)."""

from django.template.loader import render_to_string

from pathways.access import grounds, read_entries
from registry import audit
from registry.capabilities import Capability, organizations_where
from registry.models import AuditAction, AuditObjectType

from .models import OPEN_STATUSES, AssessmentStatus
from .views.access import visible_assessments, visible_referrals

ASSESSMENTS_SHOWN = 3
REFERRALS_SHOWN = 10


def referral_section(request, patient) -> str:
    """Queries: 1 the latest assessments, 2 the referrals, 3 the grounds (once for both),
    4 the audit INSERT (none of the last two when there is nothing to show)."""
    user = request.user
    assessments = list(visible_assessments(user).filter(patient=patient)
                       .select_related("level", "organization")
                       .order_by("-number", "-created_at")[:ASSESSMENTS_SHOWN])
    referrals = sorted(
        visible_referrals(user).filter(patient=patient)
        .select_related("service__provider", "service__level", "receiver")
        .order_by("-received_at", "-pk")[:REFERRALS_SHOWN],
        key=lambda r: r.status not in OPEN_STATUSES)
    entries = []
    basis = grounds(user, {patient.pk}) if assessments or referrals else {}
    for rows, object_type in ((assessments, AuditObjectType.NEEDS_ASSESSMENT),
                              (referrals, AuditObjectType.REFERRAL)):
        if rows:
            entries += read_entries(user, rows, object_type=object_type, basis=basis,
                                    patient_of=lambda _row: patient, detail="patient page")
    if entries:
        audit.record_many(user, AuditAction.VIEW, entries)
    draft = next((a for a in assessments if a.status == AssessmentStatus.DRAFT), None)
    return render_to_string("referrals/partials/patient_section.html", {
        "patient": patient, "assessments": assessments, "draft": draft,
        "referrals": referrals,
        "may_assess": bool(organizations_where(user, Capability.SEE_ORGANIZATION_PATIENTS)),
        "may_refer": bool(organizations_where(user, Capability.REFER)),
        "latest_completed": next((a for a in assessments
                                  if a.status == AssessmentStatus.COMPLETED), None),
    }, request=request)
