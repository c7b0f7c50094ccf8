"""A service's waiting list: the accepted referrals in their order (the deadline for necessary
care first, then the expected start), how long each has waited, and the service's published
waiting time with when it was computed. For the provider's assessors, and the region's
assessment unit for a private institution's service; paged, in a fixed number of queries;
the patients shown are audited."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from common.htmx import render_page
from common.lookup import one_or_404
from common.sweeps import local_date
from pathways.access import audit_reads
from pathways.models import CareRelationship
from registry.models import AuditObjectType

from ..models import Referral
from .access import waiting_list_services

PER_PAGE = 50


@never_cache
@login_required
@require_GET
def waiting_list(request, uuid):
    """Queries: the service, the page and its count, the grounds and the audit INSERT (the
    user's memberships are read once per request)."""
    service = one_or_404(waiting_list_services(request.user).select_related("provider", "level"),
                         uuid=uuid)
    # The whole queue in its order; a patient the reader has no care relationship with (sent
    # straight from a hospital, say, when the reader is the assessment unit) keeps the place
    # but not the name.
    queue = Referral.objects.waiting_list(service).select_related(
        "patient", "receiver", "referrer").annotate(seen=Exists(
            CareRelationship.objects.granting(request.user).filter(patient_id=OuterRef(
                "patient_id"))))
    page = Paginator(queue, PER_PAGE).get_page(request.GET.get("page"))
    today = local_date(timezone.now())
    for place, referral in enumerate(page.object_list, start=page.start_index()):
        referral.place = place
        referral.days_waited = (today - local_date(referral.received_at)).days
        deadline, start = referral.care_start_deadline, referral.expected_start
        referral.late = bool(deadline and (deadline < today or (start and start > deadline)))
    rows = list(page.object_list)
    seen = [referral for referral in rows if referral.seen]
    if seen:
        audit_reads(request.user, seen, object_type=AuditObjectType.WAITING_LIST,
                    patient_of=lambda referral: referral.patient,
                    object_id_of=lambda referral: referral.uuid,
                    detail=f"waiting list of {service.name}"[:200])
    return render_page(request, "referrals/waiting_list.html",
                       "referrals/partials/waiting_list_table.html",
                       {"service": service, "page": page, "rows": rows, "today": today})
