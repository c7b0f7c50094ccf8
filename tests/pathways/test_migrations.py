"""Migrations of the pathway that move data: rows from before get what the schema needs."""

import pytest

from pathways import services
from tests.factories import admit
from tests.migrations import latest_schema_afterwards, migrate  # noqa: F401 - a fixture

WITHOUT_ADDRESS = [("pathways", "0007_one_open_care_relationship")]
ADDRESSED = [("pathways", "0009_notice_municipality_required")]


pytestmark = pytest.mark.usefixtures("latest_schema_afterwards")


@pytest.mark.django_db(transaction=True)
def test_notices_sent_before_are_addressed_to_their_admissions_municipality(cast):
    tromso = services.send_early_notification(admit(cast, cast.shared), by=cast.planner)
    bodo = services.save_draft(admit(cast, cast.bodo_only), by=cast.planner)
    migrate(WITHOUT_ADDRESS)
    apps = migrate(ADDRESSED)
    Notice = apps.get_model("pathways", "EarlyNotification")
    assert dict(Notice.objects.values_list("pk", "municipality_id")) == {
        tromso.pk: cast.tromso.pk, bodo.pk: cast.bodo.pk}
