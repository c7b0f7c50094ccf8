"""Reference data kept in process memory: read once, forgotten on a save, re-read after the
timeout (what another web instance sees after a change in the admin)."""

from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from pathways.billing import daily_rates
from pathways.models import DailyRate
from registry import reference
from registry.models import ServiceLevel


def queries(read):
    with CaptureQueriesContext(connection) as captured:
        value = read()
    return value, len(captured)


def test_the_levels_are_read_once_in_pyramid_order(db):
    levels, first = queries(reference.levels)
    assert [level.code for level in levels] == ["1", "2", "3", "4", "5.1", "5.2", "5.3"]
    assert first == 1
    assert queries(reference.levels) == (levels, 0)


def test_a_level_renamed_in_this_process_is_seen_at_once(db):
    reference.levels()
    level = ServiceLevel.objects.get(code="3")
    level.name = "Kommunal rehabilitering, nytt navn"
    level.save()
    assert next(lv.name for lv in reference.levels() if lv.code == "3") == level.name


def test_a_daily_rate_saved_or_deleted_in_this_process_is_seen_at_once(db):
    DailyRate.objects.update_or_create(year=2040, defaults={"amount": Decimal(9999)})
    assert daily_rates()[2040] == Decimal(9999)
    DailyRate.objects.filter(year=2040).delete()
    assert 2040 not in daily_rates()


def test_a_change_made_elsewhere_is_seen_after_the_timeout(db, settings, monkeypatch):
    settings.REFERENCE_DATA_TTL = 300
    daily_rates()
    DailyRate.objects.bulk_create([DailyRate(year=2041, amount=Decimal(1234))])  # no signal
    assert 2041 not in daily_rates()  # the kept copy, as another process would have it
    later = reference.time.monotonic() + 301
    monkeypatch.setattr(reference.time, "monotonic", lambda: later)
    assert daily_rates()[2041] == Decimal(1234)
