"""A new reminder kind is its query, its message, a settings line and a test (common.sweeps).

The kind below is declared here, as an app declares one in its tasks.py: the beat task of
its group runs it with the others, its dedupe key makes it once per subject however often
that runs, its period comes from settings.REMINDERS and its link from reverse().
"""

import datetime

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db.models import F
from django.urls import resolve, reverse

from common import sweeps
from pathways.models import Admission
from pathways.models.admissions import OPEN_STATUSES
from registry.models import Notification
from registry.notifications import Directory, Message, Outgoing
from tests import factories

HOUR = datetime.timedelta(hours=1)
MINUTE = datetime.timedelta(minutes=1)
ADMITTED_AT = datetime.datetime(2026, 5, 4, 8, 0, tzinfo=datetime.UTC)


@pytest.fixture
def registry(monkeypatch):
    """The apps' kinds, and what a test declares for as long as it runs."""
    sweeps.registered()  # every app's tasks module imported: their kinds are in
    monkeypatch.setattr(sweeps, "REGISTRY", dict(sweeps.REGISTRY))
    return sweeps.REGISTRY


@pytest.fixture
def discharge_date_missing(registry, settings):
    """Open stays with no estimated discharge date AFTER_HOURS after admission: remind the
    ward's planners (the new kind: query, message, settings line)."""
    settings.REMINDERS = {**settings.REMINDERS, "discharge_date_missing": {"AFTER_HOURS": 48}}

    def due(now: datetime.datetime, kind: sweeps.Reminder):
        admitted_before = now - kind.hours("AFTER_HOURS")
        return (Admission.objects.filter(
            status__in=OPEN_STATUSES, estimated_discharge_date__isnull=True,
            admitted_at__lte=admitted_before,
            admitted_at__gt=admitted_before - sweeps.CATCH_UP)
            .select_related("hospital").annotate(patient_uuid=F("patient__uuid"))
            .order_by("admitted_at"))

    @sweeps.reminder("discharge_date_missing", due=due, group="pathways")
    def remind_discharge_date_missing(batch, now, kind) -> list[Outgoing]:
        directory = Directory({a.hospital_id for a in batch})
        return [Outgoing(directory.planners(a.hospital_id, a.ward), Message(
            kind="admission.discharge_date_missing",
            title="Estimated discharge date missing",
            body=f"Admitted {sweeps.when(a.admitted_at)} to {a.ward}, {a.hospital.name}.",
            url=reverse("pathways:patient_pathway", args=[a.patient_uuid]),
            subject_type="admission", subject_uuid=a.uuid, patient_uuid=a.patient_uuid,
        ), f"sweep:discharge-date-missing:{a.uuid}") for a in batch]

    return remind_discharge_date_missing


def admit(cast, **fields) -> Admission:
    """The shared patient's stay, admitted at ADMITTED_AT with its notice sent an hour on."""
    return factories.admission_row(cast, ADMITTED_AT, cast.shared,
                                   first_notification_sent_at=ADMITTED_AT + HOUR, **fields)


def test_a_kind_declared_with_its_query_message_and_settings_runs_with_its_group_once(
        cast, discharge_date_missing):
    admission = admit(cast)
    due_at = ADMITTED_AT + 48 * HOUR

    created = sweeps.run_sweeps("pathways", due_at - MINUTE)
    assert created["discharge_date_missing"] == 0
    assert "early_notification_missing" in created  # the app's kinds run beside it

    assert sweeps.run_sweeps("pathways", due_at)["discharge_date_missing"] == 1
    assert sweeps.run_sweeps("pathways", due_at)["discharge_date_missing"] == 0
    assert discharge_date_missing(due_at + HOUR) == 0  # a second worker, later: claimed

    reminder = Notification.objects.get(kind="admission.discharge_date_missing")
    assert (reminder.recipient, reminder.channel) == (cast.planner, "in_app")
    assert (reminder.subject_uuid, reminder.patient_uuid) == (admission.uuid, cast.shared.uuid)
    assert reminder.url == f"/patients/{cast.shared.uuid}/pathway/"
    assert resolve(reminder.url).view_name == "pathways:patient_pathway"
    assert "04.05.2026 10:00" in reminder.body  # Oslo time in the text
    assert cast.shared.family_name not in reminder.title + reminder.body


def test_its_period_is_the_settings_line(cast, discharge_date_missing, settings):
    admit(cast)
    settings.REMINDERS = {**settings.REMINDERS, "discharge_date_missing": {"AFTER_HOURS": 72}}
    assert discharge_date_missing(ADMITTED_AT + 48 * HOUR) == 0
    assert discharge_date_missing(ADMITTED_AT + 72 * HOUR) == 1


def test_a_stay_with_a_discharge_date_or_closed_reminds_nobody(cast, discharge_date_missing):
    admit(cast, estimated_discharge_date=datetime.date(2026, 5, 10))
    assert sweeps.run_sweeps("pathways", ADMITTED_AT + 49 * HOUR)["discharge_date_missing"] == 0


def test_a_period_comes_from_the_settings_line_over_the_declarations_default(registry,
                                                                          settings):
    kind = sweeps.Reminder("example", "tests", query=None, build=None,
                           defaults={"AFTER_DAYS": 3, "BEFORE_DAYS": 2})
    settings.REMINDERS = {"example": {"AFTER_DAYS": 5}}
    assert (kind.days("AFTER_DAYS"), kind.days("BEFORE_DAYS")) == (
        datetime.timedelta(days=5), datetime.timedelta(days=2))
    with pytest.raises(ImproperlyConfigured, match=r"REMINDERS\['example'\]\['EVERY_HOURS'\]"):
        kind.hours("EVERY_HOURS")


def test_two_kinds_cannot_share_a_name(registry):
    with pytest.raises(ImproperlyConfigured, match="two reminder kinds are named 'follow_up'"):
        @sweeps.reminder("follow_up", due=lambda now, kind: Admission.objects.none())
        def another_follow_up(batch, now, kind):
            return []


def test_every_kind_of_the_apps_has_its_settings_line(db, registry, settings):
    """A kind whose periods are not all in settings.REMINDERS (nor defaulted) would fail at
    its first run: every declared kind has its line, and no line names a kind nobody
    declared (a misspelt name would be ignored silently)."""
    names = {kind.name for kind in sweeps.registered()}
    assert names == set(settings.REMINDERS)
    now = ADMITTED_AT
    for kind in sweeps.registered():
        str(kind.due(now).query)  # reads every setting its query needs
