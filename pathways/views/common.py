"""What the pathway pages share: the clock, countdown text, fingerprints for cheap polling,
and turning the services' refusals into messages a person can act on."""

import datetime
import hashlib
from dataclasses import dataclass

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError
from django.db.models import F, Func, IntegerField, Value
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rehab_portal.exceptions import StateConflict

UTC = datetime.UTC

# Status codes of refused steps; base.html tells htmx to swap them in like a 200.
UNPROCESSABLE = 422  # the form has errors
FORBIDDEN = 403  # the user may not take this step (PermissionDenied)
CONFLICT = 409  # the record's state does not allow it (StateConflict)


def now() -> datetime.datetime:
    """The views' clock; tests replace it to see the pages at a given moment."""
    return timezone.now()


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


# ---------------------------------------------------------------------------------------
# Services refuse with ValidationError (fields), StateConflict or PermissionDenied.


def add_service_errors(form, exc: ValidationError, aliases: dict | None = None) -> None:
    """Put the service's errors on the form's fields (by name or alias), others on top."""
    aliases = aliases or {}
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            name = aliases.get(field, field)
            messages = list(errors)
            if name in form.fields and name != NON_FIELD_ERRORS:
                form.add_error(name, messages)
            else:
                form.add_error(None, messages)
    else:
        form.add_error(None, exc.messages)


RACE_MESSAGE = gettext_lazy("Someone did the same at the same moment. Reload the page and check.")


def run_step(form, step, aliases: dict | None = None):
    """Run a service call for a valid form. Returns (result, status): the status is 200 on
    success, else 422/409/403 with the refusal added to the form's errors."""
    try:
        return step(), 200
    except ValidationError as exc:
        add_service_errors(form, exc, aliases)
        return None, UNPROCESSABLE
    except StateConflict as exc:
        field = (aliases or {}).get(exc.field, exc.field)
        form.add_error(field if field in form.fields else None, exc.message)
        return None, CONFLICT
    except PermissionDenied as exc:
        form.add_error(None, str(exc) or _("You may not do this."))
        return None, FORBIDDEN
    except IntegrityError:  # a double submit or a race the service could not see coming
        form.add_error(None, RACE_MESSAGE)
        return None, CONFLICT


def run_action(step):
    """Run a service call for a button (no form). Returns (result, error message, status)."""
    try:
        return step(), "", 200
    except StateConflict as exc:
        return None, exc.message, CONFLICT
    except PermissionDenied as exc:
        return None, str(exc) or _("You may not do this."), FORBIDDEN
    except ValidationError as exc:
        return None, " ".join(exc.messages), UNPROCESSABLE
    except IntegrityError:
        return None, str(RACE_MESSAGE), CONFLICT


def posted(request):
    """The form data of a POST, even an empty one (an empty QueryDict is falsy)."""
    return request.POST if request.method == "POST" else None


def render_panel(request, template: str, context: dict, status: int = 200):
    """The form alone for htmx (into the panel), inside a whole page otherwise."""
    if request.htmx and not request.htmx.history_restore_request:
        response = render(request, template, context, status=status)
    else:
        response = render(request, "pathways/panel_page.html",
                          {**context, "panel_template": template}, status=status)
    patch_vary_headers(response, ("HX-Request",))
    return response


def announcement(text: str) -> str:
    """An out-of-band swap into the aria-live region of base.html."""
    return render_to_string("partials/announce.html", {"announcement": text})
