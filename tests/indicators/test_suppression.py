"""Suppression of small counts: 1-4 shows as "<5" and keeps nothing that reveals it; within
one column of sibling areas a lone suppressed cell takes the smallest other non-zero one
with it, so the parent total minus the others reveals nothing; the reader's own municipality
is never suppressed for them."""

from decimal import Decimal

import pytest

from indicators import reading
from indicators.areas import areas
from indicators.models import Unit
from indicators.periods import Period
from indicators.reading import Cell
from indicators.suppression import suppress

from .figures import figure, indicator, population, region

pytestmark = pytest.mark.django_db

YEAR = Period.parse("2024")


@pytest.fixture
def north(cast):
    return region(cast)


def shares(north, tromso, balsfjord, karlsoy, *, exempt=frozenset(), only=None):
    """A share with those denominators (numerator half of each) in UNN's three
    municipalities; the cells of `only` (kind, key) or of the three and their trust."""
    share = indicator(Unit.SHARE)
    for number, den in (("5501", tromso), ("5532", balsfjord), ("5534", karlsoy)):
        if den:
            figure(share, "2024-05", number, den // 2, den)
    found = areas()
    wanted = [found.get(*key) for key in only] if only else [
        *(found.get("municipality", n) for n in ("5501", "5532", "5534")),
        found.get("health_trust", str(north.unn_hf.uuid))]
    cells = reading.table([share], YEAR, wanted, exempt_numbers=exempt, within=found)
    return {key[2]: cell for key, cell in cells.items()}


def test_a_count_of_1_to_4_is_shown_as_less_than_5_and_keeps_no_numbers(north):
    cells = shares(north, 4, 5, 0)
    tromso = cells["5501"]
    assert tromso.suppressed and tromso.display == "<5"
    assert (tromso.numerator, tromso.denominator, tromso.value, tromso.count) == (
        None, None, None, None)
    # A count of 5 is shown, and so is a zero (nobody is behind it); but Balsfjord is now the
    # only other non-zero cell of the three, so it goes with Tromsø (secondary suppression).
    assert cells["5532"].suppressed
    assert cells["5534"].display == "–" and not cells["5534"].suppressed
    # The trust's total of 9 is shown: it is not small, and with both cells hidden it
    # reveals neither.
    assert cells[str(north.unn_hf.uuid)].denominator == 9


def test_a_lone_suppressed_cell_takes_the_smallest_other_non_zero_sibling_with_it(north):
    cells = shares(north, 3, 40, 12)
    assert [cells[n].display for n in ("5501", "5532", "5534")] == ["<5", "50,0 %", "<5"]
    assert cells[str(north.unn_hf.uuid)].denominator == 55
    # The total minus the cells still shown leaves two cells: neither can be worked out.


def test_two_suppressed_cells_need_no_third(north):
    cells = shares(north, 3, 2, 40)
    assert [cells[n].suppressed for n in ("5501", "5532", "5534")] == [True, True, False]


def test_secondary_suppression_holds_when_a_cell_is_read_on_its_own(north):
    # Asked for Karlsøy alone, the reader could subtract it from the trust's total as read
    # on another page: Karlsøy is suppressed whatever else the page shows.
    cells = shares(north, 3, 40, 12, only=[("municipality", "5534")])
    assert cells["5534"].display == "<5"
    trust = shares(north, 3, 40, 12, only=[("health_trust", str(north.unn_hf.uuid))])
    assert not trust[str(north.unn_hf.uuid)].suppressed


def test_a_parent_total_of_1_to_4_is_suppressed_itself(north):
    cells = shares(north, 2, 0, 0)
    assert cells[str(north.unn_hf.uuid)].display == "<5"
    # The region sums the same two: suppressed too.
    region_cells = shares(north, 2, 0, 0, only=[("region", "helse_nord")])
    assert region_cells["helse_nord"].suppressed


def test_the_readers_own_municipality_is_not_suppressed_for_them(north):
    cells = shares(north, 3, 40, 12, exempt={"5501"})
    tromso = cells["5501"]
    assert (tromso.suppressed, tromso.denominator, tromso.display) == (False, 3, "33,3 %")
    # Nobody else's cell is hidden on its account: the reader knows their own figure.
    assert not cells["5534"].suppressed


def test_an_exempt_cell_is_never_the_one_taken_as_second(north):
    cells = shares(north, 6, 3, 12, exempt={"5501"})
    assert cells["5532"].suppressed
    assert not cells["5501"].suppressed
    assert cells["5534"].suppressed  # the smallest non-exempt one


def test_a_median_is_suppressed_by_the_number_of_values_and_a_rate_by_its_numerator(north):
    hours = indicator(Unit.HOURS)
    rate = indicator(Unit.PER_1000)
    figure(hours, "2024-02", "5501", histogram={"12": 2, "30": 1})
    figure(hours, "2024-02", "5532", histogram={"5": 30})
    figure(rate, "2024-02", "5501", 2)
    figure(rate, "2024-02", "5532", 200)
    figure(rate, "2024-02", "5534", 300)
    population("5501", 2024, 78_000)
    found = areas()
    cells = reading.table([hours, rate], YEAR, [found.get("municipality", "5501")],
                          within=found)
    for code in (hours.code, rate.code):
        cell = cells[(code, "municipality", "5501")]
        assert (cell.display, cell.value, cell.numerator) == ("<5", None, None)


def test_suppress_leaves_zero_cells_alone_and_picks_the_smallest_non_zero():
    def cell(count):
        return Cell(count, count, Decimal(count), False, count, str(count))

    cells = {"a": cell(2), "b": cell(0), "c": cell(9), "d": cell(7)}
    result = suppress(cells, [["a", "b", "c", "d"]])
    assert [k for k, c in result.items() if c.suppressed] == ["a", "d"]
    assert result["b"].display == "0"
    # Without a group only the primary rule applies.
    assert [k for k, c in suppress(cells).items() if c.suppressed] == ["a"]
