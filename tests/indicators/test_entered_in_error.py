"""A stay or a declaration registered in error never was: no indicator counts it (the
notices on time, the hours to the first notice, the acknowledgements, the paid days)."""

import pytest

from indicators import computations
from indicators.models import Computation
from pathways.models import AdmissionStatus, ReadyForDischarge

from .test_computations import (
    APRIL,
    DAYS,
    HOURS,
    LATER,
    MARCH,
    _declaration,
    _notice,
    at,
    rows,
    stay,
)

pytestmark = pytest.mark.django_db


def test_a_stay_entered_in_error_counts_in_no_indicator(cast):
    kept = stay(cast, at(4), sent_after=30 * HOURS, discharged_after=10 * DAYS)
    wrong = stay(cast, at(5), sent_after=2 * HOURS, discharged_after=10 * DAYS)
    for admission in (kept, wrong):
        _notice(admission, admission.first_notification_sent_at, 2 * HOURS)
        _declaration(admission, admission.admitted_at + 2 * DAYS)
    before = {c: rows(c, months=(MARCH, APRIL)) for c in (
        Computation.NOTICE_ON_TIME, Computation.NOTICE_ACKNOWLEDGED, Computation.READY_DAYS)}
    assert before[Computation.NOTICE_ON_TIME] == {(MARCH, "5501", cast.unn.pk, "", 1, 2)}
    wrong.status = AdmissionStatus.ENTERED_IN_ERROR
    wrong.save(update_fields=["status"])
    assert rows(Computation.NOTICE_ON_TIME) == {(MARCH, "5501", cast.unn.pk, "", 0, 1)}
    assert rows(Computation.NOTICE_ACKNOWLEDGED) == {(MARCH, "5501", cast.unn.pk, "", 1, 1)}
    assert rows(Computation.READY_DAYS, months=(MARCH, APRIL)) == {
        (MARCH, "5501", cast.unn.pk, "", 8, 0)}
    [hours] = computations.run(Computation.NOTICE_HOURS, (MARCH,), now=LATER, parameters={})
    assert hours.histogram == {"30": 1}


def test_a_declaration_entered_in_error_pays_no_day(cast):
    admission = stay(cast, at(4), discharged_after=10 * DAYS)
    declaration = _declaration(admission, at(6))
    assert rows(Computation.READY_DAYS) == {(MARCH, "5501", cast.unn.pk, "", 8, 0)}
    ReadyForDischarge.objects.filter(pk=declaration.pk).update(entered_in_error=True)
    assert rows(Computation.READY_DAYS) == set()
