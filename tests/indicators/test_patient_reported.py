"""What patients report, as aggregates: the change in self-reported scores per service level
(from a goal's first self-report to its latest) and the experience survey (the share of
4-5 on "overall", the mean of all statements), per municipality and month; computed by the
nightly run into Figure rows, read as means with small counts suppressed, and found by the
nightly run when a self-report comes in."""

import datetime
from decimal import Decimal

import pytest

from common.sweeps import OSLO
from coordination import services as coordination_services
from coordination.models import ExperienceResponse, SelfReport
from indicators import computations, reading, services
from indicators.areas import areas
from indicators.models import Computation, Figure, Indicator, Unit
from indicators.periods import Period
from tests import factories

from .figures import figure, indicator

pytestmark = pytest.mark.django_db

JANUARY = datetime.date(2024, 1, 1)
MARCH = datetime.date(2024, 3, 1)
APRIL = datetime.date(2024, 4, 1)
LATER = datetime.datetime(2024, 7, 1, 12, tzinfo=OSLO)


def at(month: int, day: int = 10) -> datetime.datetime:
    return datetime.datetime(2024, month, day, 10, tzinfo=OSLO)


def rows(computation, months=(MARCH,), now=LATER, **parameters) -> set[tuple]:
    return {(r.month, r.municipality_number, r.dimension, r.numerator, r.denominator)
            for r in computations.run(computation, months, now=now, parameters=parameters)}


@pytest.fixture
def plan(cast):
    plan = factories.individual_plan(cast, factories.coordinator(cast), cast.shared)
    factories.activate_plan(cast, plan)
    return plan


def goal(cast, plan, text, *levels):
    """A goal with a measure on a service at each of the pyramid levels given."""
    made = coordination_services.add_goal(plan, by=cast.ke_tromso, text=text)
    for level in levels:
        coordination_services.add_measure(plan, by=cast.ke_tromso, goal=made,
                                          service=factories.service(cast.tromso, level))
    return made


def report(cast, plan, goal, month, performance, satisfaction=5, *, sent=None):
    """A self-report for the evaluation in `month`, sent on the 10th of `sent` (default the
    same month)."""
    return SelfReport.objects.create(
        plan=plan, goal=goal, for_evaluation_on=datetime.date(2024, month, 20),
        performance=performance, satisfaction=satisfaction,
        submitted_by=cast.ke_tromso, submitted_at=at(sent or month))


def test_the_change_runs_from_a_goals_first_report_to_its_latest_per_level(cast, plan):
    walk = goal(cast, plan, "Gå til butikken", "2", "4")  # highest: 4
    dress = goal(cast, plan, "Kle på meg selv", "3")
    cook = goal(cast, plan, "Lage middag")  # no service: in the whole only
    once = goal(cast, plan, "Lese avisen", "3")
    later = goal(cast, plan, "Sykle", "3")
    report(cast, plan, walk, 1, 3, 2)
    report(cast, plan, walk, 2, 5, 4)
    report(cast, plan, walk, 3, 7, 8)  # +4, satisfaction +6
    report(cast, plan, dress, 1, 5, 5)
    report(cast, plan, dress, 3, 4, 7)  # -1, +2
    report(cast, plan, cook, 2, 2, 1)
    report(cast, plan, cook, 3, 6, 1)  # +4, 0
    report(cast, plan, once, 3, 9)  # one report: no change yet
    report(cast, plan, later, 1, 2)
    report(cast, plan, later, 4, 3)  # its latest is April's
    assert rows(Computation.SELF_REPORT_CHANGE) == {
        (MARCH, "5501", "", 700, 3),
        (MARCH, "5501", "4", 400, 1),
        (MARCH, "5501", "3", -100, 1),
    }
    assert rows(Computation.SELF_REPORT_CHANGE, score="satisfaction") == {
        (MARCH, "5501", "", 800, 3),
        (MARCH, "5501", "4", 600, 1),
        (MARCH, "5501", "3", 200, 1),
    }
    assert rows(Computation.SELF_REPORT_CHANGE, months=(APRIL,)) == {
        (APRIL, "5501", "", 100, 1), (APRIL, "5501", "3", 100, 1)}
    # The month is the latest report's, sent early for a later evaluation too.
    report(cast, plan, once, 5, 8, sent=3)
    assert (MARCH, "5501", "", 600, 4) in rows(Computation.SELF_REPORT_CHANGE)


