import datetime
from zoneinfo import ZoneInfo

import pytest

from common import sweeps
from coordination import services, tasks
from coordination.models import RequestKind
from registry.models import Notification

from .conftest import activate, make_plan, submit

OSLO = ZoneInfo("Europe/Oslo")


def oslo(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=OSLO)


def kinds(user) -> list[str]:
    return sorted(Notification.objects.filter(recipient=user, kind__startswith="coordination.")
                  .exclude(kind__in=["coordination.coordinator_assigned",
                                     "coordination.request_received"])
                  .values_list("kind", flat=True))


@pytest.fixture
def due_plan(cast, kora):
    """An active plan whose evaluation is due on Sunday 30 March 2025, the day the clocks
    go forward in Norway."""
    plan = activate(cast, make_plan(cast, kora))
    return services.update_plan(plan, by=cast.coordinator, expected_version=plan.version,
                                next_evaluation_on=datetime.date(2025, 3, 30))


def test_it_reminds_the_coordinator_before_on_and_after_the_evaluation_date_once_each(
        cast, due_plan):
    assert tasks.remind_evaluations(oslo(2025, 3, 15, 12)) == 0  # 15 days before
    for moment in (oslo(2025, 3, 16, 8), oslo(2025, 3, 20, 8)):  # within 14 days, twice
        tasks.remind_evaluations(moment)
    assert kinds(cast.coordinator) == ["coordination.evaluation_soon"]
    assert tasks.remind_evaluations(oslo(2025, 3, 30, 9)) == 1
    assert tasks.remind_evaluations(oslo(2025, 3, 30, 9)) == 0
    tasks.remind_evaluations(oslo(2025, 4, 1, 9))
    tasks.remind_evaluations(oslo(2025, 4, 2, 9))
    assert kinds(cast.coordinator) == ["coordination.evaluation_due",
                                       "coordination.evaluation_overdue",
                                       "coordination.evaluation_soon"]
    assert kinds(cast.ke_tromso) == []
    reminder = Notification.objects.get(kind="coordination.evaluation_due")
    assert reminder.patient_uuid == cast.tromso_only.uuid
    assert "Tindvik" not in reminder.title + reminder.body


def test_it_knows_the_evaluation_day_by_the_clocks_in_norway(cast, due_plan):
    # 00:30 on Sunday in Oslo, before the clocks go forward at 02:00: still Saturday in UTC.
    moment = oslo(2025, 3, 30, 0, 30)
    assert moment.astimezone(datetime.UTC).date() == datetime.date(2025, 3, 29)
    tasks.remind_evaluations(moment)
    assert kinds(cast.coordinator) == ["coordination.evaluation_due"]
    # 23:30 on Sunday, summer time now (21:30 UTC): the same day, nothing new.
    assert tasks.remind_evaluations(oslo(2025, 3, 30, 23, 30)) == 0
    # 00:30 on Monday (22:30 UTC on Sunday): overdue.
    tasks.remind_evaluations(oslo(2025, 3, 31, 0, 30))
    assert kinds(cast.coordinator) == ["coordination.evaluation_due",
                                       "coordination.evaluation_overdue"]


def test_it_reminds_again_for_a_new_evaluation_date(cast, due_plan):
    tasks.remind_evaluations(oslo(2025, 3, 30, 9))
    services.update_plan(due_plan, by=cast.coordinator, expected_version=due_plan.version,
                         next_evaluation_on=datetime.date(2025, 10, 26))  # autumn change
    tasks.remind_evaluations(oslo(2025, 10, 26, 0, 30))  # 22:30 UTC on Saturday
    tasks.remind_evaluations(oslo(2025, 10, 26, 23, 30))
    assert kinds(cast.coordinator) == ["coordination.evaluation_due",
                                       "coordination.evaluation_due"]


def test_it_tells_the_ke_when_the_plan_has_no_active_coordinator(cast, kora, due_plan):
    services.update_coordinator_profile(kora, by=cast.ke_tromso, active=False)
    tasks.remind_evaluations(oslo(2025, 3, 30, 9))
    assert kinds(cast.ke_tromso) == ["coordination.evaluation_due"]
    assert kinds(cast.coordinator) == []


def test_it_alerts_the_ke_once_about_a_request_waiting_too_long(cast):
    # Received late on a Sunday. Two weeks later, at 00:10 on the Sunday of the spring
    # change, it has waited 14 calendar days in Oslo: 13 days and 40 minutes of elapsed time,
    # and only 13 days by the UTC calendar.
    request = submit(cast, received_at=oslo(2025, 3, 16, 23, 30))
    submit(cast, kind=RequestKind.COORDINATOR, received_at=oslo(2025, 3, 20, 9))  # too new
    assert tasks.remind_waiting_requests(oslo(2025, 3, 29, 23, 59)) == 0
    at = oslo(2025, 3, 30, 0, 10)
    at_utc, received_utc = at.astimezone(datetime.UTC), request.received_at.astimezone(
        datetime.UTC)
    assert at_utc - received_utc < datetime.timedelta(days=14)
    assert (at_utc.date() - received_utc.date()).days == 13
    assert tasks.remind_waiting_requests(at) == 1
    assert tasks.remind_waiting_requests(at) == 0
    assert tasks.remind_waiting_requests(oslo(2025, 3, 31, 9)) == 0
    alert = Notification.objects.get(kind="coordination.request_waiting")
    assert alert.recipient == cast.ke_tromso and alert.subject_uuid == request.uuid
    assert "14" in alert.title


def test_it_does_not_alert_about_a_decided_request(cast):
    request = submit(cast, received_at=oslo(2025, 3, 1, 9))
    services.decline_request(request, by=cast.ke_tromso, reason="Nei", coordinator_offered=True)
    assert tasks.remind_waiting_requests(oslo(2025, 4, 1, 9)) == 0


def test_it_alerts_the_ke_about_a_full_coordinator_once_a_day_in_oslo(cast, kora):
    services.update_coordinator_profile(kora, by=cast.ke_tromso, capacity=1)
    make_plan(cast, kora)
    assert tasks.alert_over_capacity(oslo(2025, 3, 29, 12)) == 0  # full, not over
    request = submit(cast, patient=cast.shared)
    services.accept_request(request, by=cast.ke_tromso, coordinator=kora,
                            allow_over_capacity=True)
    assert tasks.alert_over_capacity(oslo(2025, 3, 29, 12)) == 1
    assert tasks.alert_over_capacity(oslo(2025, 3, 29, 23, 55)) == 0
    # Five minutes past midnight in Oslo is a new day (still the 29th in UTC).
    assert tasks.alert_over_capacity(oslo(2025, 3, 30, 0, 5)) == 1
    assert kinds(cast.ke_tromso) == ["coordination.over_capacity"] * 2
    assert kinds(cast.ke_bodo) == []


def test_it_runs_every_sweep_and_a_rerun_sends_nothing(cast, due_plan):
    submit(cast, patient=cast.shared, received_at=oslo(2025, 3, 1, 9))
    first = sweeps.run_sweeps("coordination", oslo(2025, 3, 30, 9))
    assert first == {"evaluations": 1, "requests_waiting": 1, "over_capacity": 0}
    assert sweeps.run_sweeps("coordination", oslo(2025, 3, 30, 9)) == {
        "evaluations": 0, "requests_waiting": 0, "over_capacity": 0}
