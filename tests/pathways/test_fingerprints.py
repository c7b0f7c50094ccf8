"""A poll's fingerprint (one UNION ALL of summaries) must not depend on the order in which
the database returns the UNION's parts: PostgreSQL's parallel append returns them in any
order, and then a page that works the fingerprint out from its rows (summary_of) and the
poll that reads it (fingerprint) disagreed, so every poll re-rendered the whole page."""

import pytest
from django.db import connection

from pathways.models import Admission, EarlyNotification, Patient
from pathways.views import common


@pytest.mark.django_db
def test_the_fingerprint_keeps_the_parts_in_their_place(cast):
    if connection.vendor != "postgresql":
        pytest.skip("only PostgreSQL runs a UNION's parts in parallel")
    with connection.cursor() as cursor:  # make every part a parallel plan
        for setting in ("parallel_setup_cost = 0", "parallel_tuple_cost = 0",
                        "min_parallel_table_scan_size = 0",
                        "max_parallel_workers_per_gather = 4"):
            cursor.execute(f"SET LOCAL {setting}")
    querysets = [Admission.objects.all(), EarlyNotification.objects.all(),
                 Patient.objects.all()]
    rows = [list(common.summary(q, "updated_at"))[0] for q in querysets]
    assert rows[0] != rows[2]  # the cast has patients without admissions: distinct parts
    for _ in range(5):
        assert common.fingerprint(*(common.summary(q, "updated_at") for q in querysets)) \
            == common.fingerprint_of(*rows)