def _answers(municipality, month, level, **answers):
    return ExperienceResponse.objects.create(municipality=municipality, month=month,
                                             service_level=level, answers=answers)


@pytest.fixture
def answers(cast):
    _answers(cast.tromso, MARCH, "4", overall=5, heard=3)
    _answers(cast.tromso, MARCH, "2", overall=4)
    _answers(cast.tromso, MARCH, "", overall=2, heard=2, informed=5)
    _answers(cast.tromso, MARCH, "4", heard=4)  # no overall
    _answers(cast.tromso, MARCH, "4", overall=5, heard=3)  # alike: counted twice
    _answers(cast.bodo, MARCH, "3", overall=5)
    _answers(cast.tromso, APRIL, "4", overall=1)


def test_the_experience_share_counts_4_and_5_on_overall(cast, answers):
    assert rows(Computation.EXPERIENCE_SHARE) == {
        (MARCH, "5501", "", 3, 4),
        (MARCH, "5501", "4", 2, 2),
        (MARCH, "5501", "2", 1, 1),
        (MARCH, "1804", "", 1, 1),
        (MARCH, "1804", "3", 1, 1),
    }
    # Another statement, another threshold: "heard" was answered 3, 2, 4, 3 (none by Bodø).
    assert rows(Computation.EXPERIENCE_SHARE, question="heard", at_least=3) == {
        (MARCH, "5501", "", 3, 4), (MARCH, "5501", "4", 3, 3)}
    assert rows(Computation.EXPERIENCE_SHARE, months=(APRIL,)) == {
        (APRIL, "5501", "", 0, 1), (APRIL, "5501", "4", 0, 1)}


def test_the_experience_mean_counts_each_respondent_once(cast, answers):
    # Tromsø, March: 4.00, 4.00, 3.00 ((2+2+5)/3), 4.00, 4.00.
    found = rows(Computation.EXPERIENCE_MEAN)
    assert (MARCH, "5501", "", 1900, 5) in found
    assert (MARCH, "5501", "4", 1200, 3) in found
    assert (MARCH, "5501", "2", 400, 1) in found
    assert rows(Computation.EXPERIENCE_MEAN, question="heard") == {
        (MARCH, "5501", "", 1200, 4), (MARCH, "5501", "4", 1000, 3)}
    # A respondent's own mean of three answers stays whole in hundredths.
    _answers(cast.bodo, APRIL, "", overall=5, heard=4, informed=4)  # 4.33
    assert (APRIL, "1804", "", 433, 1) in rows(Computation.EXPERIENCE_MEAN, months=(APRIL,))


def test_it_refuses_unknown_parameters():
    errors = computations.parameter_errors
    assert errors(Computation.SELF_REPORT_CHANGE, {"score": "performance"}) == []
    assert errors(Computation.SELF_REPORT_CHANGE, {"score": "pain"})
    assert errors(Computation.EXPERIENCE_SHARE, {"question": "overall", "at_least": 4}) == []
    assert errors(Computation.EXPERIENCE_SHARE, {"question": ""})
    assert errors(Computation.EXPERIENCE_SHARE, {"question": "overall", "at_least": 6})
    assert errors(Computation.EXPERIENCE_SHARE, {"at_least": True})
    assert errors(Computation.EXPERIENCE_MEAN, {"question": ""}) == []
    assert errors(Computation.EXPERIENCE_MEAN, {"question": "mood"})


