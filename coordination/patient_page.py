"""The individual plan's section of the patient page (pathways.patient_page; registered in
CoordinationConfig.ready): the patient's plans with status, coordinator and next evaluation,
the requests waiting for a decision, and the button to send one.

Scoped like the plan page: only plans and requests the user may see (coordination.access:
visible_plans, visible_requests), none for anyone else; what it shows is audited as the plan
page's reads are (one event per plan and request, in one INSERT with their grounds)."""

from django.db.models import Case, IntegerField, Value, When
from django.template.loader import render_to_string

from pathways.access import read_entries, with_grounds
from registry import audit
from registry.models import AuditAction, AuditObjectType

from .access import visible_plans, visible_requests
from .models import OPEN_PLAN_STATUSES, OPEN_REQUEST_STATUSES

PLANS_SHOWN = 5  # a patient has one open plan per municipality; the latest closed ones after


def plan_section(request, patient) -> str:
    """Queries: 1 the plans with municipality, coordinator and grounds, 2 the open requests
    with grounds, 3 the audit INSERT (none when there is nothing to show)."""
    user = request.user
    plans = list(with_grounds(visible_plans(user).filter(patient=patient), user)
                 .select_related("municipality", "coordinator__user")
                 .annotate(closed=Case(When(status__in=OPEN_PLAN_STATUSES, then=Value(0)),
                                       default=Value(1), output_field=IntegerField()))
                 .order_by("closed", "-created_at", "-pk")[:PLANS_SHOWN])
    requests = list(with_grounds(visible_requests(user).filter(
        patient=patient, status__in=OPEN_REQUEST_STATUSES), user)
        .select_related("municipality").order_by("received_at", "pk"))
    entries = []
    for rows, object_type in ((plans, AuditObjectType.INDIVIDUAL_PLAN),
                              (requests, AuditObjectType.PLAN_REQUEST)):
        if rows:
            entries += read_entries(user, rows, object_type=object_type,
                                    patient_of=lambda _row: patient, detail="patient page")
    audit.record_many(user, AuditAction.VIEW, entries)
    return render_to_string("coordination/partials/patient_plan_section.html", {
        "patient": patient, "plans": plans, "open_requests": requests,
    }, request=request)
