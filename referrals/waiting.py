"""A service's expected waiting time, computed from its waiting list and its recent starts,
never typed in (ServiceOffering.waiting_days, which the catalogue and indicators show).

For a patient accepted today, the wait is the queue ahead divided by the pace at which the
service has started patients over the last WINDOW_DAYS (Little's law): a queue of 12 at a
service that started 30 in 90 days is 36 days. A service that started nobody in that window
has no pace: the latest expected start on its list tells how far it is booked. A service
with an empty list has no wait (0 days) when it has started someone in the window, and no
figure (None: the catalogue says "not known") when it has no history at all.

refresh_waiting_times() computes every service asked for in two grouped queries, whatever
the number of referrals (make bench: 100 000), and is called on every change to a list and
nightly (the days pass)."""

import datetime
import math

from django.db.models import Count, Max
from django.utils import timezone

from common.sweeps import local_date
from registry.models import ServiceOffering

from .models import Referral, ReferralStatus

WINDOW_DAYS = 90


def expected_waiting_days(queue: int, starts: int, latest_expected: datetime.date | None,
                          today: datetime.date) -> int | None:
    if starts:
        return math.ceil(queue * WINDOW_DAYS / starts)
    if queue and latest_expected is not None:
        return max(0, (latest_expected - today).days)
    return None


def refresh_waiting_times(service_ids=None, *, now: datetime.datetime | None = None) -> int:
    """Recompute the waiting time of the given services (all active ones when None); the
    number of services whose figure changed."""
    now = now or timezone.now()
    today = local_date(now)
    services = ServiceOffering.objects.all() if service_ids is None else \
        ServiceOffering.objects.filter(pk__in=list(service_ids))
    if service_ids is None:
        services = services.filter(active=True)
    since = today - datetime.timedelta(days=WINDOW_DAYS)
    scope = Referral.objects.filter(allocated_service__in=services.values("pk"))
    queues = {row["allocated_service"]: row for row in
              scope.filter(status=ReferralStatus.ACCEPTED).values("allocated_service")
              .annotate(queue=Count("pk"), latest=Max("expected_start")).order_by()}
    starts = dict(scope.filter(status=ReferralStatus.STARTED, started_on__gt=since,
                               started_on__lte=today)
                  .values_list("allocated_service").annotate(n=Count("pk")).order_by())
    changed = []
    for service in services.only("pk", "waiting_days"):
        queue = queues.get(service.pk, {})
        days = expected_waiting_days(queue.get("queue", 0), starts.get(service.pk, 0),
                                     queue.get("latest"), today)
        if days is not None:
            days = min(days, 3650)
        if days != service.waiting_days:
            service.waiting_days = days
            service.waiting_days_computed_at = now
            changed.append(service)
    ServiceOffering.objects.bulk_update(changed, ["waiting_days", "waiting_days_computed_at"],
                                        batch_size=500)
    return len(changed)


def waiting_list_counts(service_ids) -> dict[int, int]:
    """How many wait on each service's list (one query)."""
    return dict(Referral.objects.filter(allocated_service__in=list(service_ids),
                                        status=ReferralStatus.ACCEPTED)
                .values_list("allocated_service").annotate(n=Count("pk")).order_by())
