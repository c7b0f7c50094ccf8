"""Suppression of small counts ("prikking", DOMAIN.md "Statistics").

A cell whose deciding count is 1–4 is shown as "<5" and keeps nothing else: no value, no
numerator, no denominator, no count, in any output (screen, API, export, FHIR). Within one
column (an indicator in a period) over sibling areas (the areas a parent total sums), if
exactly one cell is suppressed, the smallest other non-zero one is suppressed too, so the
parent total minus the others cannot reveal it. The parent itself is suppressed only when
its own count is 1–4. Cells of areas whose patients the reader already sees (exempt) are
never suppressed and are not chosen as the second cell.

The count that decides is the denominator for a share, the number of values in the
histogram for a median, and the numerator for counts and rates (for NOK, the denominator:
the days or stays the amount is for). A value whose count is not known (an amount written
without its days) is suppressed as if it were small.
"""

import dataclasses
from collections.abc import Collection, Hashable, Iterable, Mapping

SUPPRESSED = "<5"
SMALLEST, LARGEST = 1, 4


def is_small(count: int | None) -> bool:
    """1–4: a count that could point at a person."""
    return count is not None and SMALLEST <= count <= LARGEST


def hidden(cell):
    """The cell as a suppressed one: "<5" and nothing that would let its count be worked
    out."""
    return dataclasses.replace(cell, numerator=None, denominator=None, value=None,
                               count=None, suppressed=True, display=SUPPRESSED)


def suppress(cells: Mapping[Hashable, object], groups: Iterable[Iterable[Hashable]] = (),
             exempt: Collection[Hashable] = ()) -> dict:
    """The cells with small counts suppressed, and secondary suppression in each group (a
    column of sibling cells, by key); keys in `exempt` are never suppressed. Cells carry
    `count` and `suppressed` (indicators.reading.Cell); a new dict is returned."""
    exempt = set(exempt)
    primary = {key for key, cell in cells.items()
               if key not in exempt and not cell.suppressed
               and (is_small(cell.count) or (cell.count is None and cell.value is not None))}
    secondary = set()
    for group in groups:
        members = [key for key in group if key in cells]
        small = [key for key in members if key in primary or cells[key].suppressed]
        if len(small) != 1:
            continue
        candidates = [(cells[key].count, index, key) for index, key in enumerate(members)
                      if key not in small and key not in exempt and key not in secondary
                      and cells[key].count]
        if candidates:
            secondary.add(min(candidates)[2])
    return {key: hidden(cell) if key in primary or key in secondary else cell
            for key, cell in cells.items()}
