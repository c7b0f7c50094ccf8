"""The receiving unit's inbox: the referrals awaiting its assessment by deadline, with the
working days left (or how late), those it decided lately, and the waiting lists it keeps;
for a referrer the referrals it sent. Each list is bounded (paged) and read in a fixed
number of queries whatever its length; the patients shown are audited once each."""

import datetime
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from common.htmx import render_page
from common.sweeps import local_date
from pathways.access import audit_reads
from registry.capabilities import Capability, organizations_where
from registry.models import AuditObjectType

from ..models import AWAITING_ASSESSMENT
from ..waiting import waiting_list_counts
from ..workdays import working_days_between
from .access import visible_referrals, waiting_list_services

PER_PAGE = 25
RECENT_DAYS = 30
RECENT_SHOWN = 10

ROW_RELATED = ("patient", "service__provider", "service__level", "receiver", "referrer",
               "allocated_service__provider")


def deadline_state(referral, today: datetime.date) -> dict:
    """Working days left to the assessment deadline (negative: overdue)."""
    left = working_days_between(today, referral.assessment_due)
    return {"days_left": left, "overdue": left < 0, "days_late": -left, "due_today": left == 0}


def inbox_context(request) -> dict:
    """Queries: the awaiting page and its count, the recent decisions, the sent page and its
    count, the waiting lists and their counts, the grounds and the audit INSERT (the user's
    memberships are read once per request)."""
    user = request.user
    assess_units = organizations_where(user, Capability.ASSESS_REFERRALS)
    refer_units = organizations_where(user, Capability.REFER)
    if not assess_units and not refer_units:
        raise PermissionDenied(_("The referral inbox is for those who assess or send "
                                 "referrals."))
    today = local_date(timezone.now())
    scope = visible_referrals(user).select_related(*ROW_RELATED)
    context = {"assess_units": assess_units, "refer_units": refer_units, "today": today}
    shown = []
    if assess_units:
        awaiting = scope.filter(receiver__in=assess_units, status__in=AWAITING_ASSESSMENT) \
            .order_by("assessment_due", "received_at", "pk")
        page = Paginator(awaiting, PER_PAGE).get_page(request.GET.get("page"))
        for referral in page.object_list:
            referral.deadline = deadline_state(referral, today)
        since = timezone.now() - datetime.timedelta(days=RECENT_DAYS)
        decided = list(scope.filter(receiver__in=assess_units, decided_at__gte=since)
                       .exclude(status__in=AWAITING_ASSESSMENT)
                       .order_by("-decided_at", "-pk")[:RECENT_SHOWN])
        services = list(waiting_list_services(user).select_related("provider", "level")
                        .order_by("provider__name", "name"))
        counts = waiting_list_counts([s.pk for s in services]) if services else {}
        for service in services:
            service.queue = counts.get(service.pk, 0)
        context |= {"awaiting": page, "decided": decided, "waiting_lists": services,
                    "recent_days": RECENT_DAYS}
        shown += [*page.object_list, *decided]
    if refer_units:
        sent = scope.filter(referrer__in=refer_units).order_by("-received_at", "-pk")
        sent_page = Paginator(sent, PER_PAGE).get_page(request.GET.get("sent"))
        context["sent"] = sent_page
        shown += list(sent_page.object_list)
    for param, key in (("page", "keep_for_awaiting"), ("sent", "keep_for_sent")):
        others = {name: value for name, value in request.GET.items()
                  if name in ("page", "sent") and name != param}
        context[key] = urlencode(others) + "&" if others else ""
    patients = {referral.patient_id: referral.patient for referral in shown}
    if patients:
        audit_reads(user, [patients[pk] for pk in sorted(patients)],
                    object_type=AuditObjectType.REFERRAL_INBOX)
    return context


@never_cache
@login_required
@require_GET
def inbox(request):
    return render_page(request, "referrals/inbox.html", "referrals/partials/inbox_lists.html",
                       inbox_context(request))
