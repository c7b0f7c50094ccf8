"""Reference data that many pages read and that changes once a year or never: the pyramid
levels and the daily rates. Each process keeps it in memory, as Django keeps content types
and sites, so a page does not ask the database for it every time.

A save or delete through the ORM in this process forgets the copy at once; other processes
(web instances, workers) load a change within REFERENCE_DATA_TTL seconds. A queryset
`update()` sends no signal and is picked up by the same timeout. The values are shared
between threads: treat them as read-only.
"""

import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.db.models.signals import post_delete, post_save

_all: list["Reference"] = []


class Reference:
    """The value `load()` returns, kept for REFERENCE_DATA_TTL seconds and forgotten when a
    row of one of `models` is saved or deleted."""

    def __init__(self, load: Callable[[], object], *models: str):
        self._load = load
        self._value: tuple[float, object] | None = None
        self._lock = threading.Lock()
        for model in models:  # "app_label.ModelName": a lazy sender, no import here
            post_save.connect(self.forget, sender=model, weak=False)
            post_delete.connect(self.forget, sender=model, weak=False)
        _all.append(self)

    def get(self):
        kept = self._value
        if kept is not None and kept[0] > time.monotonic():
            return kept[1]
        with self._lock:
            value = self._load()
            self._value = (time.monotonic() + settings.REFERENCE_DATA_TTL, value)
        return value

    def forget(self, **_signal):
        self._value = None


def forget_all() -> None:
    """Forget every copy; the tests call it after each test, whose rows are rolled back
    without a signal."""
    for reference in _all:
        reference.forget()


def _levels() -> tuple:
    from .models import ServiceLevel

    return tuple(ServiceLevel.objects.order_by("sort_order"))


_LEVELS = Reference(_levels, "registry.ServiceLevel")


def levels() -> tuple:
    """The pyramid levels from the bottom (1) to the top (5.3)."""
    return _LEVELS.get()
