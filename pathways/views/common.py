"""What the pathway pages share: the clock, countdown text and fingerprints for cheap polling.
A step's form, its refusals and its announcement are the step kit's (common.htmx)."""

import datetime
import hashlib
from dataclasses import dataclass

from django.db.models import F, Func, IntegerField, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import ParticipantStatus

UTC = datetime.UTC


def now() -> datetime.datetime:
    """The views' clock; tests replace it to see the pages at a given moment."""
    return timezone.now()


# ---------------------------------------------------------------------------------------
# A meeting's answers, as "2 of 3 accepted".


@dataclass(frozen=True)
class InvitationCounts:
    invited: int
    accepted: int
    declined: int


def invitation_counts(meeting, participants) -> InvitationCounts:
    """The invitations the organiser sent and their answers: she takes part from the start
    with no invitation of her own, so she is not counted (a planner who invited three people
    reads "2 of 3 accepted"). The ward board counts the same in SQL (live_meetings_prefetch)."""
    invited = [p for p in participants
               if p.user_id is None or p.user_id != meeting.organizer_id]
    return InvitationCounts(
        invited=len(invited),
        accepted=sum(1 for p in invited if p.status == ParticipantStatus.ACCEPTED),
        declined=sum(1 for p in invited if p.status == ParticipantStatus.DECLINED))


# ---------------------------------------------------------------------------------------
# Countdown to a deadline, as the ward reads it: "om 3 t 20 min", "forsinket 2 t".


@dataclass(frozen=True)
class Countdown:
    text: str
    overdue: bool
    urgent: bool  # due within URGENT_WITHIN


URGENT_WITHIN = datetime.timedelta(hours=4)


def duration_text(minutes: int) -> str:
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        if hours:
            return _("%(days)d d %(hours)d h") % {"days": days, "hours": hours}
        return _("%(days)d d") % {"days": days}
    if hours:
        if minutes:
            return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}
        return _("%(hours)d h") % {"hours": hours}
    return _("%(minutes)d min") % {"minutes": minutes}


def countdown(deadline: datetime.datetime, at: datetime.datetime) -> Countdown:
    """Elapsed time to the deadline. Both ends go to UTC first: Python subtracts two
    datetimes in the same zone on the wall clock, which is an hour off across a DST change."""
    seconds = (deadline.astimezone(UTC) - at.astimezone(UTC)).total_seconds()
    if abs(seconds) < 60:
        return Countdown(_("due now"), overdue=False, urgent=True)
    duration = duration_text(int(abs(seconds) // 60))
    if seconds < 0:
        return Countdown(_("overdue %(duration)s") % {"duration": duration},
                         overdue=True, urgent=True)
    return Countdown(_("in %(duration)s") % {"duration": duration}, overdue=False,
                     urgent=seconds <= URGENT_WITHIN.total_seconds())


# ---------------------------------------------------------------------------------------
# Fingerprints: a poll asks "has anything changed?" with one query before rendering.


def summary(queryset, field: str):
    """COUNT(*) and MAX(field) over the queryset, as one row. Plain SQL functions, not
    aggregates, so that Django adds no GROUP BY and several summaries can be UNIONed."""
    return queryset.order_by().annotate(
        n=Func(F("pk"), function="COUNT"), last=Func(F(field), function="MAX"),
    ).values_list("n", "last")


def fingerprint(*summaries, extra: str = "") -> str:
    """Hash of several summary() rows, fetched in ONE query (UNION ALL). Each row carries
    its place: PostgreSQL may return the parts of a UNION in any order (a parallel append)."""
    first, *rest = (summary.annotate(part=Value(place, output_field=IntegerField()))
                    for place, summary in enumerate(summaries))
    rows = list(first.union(*rest, all=True)) if rest else list(first)
    return fingerprint_of(*(row[:-1] for row in sorted(rows, key=lambda row: row[-1])),
                          extra=extra)


def summary_of(objects, field: str) -> tuple:
    """summary() of rows already read: (count, latest value of the field)."""
    values = [v for v in (getattr(o, field) for o in objects) if v is not None]
    return len(objects), max(values) if values else None


def fingerprint_of(*rows, extra: str = "") -> str:
    """The hash of summary rows: fingerprint() reads them, a full page works them out from
    what it shows (summary_of), and both give the same hash for the same rows."""
    digest = hashlib.sha256(repr(([tuple(row) for row in rows], extra)).encode())
    return digest.hexdigest()[:20]
