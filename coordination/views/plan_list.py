"""The KE's list of all its municipalities' individual plans: a dense table (patient,
coordinator, status, next evaluation, levels), filtered by coordinator, status, evaluation
and pyramid level with a count beside each choice, searched by the patient's name, paged;
GET-driven, htmx swaps the results and the counts. Every row shown is an audited read."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from common.htmx import render_page
from pathways.access import audit_reads, with_grounds
from registry import reference
from registry.models import AuditObjectType

from ..access import visible_plans
from ..filters import EVALUATED_STATUSES, NO_COORDINATOR, PlanDue, PlanListFilter, due_condition
from ..models import Coordinator, Measure
from .overview import require_ke

PLANS_PER_PAGE = 50


def _facet_counts(filterset: PlanListFilter) -> dict[str, dict[str, int]]:
    """For each facet, how many plans each of its choices gives with the other filters: one
    query per facet (the levels are counted on the measures, a plan once per level)."""
    today = timezone.localdate()
    counts = {
        "status": dict(filterset.without("status").order_by().values_list("status")
                       .annotate(n=Count("pk"))),
        "coordinator": {
            str(uuid) if uuid else NO_COORDINATOR: n for uuid, n in
            filterset.without("coordinator").order_by().values_list("coordinator__uuid")
            .annotate(n=Count("pk"))},
        "due": filterset.without("due").order_by().aggregate(**{
            value: Count("pk", filter=due_condition(value, today)) for value in PlanDue.values}),
        "level": dict(Measure.objects.filter(plan__in=filterset.without("level").values("pk"),
                                             service__isnull=False).order_by()
                      .values_list("service__level__code")
                      .annotate(n=Count("plan", distinct=True))),
    }
    return counts


def _label_counts(filterset: PlanListFilter, counts: dict) -> None:
    for facet in PlanListFilter.FACETS:
        field = filterset.form.fields[facet]
        field.choices = [(value, f"{label} ({counts[facet].get(value, 0)})" if value else label)
                         for value, label in field.choices]


def _annotate_rows(plans, today) -> None:
    """Each plan's pyramid levels (of its measures' services), in one query, and whether its
    evaluation is overdue."""
    levels = {}
    for plan_id, code in (Measure.objects.filter(plan__in=plans, service__isnull=False)
                          .order_by("service__level__sort_order")
                          .values_list("plan_id", "service__level__code").distinct()):
        levels.setdefault(plan_id, []).append(code)
    for plan in plans:
        plan.levels = levels.get(plan.pk, [])
        plan.overdue = bool(plan.status in EVALUATED_STATUSES and plan.next_evaluation_on
                            and plan.next_evaluation_on < today)


@never_cache
@login_required
@require_GET
def plan_list(request):
    """Queries, whatever the number of plans: 1 session, 2 user, 3 the user's memberships
    (the KE's municipalities, the audit's roles, the navigation), 4 the coordinators
    (choices), 5-8 the counts of the four facets, 9 the count of the filtered plans, 10 the
    page's plans with patient, coordinator and the audit's grounds, 11 their levels, 12 the
    audit INSERT; the pyramid levels are reference data kept in memory."""
    user = request.user
    org_ids = require_ke(user)
    coordinators = list(Coordinator.objects.filter(organization_id__in=org_ids)
                        .select_related("user").order_by("user__last_name", "user__first_name",
                                                          "pk"))
    plans = visible_plans(user).filter(municipality_id__in=org_ids)
    data = {key: request.GET[key] for key in PlanListFilter.Meta.fields if request.GET.get(key)}
    filterset = PlanListFilter(data, queryset=plans, coordinators=coordinators,
                               levels=reference.levels())
    counts = _facet_counts(filterset)
    _label_counts(filterset, counts)
    page = Paginator(
        with_grounds(filterset.qs, user).select_related(
            "patient", "municipality", "coordinator__user")
        .order_by("patient__family_name", "patient__given_name", "pk"),
        PLANS_PER_PAGE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    today = timezone.localdate()
    _annotate_rows(rows, today)
    audit_reads(user, rows, object_type=AuditObjectType.INDIVIDUAL_PLAN,
                patient_of=lambda plan: plan.patient, detail="plan list")
    context = {
        "filterset": filterset, "form": filterset.form, "page": page, "plans": rows,
        "filter_query": urlencode(data), "filtered": bool(data),
        "municipalities_many": len(org_ids) > 1,
    }
    return render_page(request, "coordination/plan_list.html",
                       "coordination/partials/plan_list_results.html", context)
