"""Working days as the patient rights act counts them: weekdays that are no Norwegian public
holiday (python-holidays), Easter's moving feasts and 17 May included."""

import datetime

import pytest

from referrals.workdays import add_working_days, is_working_day, working_days_between

D = datetime.date


@pytest.mark.parametrize("day, working", [
    (D(2027, 3, 24), True),    # Wednesday before Easter
    (D(2027, 3, 25), False),   # Maundy Thursday (skjærtorsdag)
    (D(2027, 3, 26), False),   # Good Friday (langfredag)
    (D(2027, 3, 27), False),   # Saturday
    (D(2027, 3, 29), False),   # Easter Monday (2. påskedag)
    (D(2027, 3, 30), True),
    (D(2027, 5, 6), False),    # Ascension Day (Kristi himmelfartsdag)
    (D(2027, 5, 17), False),   # Constitution Day, and Whit Monday in 2027
    (D(2027, 5, 18), True),
    (D(2026, 5, 1), False),    # Labour Day on a Friday
    (D(2026, 5, 17), False),   # a Sunday anyway
    (D(2026, 5, 18), True),    # Monday after: 17 May is not moved
])
def test_a_working_day_is_a_weekday_that_is_no_public_holiday(day, working):
    assert is_working_day(day) is working


def test_ten_working_days_from_the_wednesday_before_easter_2027():
    # Received Wednesday 24 March: Thursday, Friday and Monday are holidays, so the tenth
    # working day is Monday 12 April, not Wednesday 7 April.
    assert add_working_days(D(2027, 3, 24), 10) == D(2027, 4, 12)


def test_ten_working_days_across_ascension_and_17_may_2027():
    # Received Friday 30 April: 3, 4, 5, 7, 10, 11, 12, 13, 14, 18 May (1 May a Saturday,
    # 6 May Ascension, 17 May Constitution Day and Whit Monday).
    assert add_working_days(D(2027, 4, 30), 10) == D(2027, 5, 18)


def test_the_day_of_receipt_does_not_count_and_weekends_are_skipped():
    assert add_working_days(D(2026, 12, 4), 1) == D(2026, 12, 7)  # Friday → Monday
    assert add_working_days(D(2026, 12, 23), 2) == D(2026, 12, 28)  # 24th is a weekday, 25/26 not
    assert add_working_days(D(2026, 12, 7), 0) == D(2026, 12, 7)


def test_working_days_between_counts_both_ways():
    assert working_days_between(D(2027, 3, 24), D(2027, 4, 12)) == 10
    assert working_days_between(D(2027, 4, 12), D(2027, 3, 24)) == -10
    assert working_days_between(D(2027, 5, 14), D(2027, 5, 17)) == 0
