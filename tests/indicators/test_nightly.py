"""The nightly computation: every month the first time, then only what changed; twice changes
nothing; a failed run is redone by the next; the queries do not grow with the rows."""

import datetime
import json
from io import StringIO

import pytest
from celery.schedules import crontab
from django.core.management import call_command
from django.utils import timezone

from common.sweeps import OSLO, local_date
from indicators import computations, services, tasks
from indicators.computations import as_month
from indicators.models import (
    Computation,
    ComputationRun,
    Figure,
    Indicator,
    MunicipalityNumberChange,
    NumberChangeKind,
)
from pathways.models import (
    Admission,
    AdmissionStatus,
    DailyRate,
    EarlyNotification,
    NoticeState,
)
from tests import factories

pytestmark = pytest.mark.django_db

HOURS = datetime.timedelta(hours=1)
DAYS = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def _no_settle(settings):
    """Changes made by a test a moment after a run are after its watermark."""
    settings.API_SYNC_SETTLE_SECONDS = 0


def months_back(n: int) -> datetime.date:
    month = as_month(timezone.now())
    for _ in range(n):
        month = (month - datetime.timedelta(days=1)).replace(day=1)
    return month


def moment(month: datetime.date, day: int, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(month.replace(day=day), datetime.time(hour), tzinfo=OSLO)


_patients = iter(range(10_000))


def stay(cast, admitted_at, *, municipality=None, sent_after=HOURS, **fields) -> Admission:
    """A discharged stay with its first notice (acknowledged an hour later)."""
    municipality = municipality or cast.tromso
    patient = factories.patient(cast.ke_tromso, "Test", f"Natt{next(_patients)}",
                                municipality=municipality)
    admission = Admission.objects.create(
        patient=patient, hospital=cast.unn, ward=factories.ward(cast.unn),
        admitted_at=admitted_at, municipality=municipality,
        notification_deadline=admitted_at + 24 * HOURS,
        first_notification_sent_at=admitted_at + sent_after if sent_after else None,
        discharged_at=admitted_at + 3 * DAYS, status=AdmissionStatus.DISCHARGED,
        needs_interdisciplinary_follow_up=True, **fields)
    if sent_after:
        EarlyNotification.objects.create(
            admission=admission, municipality=municipality, state=NoticeState.SENT,
            sent_at=admission.first_notification_sent_at,
            acknowledged_at=admission.first_notification_sent_at + HOURS)
    return admission


def backdate():
    """The rows are old history: written two days ago, as they would be by a night's run."""
    then = timezone.now() - 2 * DAYS
    for model in (Admission, EarlyNotification):
        model.objects.update(updated_at=then)


def figures() -> set[tuple]:
    return {(*row[:-1], json.dumps(row[-1], sort_keys=True)) for row in Figure.objects.values_list(
        "pk", "indicator__code", "month", "municipality_number", "hospital_id", "dimension",
        "numerator", "denominator", "computed_at", "histogram")}


def values(code: str) -> dict[datetime.date, tuple]:
    return {f.month: (f.numerator, f.denominator) for f in Figure.objects.filter(
        indicator__code=code, dimension="", municipality_number="5501")}


@pytest.fixture
def recorded(monkeypatch):
    """The months each computation was asked for, by indicator code."""
    asked: dict[str, set] = {}
    real = computations.run

    def run(computation, months, **kwargs):
        codes = [i.code for i in Indicator.objects.filter(computation=computation)]
        for code in codes:
            asked.setdefault(code, set()).update(months)
        return real(computation, months, **kwargs)

    monkeypatch.setattr(computations, "run", run)
    return asked


def test_the_catalogue_has_an_entry_for_every_figure_the_issue_asks_for():
    codes = set(Indicator.objects.values_list("code", flat=True))
    assert codes >= {
        "notice-on-time", "notice-hours", "notice-acknowledged", "ready-days", "ready-cost",
        "meeting-before-discharge", "plan-share", "plan-coordinator",
        "request-days-to-decision", "request-days-to-coordinator", "waiting-days",
        "level-share-1-3", "level-share-4", "level-share-5", "specialised-rehabilitation",
        "coordinators", "coordinators-trained", "child-coordinators"}
    for indicator in Indicator.objects.all():
        indicator.full_clean()
        assert indicator.name_en and indicator.definition_en and indicator.source, indicator
    midt = Indicator.objects.get(code="specialised-rehabilitation")
    assert "12" in midt.target_text and "8,9" in midt.target_text
    assert Indicator.objects.get(code="level-share-5").parameters == {
        "levels": ["5.1", "5.2", "5.3"]}


def test_the_first_run_computes_every_month_with_data(cast):
    stay(cast, moment(months_back(4), 10))
    stay(cast, moment(months_back(2), 10), sent_after=30 * HOURS)
    run = services.compute()
    assert run.full and run.error == "" and run.watermark is not None
    assert run.months == 5 and run.rows == Figure.objects.count() > 0
    assert values("notice-on-time") == {months_back(4): (1, 1), months_back(2): (0, 1)}
    assert values("meeting-before-discharge") == {months_back(4): (0, 1),
                                                  months_back(2): (0, 1)}


def test_running_twice_changes_nothing(cast):
    stay(cast, moment(months_back(3), 5))
    stay(cast, moment(months_back(1), 5), sent_after=40 * HOURS)
    services.compute()
    before = figures()
    assert before
    second = services.compute()
    assert figures() == before and second.rows == 0
    assert services.compute(full=True).rows == 0
    assert figures() == before


def test_a_second_run_recomputes_only_the_months_that_changed(cast, recorded):
    stay(cast, moment(months_back(5), 10))
    late = stay(cast, moment(months_back(3), 10), sent_after=None)
    stay(cast, moment(months_back(2), 10))
    backdate()
    services.compute()
    assert values("notice-on-time")[months_back(3)] == (0, 1)
    recorded.clear()
    # The notice the ward forgot is sent (late) today.
    late.first_notification_sent_at = timezone.now()
    late.save()
    run = services.compute()
    assert not run.full and run.months == 2
    assert recorded["notice-on-time"] == {months_back(3), months_back(0)}
    assert recorded["coordinators"] == {months_back(0)}
    assert values("notice-on-time")[months_back(3)] == (0, 1)
    assert values("notice-hours")[months_back(3)][1] == 1


def test_a_notice_written_recently_but_sent_long_ago_leaves_its_month_alone(cast, recorded):
    """Rows written in bulk a few hours before the night (an import, a migration) are not
    a reason to recompute the months their notices were sent in: only a notice sent within
    the time to acknowledge may have changed its month since the last run."""
    stay(cast, moment(months_back(5), 10))
    services.compute()
    recorded.clear()
    # Written an hour before the last run's watermark, within the 8 hours to acknowledge.
    EarlyNotification.objects.update(updated_at=services.last_watermark() - HOURS)
    run = services.compute()
    assert recorded["notice-acknowledged"] == {months_back(0)}
    assert run.months == 1


def test_a_failed_run_is_redone_by_the_next(cast, monkeypatch):
    admission = stay(cast, moment(months_back(2), 10), sent_after=30 * HOURS)
    backdate()
    good = services.compute()
    admission.first_notification_sent_at = admission.admitted_at + HOURS
    admission.save()

    def broken(ctx):
        raise RuntimeError("the database went away")

    monkeypatch.setitem(computations.COMPUTATIONS, Computation.NOTICE_ON_TIME, broken)
    with pytest.raises(RuntimeError):
        services.compute()
    failed = ComputationRun.objects.order_by("-pk").first()
    assert failed.error == "RuntimeError: the database went away"
    assert failed.watermark is None and failed.finished_at is not None
    assert services.last_watermark() == good.watermark
    assert values("notice-on-time")[months_back(2)] == (0, 1)

    monkeypatch.undo()
    services.compute()
    assert values("notice-on-time")[months_back(2)] == (1, 1)


def test_a_changed_catalogue_entry_is_recomputed_in_full(cast, recorded):
    stay(cast, moment(months_back(6), 3))
    stay(cast, moment(months_back(1), 3))
    backdate()
    services.compute()
    recorded.clear()
    entry = Indicator.objects.get(code="notice-acknowledged")
    entry.parameters = {"hours": 24}
    entry.full_clean()
    entry.save()
    services.compute()
    assert recorded["notice-acknowledged"] == set(computations.months_from(
        months_back(6), months_back(0)))
    assert recorded["notice-on-time"] == {months_back(0)}


def test_a_daily_rate_saved_recomputes_the_cost_in_full(cast, recorded):
    stay(cast, moment(months_back(7), 3))
    backdate()
    services.compute()
    recorded.clear()
    rate = DailyRate.objects.get(year=2024)
    rate.source = "Helsedirektoratet"
    rate.save()
    services.compute()
    assert recorded["ready-cost"] == set(computations.months_from(months_back(7),
                                                                  months_back(0)))
    assert recorded["ready-days"] == {months_back(0)}


def test_todays_figures_leave_the_watermark_to_the_night(cast):
    stay(cast, moment(months_back(2), 3))
    backdate()
    night = services.compute()
    today = tasks.compute_current_month()
    run = ComputationRun.objects.get(pk=today)
    assert run.watermark is None and run.months == 1 and run.error == ""
    assert services.last_watermark() == night.watermark


def test_a_merger_that_comes_in_later_moves_every_figure_to_the_new_number(cast):
    old = factories.organization(name="Tysfjord", municipality_number="1850")
    stay(cast, moment(months_back(2), 3), municipality=old)
    backdate()
    services.compute()
    assert Figure.objects.filter(municipality_number="1850").exists()
    MunicipalityNumberChange.objects.create(from_number="1850", to_number="1806", year=2020,
                                            kind=NumberChangeKind.MERGED, source="SSB")
    run = services.compute()
    assert run.full
    assert not Figure.objects.filter(municipality_number="1850").exists()
    assert Figure.objects.filter(municipality_number="1806", indicator__code="notice-on-time",
                                 month=months_back(2)).get().numerator == 1


# Queries of a full run, whatever the number of admissions: the run's row (insert, update),
# the catalogue, the municipalities and the history of their numbers (2), the last
# watermark, the first month with data (4): 10. The computations' grouped queries: 1 per
# entry, 2 for the pyramid (placements, measures; read once for the three shares) and for
# the ready-for-discharge days (declarations and answers, streamed once for the days and
# their cost), 1 for the daily rates: 21 for the 21 entries. The write of each entry in one
# transaction: savepoint, lock, the months' rows, delete, insert, release (6).
BUDGET = 10 + 21 + 21 * 6


@pytest.mark.parametrize("admissions", [5, 50])
def test_the_queries_do_not_grow_with_the_admissions(cast, admissions,
                                                     django_assert_max_num_queries):
    for i in range(admissions):
        stay(cast, moment(months_back(1 + i % 3), 1 + i % 25, i % 20),
             sent_after=(1 + i % 40) * HOURS)
    with django_assert_max_num_queries(BUDGET):
        services.compute(full=True)
    assert Figure.objects.filter(indicator__code="notice-hours").count() == 3


def test_the_nightly_task_is_scheduled_at_half_past_two_and_expires(settings):
    entries = {entry["task"]: entry for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    nightly = entries["indicators.tasks.compute_indicators"]
    assert nightly["schedule"] == crontab(hour=2, minute=30)
    assert settings.CELERY_TIMEZONE == "Europe/Oslo"
    assert 0 < nightly["options"]["expires"] < 24 * 3600
    current = entries["indicators.tasks.compute_current_month"]
    assert current["schedule"] == 900 and 0 < current["options"]["expires"] < 900
    assert tasks.compute_indicators.autoretry_for and tasks.compute_current_month.expires


def test_the_command_computes_and_says_what_it_did(cast):
    stay(cast, moment(months_back(1), 3))
    out = StringIO()
    call_command("compute_indicators", "--full", stdout=out)
    assert "every month" in out.getvalue()
    assert ComputationRun.objects.get().full
    call_command("compute_indicators", stdout=out)
    assert "changed months" in out.getvalue()


def test_the_task_runs_the_night_and_returns_its_run(cast):
    stay(cast, moment(months_back(1), 3))
    run = ComputationRun.objects.get(pk=tasks.compute_indicators())
    assert run.watermark is not None
    assert local_date(run.started_at) == local_date(timezone.now())
    assert Figure.objects.filter(indicator__code="notice-on-time").exists()


def test_the_night_forgets_runs_older_than_three_months_but_the_last_good_one(cast):
    long_ago = timezone.now() - 100 * DAYS
    good = ComputationRun.objects.create(started_at=long_ago, watermark=long_ago)
    ComputationRun.objects.create(started_at=long_ago + HOURS)                # today's
    ComputationRun.objects.create(started_at=long_ago + 2 * HOURS, error="Boom")
    recent = ComputationRun.objects.create(started_at=timezone.now() - 80 * DAYS)
    services.forget_old_runs(timezone.now())
    assert set(ComputationRun.objects.values_list("pk", flat=True)) == {good.pk, recent.pk}
    tonight = ComputationRun.objects.get(pk=tasks.compute_indicators())
    assert set(ComputationRun.objects.values_list("pk", flat=True)) == {recent.pk, tonight.pk}
