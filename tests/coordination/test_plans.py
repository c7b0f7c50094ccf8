import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from common.exceptions import StaleVersion, StateConflict
from coordination import access, diff, services
from coordination.models import (
    ConsentMethod,
    ConsentScope,
    Measure,
    PlanStatus,
    PlanVersion,
)
from pathways.models import Patient
from registry.models import AuditEvent
from tests import factories

from .conftest import activate, make_plan

TODAY = datetime.date.today


def test_it_refuses_a_lost_update_and_says_what_changed(cast, plan):
    read_version = plan.version
    services.update_plan(plan, by=cast.coordinator, expected_version=read_version,
                         what_matters="Å kunne gå på butikken selv")
    with pytest.raises(StaleVersion) as exc_info:
        services.update_plan(plan, by=cast.ke_tromso, expected_version=read_version,
                             what_matters="Komme tilbake i jobb", resources="Familien")
    conflict = exc_info.value
    assert isinstance(conflict, StateConflict) and conflict.code == "stale"
    assert conflict.current_version == read_version + 1
    assert conflict.changed_fields == ["what_matters"]
    assert conflict.changes[0].after == "Å kunne gå på butikken selv"
    plan.refresh_from_db()
    assert plan.what_matters == "Å kunne gå på butikken selv" and plan.resources == ""
    assert plan.version == read_version + 1


def test_it_names_the_sections_someone_else_changed(cast, plan):
    read_version = plan.version
    services.add_goal(plan, by=cast.coordinator, text="Lage middag selv")
    with pytest.raises(StaleVersion) as exc_info:
        services.update_plan(plan, by=cast.ke_tromso, expected_version=read_version,
                             resources="Familien")
    assert exc_info.value.changed_fields == ["goals"]


def test_it_keeps_a_version_per_write_and_shows_a_changed_goal(cast, plan):
    goal = services.add_goal(plan, by=cast.coordinator, text="Gå til postkassen")
    before = services.current_plan_version(plan)
    services.update_goal(goal, by=cast.coordinator, text="Gå til butikken",
                         target_date=datetime.date(2030, 6, 1))
    plan.refresh_from_db()
    assert PlanVersion.objects.filter(plan=plan).count() == plan.version
    changes = diff.diff_plan(plan, before)
    by_field = {(c.section, c.field): c for c in changes}
    text = by_field["goals", "text"]
    assert (text.before, text.after, text.item) == (
        "Gå til postkassen", "Gå til butikken", "Gå til butikken")
    assert by_field["goals", "target_date"].after == "2030-06-01"


def test_it_diffs_long_texts_word_by_word(cast, plan):
    long = ("Jeg vil klare meg selv hjemme, lage frokost, dusje uten hjelp og gå tur med "
            "hunden hver dag sammen med naboen.")
    services.update_plan(plan, by=cast.coordinator, expected_version=plan.version,
                         what_matters=long)
    start = services.current_plan_version(plan)
    services.update_plan(plan, by=cast.coordinator, expected_version=start,
                         what_matters=long.replace("hver dag", "tre ganger i uka"))
    [change] = diff.diff_plan(plan, start)
    assert change.section == "plan" and change.field == "what_matters"
    assert ("delete", "hver dag") in change.text_diff
    assert ("insert", "tre ganger i uka") in change.text_diff


def test_it_lists_added_and_removed_items(cast, plan):
    start = services.current_plan_version(plan)
    participant = services.add_participant(plan, by=cast.coordinator, kind="next_of_kin",
                                           name="Siri Tindvik", contribution="Handler")
    middle = services.current_plan_version(plan)
    services.remove_participant(participant, by=cast.coordinator)
    [added] = diff.diff_plan(plan, start, middle)
    assert (added.section, added.kind, added.after) == ("participants", "added", "Siri Tindvik")
    [removed] = diff.diff_plan(plan, middle)
    assert (removed.kind, removed.before) == ("removed", "Siri Tindvik")


def test_it_audits_every_write_with_the_patient(cast, plan):
    before = AuditEvent.objects.count()
    goal = services.add_goal(plan, by=cast.coordinator, text="Sykle igjen")
    services.add_goal(plan, by=cast.coordinator, text="Sykle til butikken", parent=goal)
    services.add_measure(plan, by=cast.coordinator, description="Fysioterapi", goal=goal)
    events = AuditEvent.objects.order_by("pk")[before:]
    assert [e.object_type for e in events] == ["goal", "goal", "measure"]
    assert {e.patient_uuid for e in events} == {cast.tromso_only.uuid}


def test_it_refuses_others_than_the_coordinator_and_the_ke(cast, plan):
    for user in (cast.ke_bodo, cast.planner):
        with pytest.raises(PermissionDenied):
            services.add_goal(plan, by=user, text="x")
    assert not plan.goals.exists()