def test_the_catalogue_has_the_patient_reported_entries():
    entries = {i.code: i for i in Indicator.objects.filter(computation__in=[
        Computation.SELF_REPORT_CHANGE, Computation.EXPERIENCE_SHARE,
        Computation.EXPERIENCE_MEAN])}
    assert set(entries) == {"self-report-performance-change",
                            "self-report-satisfaction-change", "experience-overall",
                            "experience-mean"}
    for entry in entries.values():
        entry.full_clean()  # its parameters are valid
        assert entry.name and entry.name_en and entry.definition and entry.caveats
    assert entries["self-report-performance-change"].unit == Unit.POINTS_CHANGE
    assert entries["experience-overall"].unit == Unit.SHARE
    assert entries["experience-mean"].unit == Unit.POINTS


def test_a_mean_is_read_with_its_sign_and_suppressed_when_small(cast):
    change = indicator(Unit.POINTS_CHANGE, computation=Computation.SELF_REPORT_CHANGE)
    mean = indicator(Unit.POINTS, computation=Computation.EXPERIENCE_MEAN)
    figure(change, "2024-03", "5501", 700, 3)
    figure(change, "2024-04", "5501", 450, 3)
    figure(change, "2024-03", "1804", -250, 5)
    figure(mean, "2024-03", "5501", 1900, 5)
    found = areas()
    tromso, bodo = found.get("municipality", "5501"), found.get("municipality", "1804")
    q2 = reading.table([change, mean], Period.parse("2024"), [tromso, bodo], within=found)
    cell = q2[(change.code, "municipality", "5501")]
    assert (cell.value, cell.count, cell.display) == (Decimal("1.9"), 6, "+1,9")
    assert q2[(change.code, "municipality", "1804")].display == "-0,5"
    assert q2[(mean.code, "municipality", "5501")].display == "3,8"
    march = reading.table([change], Period.parse("2024-03"), [tromso, bodo], within=found)
    small = march[(change.code, "municipality", "5501")]
    assert small.suppressed and small.display == "<5" and small.numerator is None


def test_the_nightly_run_writes_them_and_finds_a_new_self_report(cast, plan):
    walk = goal(cast, plan, "Gå til butikken", "4")
    report(cast, plan, walk, 1, 3)
    report(cast, plan, walk, 3, 6)
    # The catalogue as it stood before the runs (a changed entry is recomputed in full).
    Indicator.objects.update(updated_at=at(1, 1))
    services.compute(full=True, now=LATER)
    code = Indicator.objects.get(code="self-report-performance-change")

    def figures():
        return set(Figure.objects.filter(indicator=code).values_list(
            "month", "dimension", "numerator", "denominator"))

    assert figures() == {(MARCH, "", 300, 1), (MARCH, "4", 300, 1)}
    # A report sent in July for the June evaluation moves the goal's change to July; the
    # next (incremental) run finds March as well, and takes the goal out of it.
    july = datetime.date(2024, 7, 1)
    SelfReport.objects.create(plan=plan, goal=walk, for_evaluation_on=datetime.date(2024, 6, 20),
                              performance=9, satisfaction=5, submitted_by=cast.ke_tromso,
                              submitted_at=LATER + datetime.timedelta(hours=2))
    run = services.compute(now=LATER + datetime.timedelta(days=1))
    assert not run.full
    assert figures() == {(july, "", 600, 1), (july, "4", 600, 1)}
    # The experience answers of the month come in with it.
    _answers(cast.tromso, july, "4", overall=5)
    services.compute(now=LATER + datetime.timedelta(days=2))
    overall = Indicator.objects.get(code="experience-overall")
    assert set(Figure.objects.filter(indicator=overall).values_list(
        "month", "dimension", "numerator", "denominator")) == {
        (july, "", 1, 1), (july, "4", 1, 1)}
