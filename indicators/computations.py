"""Each catalogue computation: a function from a range of months to Figure rows.

A computation reads the other apps' tables with a few grouped queries per run (never a query
per admission) and returns rows keyed by month, current municipality number, hospital and
dimension. indicators.services writes them; nothing here writes.
"""

from django.utils.translation import gettext as _

from .models import Computation

# The parameters each computation accepts, with their defaults (documented on the
# indicator's admin page and in README, "Indicators").
PARAMETERS: dict[str, dict] = {
    Computation.NOTICE_ON_TIME: {},
    Computation.NOTICE_HOURS: {},
    Computation.NOTICE_ACKNOWLEDGED: {"hours": None},  # None: the reminder's setting
    Computation.READY_DAYS: {},
    Computation.READY_COST: {},
    Computation.MEETING_BEFORE_DISCHARGE: {},
    Computation.PLAN_SHARE: {},
    Computation.PLAN_COORDINATOR: {},
    Computation.REQUEST_DAYS_TO_DECISION: {},
    Computation.REQUEST_DAYS_TO_COORDINATOR: {},
    Computation.WAITING_DAYS: {},
    Computation.LEVEL_SHARE: {"levels": []},  # level codes in the numerator
    Computation.SPECIALISED_REHABILITATION: {},
    Computation.COORDINATORS: {"kind": "", "trained": False},
}


def parameter_errors(computation: str, parameters: dict) -> list[str]:
    """What is wrong with an indicator's parameters, in words an administrator reads."""
    allowed = PARAMETERS.get(computation)
    if allowed is None:
        return [_("Choose a computation.")]
    unknown = sorted(set(parameters) - set(allowed))
    if unknown:
        return [_("Unknown parameters: %(names)s. This computation takes: %(allowed)s.") % {
            "names": ", ".join(unknown), "allowed": ", ".join(sorted(allowed)) or "—"}]
    return []
