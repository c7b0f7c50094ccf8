"""Fixed-window counters in Django's cache (Redis in production), shared by every process:
the API's rate limits, failed API keys and failed sign-ins per address.

A rate is "<count>/<period>", the period `s`, `min`, `h` or `day`, optionally with a number
("10/10min"). Counting with cache.add + cache.incr is atomic in Redis, so two workers never
both let the last allowed request through.
"""

import logging
import math
import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy, ngettext
from rest_framework import exceptions

logger = logging.getLogger(__name__)

_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*(s|sec|m|min|h|hour|d|day)\s*$")
_SECONDS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400,
            "day": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """(count, period in seconds) of "30/15min"."""
    match = _RATE.match(rate or "")
    if match is None:
        raise ImproperlyConfigured(
            f"Rate {rate!r} is not '<count>/<period>' (e.g. 60/min, 10/10min, 1000/h).")
    count, multiple, unit = match.groups()
    return int(count), int(multiple or 1) * _SECONDS[unit]


@dataclass(frozen=True)
class Limit:
    """A named limit (a key of settings.RATE_LIMITS) counted per identity (a user, an address)."""

    name: str

    def _window(self) -> tuple[int, int, float]:
        count, period = parse_rate(settings.RATE_LIMITS[self.name])
        now = time.time()
        return count, period, now

    def _key(self, ident: str, period: int, now: float) -> str:
        return f"ratelimit:{self.name}:{period}:{int(now // period)}:{ident}"

    @staticmethod
    def _wait(period: int, now: float) -> int:
        return max(1, math.ceil(period - now % period))

    def hit(self, ident: str) -> int | None:
        """Count one; None while within the limit, else the seconds until the window ends."""
        count, period, now = self._window()
        key = self._key(ident, period, now)
        try:
            cache.add(key, 0, timeout=period + 1)
            try:
                used = cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.add(key, 1, timeout=period + 1)
                used = 1
        except Exception:  # the cache is down: serve rather than fail every request
            logger.warning("Rate limit %s not counted: the cache does not answer", self.name,
                           exc_info=True)
            return None
        return self._wait(period, now) if used > count else None

    def exceeded(self, ident: str) -> int | None:
        """Without counting: None while within the limit, else the seconds to wait."""
        count, period, now = self._window()
        try:
            used = cache.get(self._key(ident, period, now), 0)
        except Exception:
            logger.warning("Rate limit %s not read: the cache does not answer", self.name,
                           exc_info=True)
            return None
        return self._wait(period, now) if used >= count else None


class RateLimited(exceptions.Throttled):
    """429 with Retry-After, in the error envelope; the message in the request's language."""

    default_detail = gettext_lazy("Too many requests.")
    default_code = "throttled"

    def __init__(self, wait: float | None):
        seconds = max(1, math.ceil(wait or 1))
        self.wait = seconds
        exceptions.APIException.__init__(self, ngettext(
            "Too many requests; try again in %(seconds)d second.",
            "Too many requests; try again in %(seconds)d seconds.", seconds,
        ) % {"seconds": seconds}, self.default_code)

    @classmethod
    def of(cls, exc: exceptions.Throttled) -> "RateLimited":
        """DRF's Throttled (from a throttle class) as ours: the same words everywhere."""
        return exc if isinstance(exc, cls) else cls(exc.wait)
