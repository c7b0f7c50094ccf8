"""A service's waiting list: the accepted referrals in their order (the deadline for necessary
care first, then the expected start), how long each has waited, and the service's published
waiting time with when it was computed. For the provider's assessors, and the region's
assessment unit for a private institution's service; paged, in a fixed number of queries;
the patients shown are audited."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from common.htmx import render_page
from common.lookup import one_or_404
from common.sweeps import local_date
from pathways.access import audit_reads
from registry.models import AuditObjectType

from ..models import Referral
from .access import waiting_list_services

PER_PAGE = 50


@never_cache
@login_required
@require_GET
def waiting_list(request, uuid):
    """Queries: the service, the page and its count, the grounds and the audit INSERT."""
    service = one_or_404(waiting_list_services(request.user).select_related("provider", "level"),
                         uuid=uuid)
    queue = Referral.objects.waiting_list(service).select_related(
        "patient", "receiver", "referrer")
    page = Paginator(queue, PER_PAGE).get_page(request.GET.get("page"))
    today = local_date(timezone.now())
    for place, referral in enumerate(page.object_list, start=page.start_index()):
        referral.place = place
        referral.days_waited = (today - local_date(referral.decided_at)).days \
            if referral.decided_at else None
        referral.days_since_receipt = (today - local_date(referral.received_at)).days
        deadline, start = referral.care_start_deadline, referral.expected_start
        referral.late = bool(deadline and (deadline < today or (start and start > deadline)))
    rows = list(page.object_list)
    if rows:
        audit_reads(request.user, rows, object_type=AuditObjectType.WAITING_LIST,
                    patient_of=lambda referral: referral.patient,
                    object_id_of=lambda referral: referral.uuid,
                    detail=f"waiting list of {service.name}"[:200])
    return render_page(request, "referrals/waiting_list.html",
                       "referrals/partials/waiting_list_table.html",
                       {"service": service, "page": page, "rows": rows, "today": today})
