"""One way to write a periodic reminder: its due query, its message, a settings line, a test.

A kind is declared once, where its query lives::

    @sweeps.reminder("minutes_missing", due=minutes_missing_due)
    def remind_missing_minutes(batch, now, kind) -> list[Outgoing]: ...

`due(now, kind)` reads only what is due, through an index; the decorated function builds the
notifications of one batch of due rows, each with a dedupe key per subject and stage. The
framework reads the rows in batches of BATCH_SIZE, builds them in the portal's language and
hands them to the outbox (settings.REMINDER_OUTBOX, registry.notifications.notify_many), where
the unique dedupe key is the claim: a re-run, an overlapping run or a second worker sends
nothing twice. Periods come from settings.REMINDERS[<name>] (over the declaration's
`defaults`), read when the sweep runs. run_sweeps(group) runs every kind declared in an app's
tasks module; Celery beat calls it per group (settings.CELERY_BEAT_SCHEDULE).

Hours are elapsed time (aware datetimes, added in UTC: 24 h is 24 real hours, also across a
daylight-saving change); days and weeks are calendar days in Europe/Oslo. Every sweep takes
`now`, so tests (and a catch-up after an outage) can say when "now" is. The shared base
imports no app.
"""

import datetime
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import islice
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.module_loading import autodiscover_modules, import_string

from . import dates

logger = logging.getLogger(__name__)

OSLO = ZoneInfo("Europe/Oslo")
# How far back a sweep looks past the end of its window. A stage missed while the workers
# were down for up to this long is still sent; older subjects are left alone, and the
# indexed range scans stay short however much history the tables hold.
CATCH_UP = datetime.timedelta(days=7)
# Due rows per batch: one query for the batch's recipients, one INSERT, one SELECT.
BATCH_SIZE = 500


# -- Time ------------------------------------------------------------------------------------

def utc(now: datetime.datetime | None = None) -> datetime.datetime:
    """`now` in UTC. Arithmetic on a datetime in Europe/Oslo is wall-clock arithmetic in
    Python (Oslo 12:00 + 24 h is 12:00 the next day, 23 real hours across the spring
    change); in UTC it is elapsed time."""
    return (now or timezone.now()).astimezone(datetime.UTC)


def local_date(moment: datetime.datetime) -> datetime.date:
    """The date on the clocks in Norway (not the UTC date, around midnight)."""
    return moment.astimezone(OSLO).date()


def local_midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(0), tzinfo=OSLO)


# A reminder's moments and dates read as the pages' do (common.dates: the active language's
# formats; a sweep runs in the portal's language).
when = dates.when
day = dates.day


# -- Batches ---------------------------------------------------------------------------------

def batches(queryset: QuerySet) -> Iterator[list]:
    """The queryset's rows in lists of BATCH_SIZE, never all of them in memory at once."""
    size = BATCH_SIZE
    rows = queryset.iterator(chunk_size=size)
    while batch := list(islice(rows, size)):
        yield batch


# -- Reminder kinds --------------------------------------------------------------------------

@dataclass(frozen=True)
class Reminder:
    """One kind of reminder. Calling it runs its sweep and returns the rows it created
    (0 on a re-run): `remind_missing_minutes(now)`.

    The outbox's items need `.users`, `.external_emails` and `.message.kind` (an item with
    neither users nor addresses is logged as unaddressed on every run).
    """

    name: str  # the key in settings.REMINDERS, the name in run_sweeps' report and `make bench`
    group: str  # the sweep task that runs it (by default the declaring app's label)
    query: Callable[[datetime.datetime, "Reminder"], QuerySet]
    build: Callable[[list, datetime.datetime, "Reminder"], Iterable]
    defaults: Mapping[str, Any] = field(default_factory=dict)

    def setting(self, key: str) -> Any:
        configured = getattr(settings, "REMINDERS", {}).get(self.name, {})
        if key in configured:
            return configured[key]
        if key in self.defaults:
            return self.defaults[key]
        raise ImproperlyConfigured(f"settings.REMINDERS[{self.name!r}][{key!r}] is not set")

    def hours(self, key: str) -> datetime.timedelta:
        return datetime.timedelta(hours=self.setting(key))

    def days(self, key: str) -> datetime.timedelta:
        return datetime.timedelta(days=self.setting(key))

    def due(self, now: datetime.datetime | None = None) -> QuerySet:
        """The main, indexed query: what is due at `now` (`make bench` explains it)."""
        return self.query(utc(now), self)

    def run(self, now: datetime.datetime | None = None) -> int:
        """Build the notifications of each batch of due rows and insert them; the number
        of rows inserted."""
        now = utc(now)
        send = import_string(settings.REMINDER_OUTBOX)
        created, unaddressed = 0, Counter()
        with translation.override(settings.LANGUAGE_CODE):
            for batch in batches(self.due(now)):
                outgoing = list(self.build(batch, now, self))
                unaddressed.update(item.message.kind for item in outgoing
                                   if not item.users and not item.external_emails)
                created += len(send(outgoing))
        if unaddressed:
            # Nobody at the ward, no KE staff and no KE inbox: say so on every run.
            logger.warning("due notifications with nobody to receive them: %s",
                           dict(unaddressed))
        return created

    def __call__(self, now: datetime.datetime | None = None) -> int:
        return self.run(now)


REGISTRY: dict[str, Reminder] = {}


def register(kind: Reminder) -> Reminder:
    """Add a kind to those run_sweeps runs; a name is one kind (its settings key)."""
    existing = REGISTRY.get(kind.name)
    if existing is not None and _origin(existing) != _origin(kind):
        raise ImproperlyConfigured(f"two reminder kinds are named {kind.name!r}: "
                                   f"{_origin(existing)} and {_origin(kind)}")
    REGISTRY[kind.name] = kind
    return kind


def _origin(kind: Reminder) -> str:
    return f"{kind.build.__module__}.{kind.build.__qualname__}"


def reminder(name: str, *, due: Callable[[datetime.datetime, Reminder], QuerySet],
             group: str | None = None, defaults: Mapping[str, Any] | None = None):
    """Declare and register a kind: decorates its `build(batch, now, kind)`."""
    def declare(build: Callable) -> Reminder:
        return register(Reminder(name=name, group=group or build.__module__.split(".")[0],
                                 query=due, build=build, defaults=dict(defaults or {})))
    return declare


def registered(group: str | None = None) -> list[Reminder]:
    """The kinds declared in every app's tasks module (imported here if not yet), in the
    order of INSTALLED_APPS and of declaration."""
    autodiscover_modules("tasks")
    return [kind for kind in REGISTRY.values() if group is None or kind.group == group]


def run_sweeps(group: str | None = None,
               now: datetime.datetime | None = None) -> dict[str, int]:
    """Every kind of the group (all of them without one), each on its own: one that fails
    does not keep the others from running. The rows each created, by name."""
    now = utc(now)
    label = group or "all"
    created, failed = {}, []
    for kind in registered(group):
        try:
            created[kind.name] = kind.run(now)
        except Exception:  # logged here, raised below once the other sweeps have run
            logger.exception("%s sweep %s failed", label, kind.name)
            failed.append(kind.name)
    if any(created.values()):
        logger.info("%s sweeps: %s", label, created)
    if failed:
        raise RuntimeError(f"{label} sweeps failed: {', '.join(failed)}")
    return created
