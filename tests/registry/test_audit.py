import uuid

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from common import context
from pathways import access
from pathways import services as pathway_services
from pathways.models import CareRelationshipReason, ParticipantStatus
from registry import audit
from registry.models import AuditAction, AuditEvent, AuditObjectType, Role
from tests import factories


def test_it_records_who_read_a_patient_and_on_which_grounds(cast):
    token = context.activate(context.RequestContext("req-12345678", "10.1.2.3", "web"))
    try:
        access.audit_reads(cast.planner, [cast.shared], object_type="patient")
    finally:
        context.deactivate(token)
    event = AuditEvent.objects.filter(action=AuditAction.VIEW).get()
    assert event.user == cast.planner
    assert event.user_display == "Pia Planlegger"
    assert event.organization == cast.unn
    assert event.role == Role.DISCHARGE_PLANNER
    assert event.patient_uuid == cast.shared.uuid
    assert event.request_id == "req-12345678"
    assert event.client_address == "10.1.2.3"
    assert event.via == "web"


def test_it_names_the_coordinator_role_for_a_personal_relationship(cast):
    access.audit_reads(cast.coordinator, [cast.shared], object_type="patient")
    event = AuditEvent.objects.filter(action=AuditAction.VIEW).get()
    assert (event.organization, event.role) == (cast.tromso, Role.COORDINATOR)


def test_it_logs_a_whole_result_list_in_one_insert(cast, django_assert_num_queries):
    patients = [cast.shared, cast.tromso_only]
    # 1 memberships of the user, 2 granting relationships of the listed patients, 3 insert
    with django_assert_num_queries(3):
        access.audit_reads(cast.ke_tromso, patients, object_type="patient",
                           action=AuditAction.SEARCH)
    assert AuditEvent.objects.filter(action=AuditAction.SEARCH).count() == 2


def test_a_page_of_events_in_one_insert_holds_what_each_event_alone_would(cast):
    entries = [
        audit.Entry(object_type="admission", object_id="a-1", patient_uuid=cast.shared.uuid,
                    organization_id=cast.tromso.pk, role=Role.KE_STAFF, detail="api list"),
        audit.Entry(object_type="admission", object_id="a-2", patient_uuid=None,
                    detail="«søk» på Ærø"),  # no grounds given: the user's first membership
    ]
    fields = ("user_id", "user_display", "organization_id", "role", "action", "object_type",
              "object_id", "patient_uuid", "request_id", "client_address", "via", "detail")
    token = context.activate(context.RequestContext("req-87654321", "2001:db8::1", "api"))
    try:
        audit.record_many(cast.ke_tromso, AuditAction.VIEW, entries)  # one INSERT of many
        alone = [audit.record(cast.ke_tromso, AuditAction.EXPORT, e.object_type, e.object_id,
                              patient_uuid=e.patient_uuid, role=e.role, detail=e.detail,
                              organization=cast.tromso if e.organization_id else None)
                 for e in entries]
    finally:
        context.deactivate(token)
    paged = AuditEvent.objects.filter(action=AuditAction.VIEW).order_by("object_id")
    assert [[getattr(e, f) for f in fields if f != "action"] for e in paged] == [
        [getattr(e, f) for f in fields if f != "action"] for e in alone]
    assert paged[1].organization == cast.tromso and paged[1].detail == "«søk» på Ærø"
    assert all(e.at is not None for e in paged)


def test_it_records_registration_and_relationships_as_writes(cast):
    created = AuditEvent.objects.filter(patient_uuid=cast.bodo_only.uuid,
                                        action=AuditAction.CREATE)
    assert {e.object_type for e in created} == {"patient", "care_relationship"}
    assert all(e.user == cast.ke_bodo and e.organization == cast.bodo for e in created)


def test_it_refuses_to_change_or_delete_events_through_the_orm(cast):
    event = audit.record(cast.ke_tromso, AuditAction.VIEW, "patient", cast.shared.uuid)
    event.detail = "tampered"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(detail="tampered")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).detail == ""


def test_it_refuses_updates_in_the_database_itself(cast):
    event = audit.record(cast.ke_tromso, AuditAction.VIEW, "patient", cast.shared.uuid)
    table = AuditEvent._meta.db_table
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET detail = 'tampered' WHERE id = %s", [event.pk])  # noqa: S608
    assert AuditEvent.objects.get(pk=event.pk).detail == ""


