"""Ready-for-discharge days and what the municipality pays for them, day by day.

The rule (DOMAIN.md; forskrift om kommunal betaling for utskrivningsklare pasienter): the
municipality pays the year's daily rate from and including the day the patient is declared
ready, for each day it has said it cannot receive the patient or has not answered. A day on
or after the date it said it can receive is the hospital's. Withdrawal (avmelding),
discharge, transfer or death ends the period; the last day is not counted. Every day gets a
line with its reason, so a dispute can be settled from the screen.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from registry.reference import Reference

from .deadlines import local_date
from .models import AdmissionStatus, DailyRate, MunicipalAnswerKind


@dataclass(frozen=True)
class DayLine:
    date: datetime.date
    billable: bool
    reason: str
    rate: Decimal | None  # None: no rate registered for that year

    @property
    def amount(self) -> Decimal:
        return self.rate if self.billable and self.rate is not None else Decimal(0)


@dataclass(frozen=True)
class Statement:
    lines: list[DayLine]

    @property
    def billable_days(self) -> int:
        return sum(1 for line in self.lines if line.billable)

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal(0))

    @property
    def missing_rate_years(self) -> list[int]:
        return sorted({line.date.year for line in self.lines
                       if line.billable and line.rate is None})


def _answer_on(answers, day: datetime.date):
    """The latest answer the municipality had given by the end of `day`."""
    current = None
    for answer in answers:
        if local_date(answer.answered_at) <= day:
            current = answer
    return current


def _load_rates() -> dict[int, Decimal]:
    return dict(DailyRate.objects.values_list("year", "amount"))


_RATES = Reference(_load_rates, "pathways.DailyRate")


def daily_rates() -> dict[int, Decimal]:
    """The daily rate of each year, kept in memory (registry.reference)."""
    return _RATES.get()


def statement(declaration, *, end: datetime.datetime | None = None,
              today: datetime.date | None = None, rates: dict[int, Decimal] | None = None,
              ) -> Statement:
    """Day lines from the declaration day up to (not including) the day the period ended;
    an open period runs through `today`. A declaration entered in error, or on a stay
    entered in error, never was: no line."""
    admission = declaration.admission
    if declaration.entered_in_error or admission.status == AdmissionStatus.ENTERED_IN_ERROR:
        return Statement([])
    if end is None:
        end = declaration.withdrawn_at or admission.discharged_at
    first = local_date(declaration.declared_at)
    if end is not None:
        stop = local_date(end)
    else:
        stop = (today or local_date(datetime.datetime.now(tz=datetime.UTC))) \
            + datetime.timedelta(days=1)
    answers = sorted(declaration.answers.all(), key=lambda a: (a.answered_at, a.pk))
    if rates is None:
        rates = daily_rates()
    lines = []
    day = first
    while day < stop:
        answer = _answer_on(answers, day)
        if answer is None:
            billable, reason = True, _("No answer from the municipality.")
        elif answer.kind == MunicipalAnswerKind.CANNOT_YET:
            billable, reason = True, _("The municipality cannot receive the patient yet.")
        elif day < answer.receive_on:
            billable, reason = True, _("The municipality can receive from %(date)s.") % {
                "date": answer.receive_on.isoformat()}
        else:
            billable, reason = False, _(
                "The municipality can receive the patient; the stay is the hospital's.")
        lines.append(DayLine(day, billable, reason, rates.get(day.year)))
        day += datetime.timedelta(days=1)
    return Statement(lines)
