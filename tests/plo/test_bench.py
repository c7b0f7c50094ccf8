"""`make bench`'s PLO part (rehab_portal.bench.plo), on a small world: every message of its
batches goes the real way (plo.services.receive) and becomes its step, the log is filled
with history around them, the small municipality's administrator's log is timed in the
same queries at both sizes, and its query is explained. No wall-clock time is asserted."""

from types import SimpleNamespace

import pytest
from django.core.management.color import no_style

from pathways.models import Admission, AdmissionStatus
from plo.models import Direction, MessageStatus, PloMessage
from rehab_portal.bench import plo as bench_plo
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_bench_receives_plo_messages_with_a_small_and_a_bigger_log(cast, monkeypatch):
    monkeypatch.setattr(bench_plo, "BATCH", 6)  # two patients, three messages each
    monkeypatch.setattr(bench_plo, "SMALL_SHARE", 3)
    wards = [factories.ward(cast.unn, f"Sengepost {w}", code=f"SP{w}") for w in range(2)]
    world = SimpleNamespace(hospitals=[cast.unn.pk], wards={cast.unn.pk: [w.pk for w in wards]},
                            municipalities=[cast.bodo.pk, cast.tromso.pk])
    lines = []
    missed = bench_plo.run(world, lines.append, no_style(), runs=1, sizes=(100, 200))
    report = "\n".join(lines)

    assert not [name for name in missed if "not processed" in name], report
    # The warm-up's two patients, each batch's two and at each size one more whose queries
    # are explained: admitted, notified, declared ready.
    ready = Admission.objects.filter(status=AdmissionStatus.READY_FOR_DISCHARGE)
    assert ready.count() == 8
    assert all(stay.early_notifications.count() == 1 for stay in ready)
    assert {stay.ward_id for stay in ready} == {w.pk for w in wards}
    received = PloMessage.objects.filter(patient__admissions__in=ready, direction=Direction.IN)
    assert received.count() == 24
    assert set(received.values_list("status", flat=True)) == {MessageStatus.PROCESSED}
    # The history around them: at least the larger size, of several kinds and outcomes.
    assert PloMessage.objects.count() >= 200
    assert {"LOG_INNLAGT", "HELSEOPPL_SOKNAD", "LOG_UTSKRIVNINGSKLAR", "LOG_UTSKREVET",
            "APPREC"} <= set(PloMessage.objects.values_list("msg_type", flat=True))
    assert PloMessage.objects.filter(status=MessageStatus.REJECTED, sender=None).exists()
    assert PloMessage.objects.filter(direction=Direction.OUT).exists()
    # The small municipality's log: the same queries at both sizes, its query explained.
    assert "the same queries" in report
    assert "the receiving path's reads and updates of the log" in report
    # Its receipt for a message the portal sent marked that message acknowledged.
    assert PloMessage.objects.filter(direction=Direction.OUT, status=MessageStatus.ACKNOWLEDGED,
                                     apprec__isnull=False).exists()
    assert report.count("--- the log's query") >= 1