def test_it_refuses_deletes_in_postgresql(cast):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite keeps DELETE open for test teardown; PostgreSQL refuses it")
    event = audit.record(cast.ke_tromso, AuditAction.VIEW, "patient", cast.shared.uuid)
    table = AuditEvent._meta.db_table
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [event.pk])  # noqa: S608
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_a_user_or_organisation_the_trail_names_cannot_be_deleted(cast):
    # The trail's foreign keys have no constraint in the database (registry 0009): the ORM's
    # PROTECT is what keeps the rows it names.
    event = audit.record(cast.ke_tromso, AuditAction.VIEW, "patient", cast.shared.uuid)
    event.refresh_from_db()
    assert event.organization == cast.tromso
    for row in (event.user, event.organization):
        with pytest.raises(ProtectedError) as refused, transaction.atomic():
            row.delete()
        assert event in refused.value.protected_objects
    event.refresh_from_db()
    assert (event.user, event.organization) == (cast.ke_tromso, cast.tromso)


def test_the_admin_offers_no_way_to_edit_or_delete_events(cast, admin_client):
    event = audit.record(cast.ke_tromso, AuditAction.VIEW, "patient", cast.shared.uuid)
    change = admin_client.get(f"/admin/registry/auditevent/{event.pk}/change/")
    assert change.status_code == 200
    assert b'name="_save"' not in change.content
    delete = admin_client.post(f"/admin/registry/auditevent/{event.pk}/delete/", {"post": "yes"})
    assert delete.status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()
    assert admin_client.get("/admin/registry/auditevent/add/").status_code == 403


def test_an_object_type_the_trail_does_not_know_is_refused_before_anything_is_written(cast):
    before = AuditEvent.objects.count()
    with pytest.raises(ValueError, match="dischargmeeting"):
        audit.record(cast.planner, AuditAction.VIEW, "dischargmeeting", cast.shared.uuid)
    assert AuditEvent.objects.count() == before


def test_a_database_id_is_refused_as_the_object_id_before_anything_is_written(cast):
    before = AuditEvent.objects.count()
    with pytest.raises(TypeError, match="public UUID"):
        audit.Entry(object_type=AuditObjectType.FOLLOW_UP_TASK, object_id=7)
    with pytest.raises(TypeError, match="public UUID"):
        audit.record(cast.planner, AuditAction.UPDATE, AuditObjectType.FOLLOW_UP_TASK, 7)
    assert AuditEvent.objects.count() == before
    # An API key is named by its public prefix, a string.
    event = audit.record(cast.planner, AuditAction.CREATE, AuditObjectType.API_KEY, "rp_demo1")
    assert event.object_id == "rp_demo1"


def test_the_trail_names_every_record_by_its_public_uuid(cast):
    relationship = pathway_services.grant_care_relationship(
        cast.bodo_only, cast.tromso, CareRelationshipReason.REFERRAL, by=cast.ke_tromso)
    pathway_services.end_care_relationship(relationship, by=cast.ke_tromso)
    meeting = factories.discharge_meeting(cast)
    participant = meeting.participants.get(user=cast.ke_tromso)
    pathway_services.respond_to_invitation(participant, by=cast.ke_tromso,
                                           status=ParticipantStatus.ACCEPTED)
    task = pathway_services.add_follow_up_task(
        meeting, by=cast.planner, description="Hjelpemidler", responsible_name="KE",
        due_date=timezone.localdate())
    pathway_services.complete_follow_up_task(task, by=cast.planner)
    assignment = factories.individual_plan(cast, factories.coordinator(cast)).assignments.get()

    def named(record, object_type):
        return list(AuditEvent.objects.filter(object_type=object_type)
                    .filter(object_id=str(record.uuid)).order_by("id")
                    .values_list("action", flat=True))

    assert named(relationship, "care_relationship") == [AuditAction.CREATE, AuditAction.UPDATE]
    assert named(participant, "meetingparticipant") == [AuditAction.UPDATE]
    assert named(task, "followuptask") == [AuditAction.CREATE, AuditAction.UPDATE]
    assert named(assignment, "coordinatorassignment") == [AuditAction.CREATE]
    for object_type, object_id in AuditEvent.objects.values_list("object_type", "object_id"):
        assert not object_id or uuid.UUID(object_id), object_type


def test_every_record_a_service_audits_by_its_class_name_is_a_known_object_type():
    # coordination's and webhooks' services name the record by its model (type(obj)):
    # each model they write must be in the enum, or its first write would fail.
    from django.apps import apps

    from registry.models import AuditObjectType

    written = {model.__name__.lower() for label in ("coordination", "webhooks", "pathways")
               for model in apps.get_app_config(label).get_models()}
    # A notice assignment (who took it) is audited as an update of its admission.
    # A read receipt is audited as a read of its message; an experience survey's answer as
    # an update of the plan ("answered", never what: the answer itself names no one), and
    # its invitation with it.
    # The pathway variants and their kinds of activity are reference data (the admin's).
    never_audited = {"dailyrate", "planversion", "carerelationship", "nextofkin",
                     "noticeassignment", "planmessageread", "experienceresponse",
                     "experienceinvitation", "pathwayvariant", "variantactivitykind"}
    assert written - never_audited <= set(AuditObjectType)