def test_it_keeps_sub_goals_one_level_under_a_goal_of_the_same_plan(cast, kora, plan):
    goal = services.add_goal(plan, by=cast.coordinator, text="Klare meg hjemme")
    sub = services.add_goal(plan, by=cast.coordinator, text="Dusje selv", parent=goal,
                            target_date=datetime.date(2030, 1, 1))
    assert list(goal.sub_goals.all()) == [sub]
    with pytest.raises(ValidationError) as exc_info:
        services.add_goal(plan, by=cast.coordinator, text="Dypere", parent=sub)
    assert "parent" in exc_info.value.message_dict
    other = make_plan(cast, kora, patient=cast.shared)
    with pytest.raises(ValidationError):
        services.add_goal(other, by=cast.coordinator, text="Feil plan", parent=goal)
    with pytest.raises(ValidationError) as exc_info:
        services.add_goal(plan, by=cast.coordinator, text="   ")
    assert "text" in exc_info.value.message_dict


def test_it_refuses_a_measure_that_ends_before_it_starts(cast, plan):
    with pytest.raises(ValidationError) as exc_info:
        services.add_measure(plan, by=cast.coordinator, description="Hverdagsrehabilitering",
                             starts_on=datetime.date(2030, 3, 1),
                             ends_on=datetime.date(2030, 2, 1))
    assert "ends_on" in exc_info.value.message_dict
    measure = services.add_measure(plan, by=cast.coordinator, description="Trening",
                                   starts_on=datetime.date(2030, 3, 1))
    with pytest.raises(ValidationError) as exc_info:
        services.update_measure(measure, by=cast.coordinator, ends_on=datetime.date(2030, 1, 1))
    assert "ends_on" in exc_info.value.message_dict
    measure.refresh_from_db()
    assert measure.ends_on is None
    with pytest.raises(ValidationError) as exc_info:
        services.add_measure(plan, by=cast.coordinator)
    assert "description" in exc_info.value.message_dict
    assert Measure.objects.count() == 1


def test_it_takes_the_level_from_the_service(cast, plan):
    service = factories.service(cast.tromso, level_code="2", name="Hverdagsrehabilitering")
    services.add_measure(plan, by=cast.coordinator, service=service, extent="3 ganger i uka")
    measure = services.snapshot(plan)["measures"][0]
    assert (measure["service"], measure["level"]) == ("Hverdagsrehabilitering", "2")
    service.active = False
    service.save()
    with pytest.raises(ValidationError) as exc_info:
        services.add_measure(plan, by=cast.coordinator, service=service)
    assert "service" in exc_info.value.message_dict


def test_it_walks_the_status_table(cast, plan):
    with pytest.raises(ValidationError) as exc_info:
        services.set_status(plan, PlanStatus.ACTIVE, by=cast.ke_tromso)
    assert len(exc_info.value.message_dict["status"]) == 2  # no goal, no consent
    plan = activate(cast, plan)
    assert plan.status == PlanStatus.ACTIVE
    assert plan.period_start == timezone.localdate()
    assert plan.next_evaluation_on == timezone.localdate() + datetime.timedelta(days=180)
    with pytest.raises(StateConflict):
        services.set_status(plan, PlanStatus.DECLINED, by=cast.ke_tromso)
    services.set_status(plan, PlanStatus.UNDER_EVALUATION, by=cast.coordinator)
    services.set_status(plan, PlanStatus.ACTIVE, by=cast.coordinator)
    services.set_status(plan, PlanStatus.CLOSED, by=cast.coordinator, note="Målene er nådd")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.CLOSED


def test_it_lets_the_patient_decline_a_plan_in_preparation(cast, plan):
    services.set_status(plan, PlanStatus.DECLINED, by=cast.ke_tromso)
    plan.refresh_from_db()
    assert plan.is_closed


def test_it_records_an_evaluation_and_schedules_the_next(cast, plan):
    with pytest.raises(StateConflict):  # still in preparation
        services.record_evaluation(plan, by=cast.coordinator, evaluated_on=TODAY(),
                                   summary="For tidlig")
    activate(cast, plan)
    evaluated_on = TODAY() - datetime.timedelta(days=1)
    services.record_evaluation(plan, by=cast.coordinator, evaluated_on=evaluated_on,
                               summary="God fremgang", goal_achievement="Går 500 m")
    plan.refresh_from_db()
    assert plan.next_evaluation_on == evaluated_on + datetime.timedelta(days=180)
    with pytest.raises(ValidationError):
        services.record_evaluation(plan, by=cast.coordinator,
                                   evaluated_on=TODAY() + datetime.timedelta(days=3),
                                   summary="I framtiden")


