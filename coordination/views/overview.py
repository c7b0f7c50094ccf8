"""The KE's overview (forskrift § 5): open requests, coordinators and their load, plans due
for evaluation and the key figures, filtered by pyramid level and service; a coordinator who
is not KE staff sees the plans they coordinate."""

import datetime
import uuid as uuid_lib

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Func, Max, Q, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from pathways.access import grounds_of, read_entries, with_grounds
from pathways.models import Admission
from pathways.models.admissions import OPEN_STATUSES as OPEN_ADMISSION_STATUSES
from pathways.views.inbox import ke_municipalities
from registry import audit, reference
from registry.models import AuditAction, AuditObjectType, ServiceOffering

from .. import services
from ..access import visible_plans, visible_requests
from ..forms import OverviewFilterForm
from ..models import OPEN_PLAN_STATUSES, Coordinator, Measure, PlanStatus, RequestStatus

OPEN_REQUEST_STATUSES = (RequestStatus.RECEIVED, RequestStatus.UNDER_ASSESSMENT)
EVALUATION_DUE_WITHIN = datetime.timedelta(days=30)


def require_ke(user) -> list[int]:
    org_ids = ke_municipalities(user)
    if not org_ids:
        raise PermissionDenied(_("The overview is for staff of a coordinating unit (KE)."))
    return org_ids


def _service_choices(plans, org_ids) -> list:
    """The services a KE member filters by, in one query: the municipality's own active
    services and every service a measure of its plans uses (also one no longer offered)."""
    used = Measure.objects.filter(plan__in=plans, service__isnull=False).values("service_id")
    return list(ServiceOffering.objects.filter(
        Q(pk__in=used) | Q(provider_id__in=org_ids, active=True))
        .select_related("level", "provider").order_by("level__code", "name", "pk"))


def _filter_plans(plans, filters: OverviewFilterForm):
    """Plans with a measure on the level and of the service (the same measure)."""
    if not filters.is_valid():
        return plans
    conditions = {}
    if filters.cleaned_data["level"]:
        conditions["measures__service__level__code"] = filters.cleaned_data["level"]
    if filters.cleaned_data["service"]:
        conditions["measures__service__uuid"] = uuid_lib.UUID(filters.cleaned_data["service"])
    return plans.filter(**conditions).distinct() if conditions else plans


def overview_context(request, org_ids) -> tuple[dict, list]:
    """The context and the audit entries of what it shows, in a fixed number of queries: 1
    open requests with patient and municipality, 2 coordinators with load, 3 plans due for
    evaluation with patient and coordinator, 4 the plan counts with the open pathways count,
    5 the services (filters; the levels are reference data kept in memory).

    The filters apply to plans only (the key figures of plans and the plans due): a request
    has no measures, and hiding the requests whose patient has no matching plan would hide
    the new ones, which are the KE's work. The page says so next to the filters."""
    user = request.user
    today = timezone.localdate()
    open_requests = list(with_grounds(
        visible_requests(user).filter(municipality_id__in=org_ids,
                                      status__in=OPEN_REQUEST_STATUSES), user)
        .select_related("patient", "municipality").order_by("received_at", "pk"))
    at = timezone.now()
    for item in open_requests:
        item.waiting = services.waiting_days(item, at)
    coordinators = list(services.coordinators_with_load().filter(organization_id__in=org_ids)
                        .filter(active=True).order_by("user__last_name", "user__first_name"))
    plans = visible_plans(user).filter(municipality_id__in=org_ids)
    filters = OverviewFilterForm(request.GET, levels=reference.levels(),
                                 services=_service_choices(plans, org_ids))
    plans = _filter_plans(plans, filters)
    due = list(with_grounds(
        plans.filter(status__in=(PlanStatus.ACTIVE, PlanStatus.UNDER_EVALUATION),
                     next_evaluation_on__lte=today + EVALUATION_DUE_WITHIN), user)
        .select_related("patient", "coordinator__user").order_by("next_evaluation_on"))
    # The open pathways' count rides along with the plans' (one query): a scalar subquery,
    # inside an aggregate so that it may stand beside them, and again for no plans at all.
    pathways = Subquery(
        Admission.objects.visible_to(user).filter(
            municipality_id__in=org_ids, status__in=OPEN_ADMISSION_STATUSES)
        .order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")[:1])
    counts = plans.order_by().aggregate(
        active=Count("pk", filter=Q(status=PlanStatus.ACTIVE), distinct=True),
        open=Count("pk", filter=Q(status__in=OPEN_PLAN_STATUSES), distinct=True),
        pathways=Coalesce(Max(pathways), pathways))
    open_pathways = counts["pathways"] or 0
    patients = {r.patient for r in open_requests} | {p.patient for p in due}
    entries = read_entries(user, sorted(patients, key=lambda p: p.pk),
                             object_type=AuditObjectType.KE_OVERVIEW,
                             basis=grounds_of(user, [*open_requests, *due]))
    return {
        "open_requests": open_requests, "coordinators": coordinators, "due": due,
        "today": today, "counts": {"pathways": open_pathways, "requests": len(open_requests),
                                   "active_plans": counts["active"],
                                   "open_plans": counts["open"]},
        "filters": filters,
        "filtered": filters.is_valid() and any(filters.cleaned_data.values()),
    }, entries


def overview(request, org_ids) -> dict:
    """The KE overview of the municipalities `org_ids` (none: a coordinator's own page) and
    the plans the user coordinates; what it shows is audited in one INSERT."""
    user = request.user
    context, entries = overview_context(request, org_ids) if org_ids else ({}, [])
    context["is_ke"] = bool(org_ids)
    context.setdefault("today", timezone.localdate())
    context["my_plans"] = my_plans(user)
    entries += read_entries(user, [p.patient for p in context["my_plans"]],
                              object_type=AuditObjectType.MY_PLANS,
                              basis=grounds_of(user, context["my_plans"]))
    audit.record_many(user, AuditAction.VIEW, entries)
    return context


def my_plans(user) -> list:
    """The open plans the user coordinates (one query, with the patients)."""
    return list(with_grounds(visible_plans(user).filter(coordinator__user=user,
                                                        status__in=OPEN_PLAN_STATUSES), user)
                .select_related("patient").order_by("patient__family_name", "pk"))


@never_cache
@login_required
@require_GET
def ke_overview(request):
    """The KE's overview; a coordinator who is not KE staff sees the plans they coordinate."""
    org_ids = ke_municipalities(request.user)
    if not org_ids and not Coordinator.objects.filter(user=request.user, active=True).exists():
        raise PermissionDenied(_("The overview is for the coordinating unit and coordinators."))
    response = render(request, "coordination/ke_overview.html", overview(request, org_ids))
    patch_vary_headers(response, ("HX-Request",))
    return response
