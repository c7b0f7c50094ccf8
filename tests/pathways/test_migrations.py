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


# --- wards as registry data (registry 0010-0012, pathways 0014-0016) ----------------------

FREE_TEXT = [("registry", "0009_audit_lighter_insert"),
             ("pathways", "0013_message_status_cancellation")]
REGISTERED = [("registry", "0012_drop_membership_ward_text"),
              ("pathways", "0016_drop_admission_ward_text")]


@pytest.mark.django_db(transaction=True)
def test_the_planners_ward_and_her_patients_become_one_registered_ward(cast):
    """The issue's board that opened empty: the planner's "Slagenheten, nevrologisk
    avdeling" and her patients' "Slagenheten" were two spellings of one ward."""
    apps = migrate(FREE_TEXT)
    Membership = apps.get_model("registry", "Membership")
    Admission = apps.get_model("pathways", "Admission")
    Membership.objects.filter(user_id=cast.planner.pk).update(
        ward="Slagenheten, nevrologisk avdeling")
    now = timezone.now()
    for patient, ward in ((cast.shared, "Slagenheten"), (cast.tromso_only, "ortopedisk post")):
        Admission.objects.create(
            patient_id=patient.pk, hospital_id=cast.unn.pk, municipality_id=cast.tromso.pk,
            ward=ward, admitted_at=now, notification_deadline=now + datetime.timedelta(hours=24))
    apps = migrate(REGISTERED)
    Membership = apps.get_model("registry", "Membership")
    Admission = apps.get_model("pathways", "Admission")
    own = Membership.objects.get(user_id=cast.planner.pk).ward
    assert (own.name, own.code, own.department.name, own.hospital_id) == (
        "Slagenheten", "SLAG", "nevrologisk avdeling", cast.unn.pk)
    wards = dict(Admission.objects.values_list("patient_id", "ward__code"))
    assert wards == {cast.shared.pk: "SLAG", cast.tromso_only.pk: "ORTOP"}
    ortho = apps.get_model("registry", "Ward").objects.get(code="ORTOP")
    assert ortho.department.name == "Avdeling ikke angitt"  # for the admin to sort
    # Backwards, the text is the ward's name.
    apps = migrate(FREE_TEXT)
    texts = dict(apps.get_model("pathways", "Admission").objects.values_list("patient_id",
                                                                              "ward"))
    assert texts == {cast.shared.pk: "Slagenheten", cast.tromso_only.pk: "ortopedisk post"}
    assert apps.get_model("registry", "Membership").objects.get(
        user_id=cast.planner.pk).ward == "Slagenheten"
