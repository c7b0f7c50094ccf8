"""Migrations of the pathway that move data: rows from before get what the schema needs."""

import datetime

import pytest
from django.utils import timezone

from pathways import services
from tests.factories import admit, discharge_meeting
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


# --- public UUIDs for care relationships, participants and tasks (0011) ----------------

BEFORE_UUIDS = [("pathways", "0010_care_relationship_patient_index")]
UUIDS = [("pathways", "0011_public_uuids")]
WITH_UUIDS = ("CareRelationship", "MeetingParticipant", "FollowUpTask")


@pytest.mark.django_db(transaction=True)
def test_rows_from_before_get_distinct_public_uuids_backwards_and_forwards(cast):
    meeting = discharge_meeting(cast, participants=[
        {"kind": "coordinating_unit", "user": cast.ke_tromso},
        {"kind": "gp", "name": "Dr. Fastlege"}])
    for what in ("Hjelpemidler", "Hjemmetjeneste"):
        services.add_follow_up_task(meeting, by=cast.planner, description=what,
                                    responsible_name="KE",
                                    due_date=timezone.localdate() + datetime.timedelta(days=7))
    apps = migrate(BEFORE_UUIDS)
    counts = {}
    for name in WITH_UUIDS:
        model = apps.get_model("pathways", name)
        assert "uuid" not in {field.name for field in model._meta.get_fields()}
        counts[name] = model.objects.count()
    assert counts["CareRelationship"] > 2 and counts["MeetingParticipant"] == 2 \
        and counts["FollowUpTask"] == 2
    apps = migrate(UUIDS)
    for name in WITH_UUIDS:
        uuids = list(apps.get_model("pathways", name).objects.values_list("uuid", flat=True))
        assert len(uuids) == counts[name] and None not in uuids
        assert len(set(uuids)) == len(uuids), name