def test_it_makes_a_closed_plan_read_only(cast, plan, second_coordinator):
    goal = services.add_goal(plan, by=cast.ke_tromso, text="Gå tur")
    measure = services.add_measure(plan, by=cast.ke_tromso, description="Trening")
    participant = services.add_participant(plan, by=cast.ke_tromso, kind="gp", name="Dr. Lege")
    consent = services.record_consent(plan, cast.tromso, ConsentScope.PLAN,
                                      ConsentMethod.WRITTEN, by=cast.ke_tromso)
    services.set_status(plan, PlanStatus.CLOSED, by=cast.ke_tromso)
    plan.refresh_from_db()
    version = plan.version
    writes = [
        lambda: services.update_plan(plan, by=cast.ke_tromso, expected_version=version,
                                     resources="x"),
        lambda: services.add_goal(plan, by=cast.ke_tromso, text="x"),
        lambda: services.update_goal(goal, by=cast.ke_tromso, text="x"),
        lambda: services.add_measure(plan, by=cast.ke_tromso, description="x"),
        lambda: services.update_measure(measure, by=cast.ke_tromso, extent="x"),
        lambda: services.add_participant(plan, by=cast.ke_tromso, kind="other", name="x"),
        lambda: services.remove_participant(participant, by=cast.ke_tromso),
        lambda: services.record_consent(plan, cast.bodo, ConsentScope.INFORMATION_SHARING,
                                        ConsentMethod.ORAL, by=cast.ke_tromso),
        lambda: services.record_evaluation(plan, by=cast.ke_tromso, evaluated_on=TODAY(),
                                           summary="x"),
        lambda: services.set_status(plan, PlanStatus.ACTIVE, by=cast.ke_tromso),
        lambda: services.assign_coordinator(plan, second_coordinator, by=cast.ke_tromso),
    ]
    for write in writes:
        with pytest.raises(StateConflict) as exc_info:
            write()
        assert exc_info.value.code == "closed"
    plan.refresh_from_db()
    assert plan.version == version
    # Withdrawing consent is the patient's right, also after the plan closed.
    services.revoke_consent(consent, by=cast.ke_tromso)
    consent.refresh_from_db()
    assert consent.revoked_at is not None


def test_it_takes_the_patient_from_an_organisation_when_consent_is_revoked(cast, plan):
    assert cast.tromso_only not in Patient.objects.visible_to(cast.ke_bodo)
    consent = services.record_consent(plan, cast.bodo, ConsentScope.INFORMATION_SHARING,
                                      ConsentMethod.DIGITAL, by=cast.coordinator)
    assert cast.tromso_only in Patient.objects.visible_to(cast.ke_bodo)
    assert access.get_visible_plan(cast.ke_bodo, plan.uuid) == plan
    with pytest.raises(StateConflict):  # the same consent twice
        services.record_consent(plan, cast.bodo, ConsentScope.INFORMATION_SHARING,
                                ConsentMethod.ORAL, by=cast.coordinator)

    services.revoke_consent(consent, by=cast.coordinator)
    assert cast.tromso_only not in Patient.objects.visible_to(cast.ke_bodo)
    assert plan not in access.visible_plans(cast.ke_bodo)
    with pytest.raises(Http404):
        access.get_visible_plan(cast.ke_bodo, plan.uuid)
    with pytest.raises(StateConflict):
        services.revoke_consent(consent, by=cast.coordinator)
    # The plan's own people keep it.
    assert plan in access.visible_plans(cast.ke_tromso)
    assert plan in access.visible_plans(cast.coordinator)


def test_it_keeps_access_an_organisation_has_on_other_grounds(cast, kora):
    plan = make_plan(cast, kora, patient=cast.shared)  # UNN admitted the patient
    consent = services.record_consent(plan, cast.unn, ConsentScope.INFORMATION_SHARING,
                                      ConsentMethod.WRITTEN, by=cast.ke_tromso)
    services.revoke_consent(consent, by=cast.ke_tromso)
    assert cast.shared in Patient.objects.visible_to(cast.planner)


def test_it_keeps_access_while_another_consent_stands(cast, plan):
    sharing = services.record_consent(plan, cast.bodo, ConsentScope.INFORMATION_SHARING,
                                      ConsentMethod.WRITTEN, by=cast.ke_tromso)
    services.record_consent(plan, cast.bodo, ConsentScope.PLAN, ConsentMethod.WRITTEN,
                            by=cast.ke_tromso)
    services.revoke_consent(sharing, by=cast.ke_tromso)
    assert cast.tromso_only in Patient.objects.visible_to(cast.ke_bodo)


def test_closing_a_plan_ends_the_access_it_gave(cast, plan):
    services.record_consent(plan, cast.bodo, ConsentScope.INFORMATION_SHARING,
                            ConsentMethod.WRITTEN, by=cast.ke_tromso)
    assert plan in access.visible_plans(cast.coordinator)
    assert plan in access.visible_plans(cast.ke_bodo)

    services.set_status(plan, PlanStatus.CLOSED, by=cast.ke_tromso)
    assert plan not in access.visible_plans(cast.ke_bodo)
    assert cast.tromso_only not in Patient.objects.visible_to(cast.ke_bodo)
    assert plan not in access.visible_plans(cast.coordinator)
    # The coordinating unit keeps the record, with who coordinated and who consented.
    assert plan in access.visible_plans(cast.ke_tromso)
    assert plan.assignments.get().coordinator == plan.coordinator
    assert plan.consents.get().revoked_at is None


def test_it_audits_reading_a_plan(cast, plan):
    access.get_visible_plan(cast.coordinator, plan.uuid)
    event = AuditEvent.objects.filter(action="view", object_type="individualplan").get()
    assert event.patient_uuid == cast.tromso_only.uuid and event.role == "coordinator"
