"""The plan page's inline edits of goals, measures, the responsible group and evaluations, and
the KE's coordinator profiles: success, the services' refusals, and outsiders kept out."""

import datetime
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from coordination import services
from coordination.models import (
    AchievementStatus,
    ConsentMethod,
    ConsentScope,
    Coordinator,
    MeasureStatus,
    PlanParticipantKind,
    PlanStatus,
)
from registry.models import Role
from tests import factories

from .conftest import HTMX, activate, fresh, make_plan, plan_url

# ---------------------------------------------------------------------------------------
# Goals


def test_the_plan_page_offers_the_new_forms(client, cast, plan, goal, measure):
    client.force_login(cast.coordinator)
    html = client.get(plan_url(plan)).content.decode()
    assert f'id="goal-update-form-goal_update-{goal.pk}"' in html
    assert f'id="sub-goal-form-sub_goal-{goal.pk}"' in html
    assert f'id="measure-form-measure_update-{measure.pk}"' in html
    assert 'id="participant-form"' in html
    assert f'id="id_goal{goal.pk}_status"' in html


def test_it_updates_a_goals_achievement_and_target_date(client, cast, plan, goal):
    client.force_login(cast.coordinator)
    response = client.post(plan_url(plan, "update_goal", goal_uuid=goal.uuid),
                           {"version": fresh(plan).version, "status": AchievementStatus.IN_PROGRESS,
                            "target_date": "2030-05-01"}, **HTMX)
    assert response.status_code == 200
    goal.refresh_from_db()
    assert goal.target_date == datetime.date(2030, 5, 1)
    assert goal.status == AchievementStatus.IN_PROGRESS


def test_a_stale_goal_update_is_a_conflict(client, cast, plan, goal):
    read = fresh(plan).version
    services.update_plan(plan, by=cast.ke_tromso, expected_version=read, what_matters="KE")
    client.force_login(cast.coordinator)
    response = client.post(plan_url(plan, "update_goal", goal_uuid=goal.uuid),
                           {"version": read, "status": AchievementStatus.NOT_STARTED,
                            "target_date": "2030-05-01"}, **HTMX)
    assert response.status_code == 409
    assert f'name="version" value="{fresh(plan).version}"' in response.content.decode()
    goal.refresh_from_db()
    assert goal.target_date is None


def test_a_goal_update_needs_a_valid_status(client, cast, plan, goal):
    client.force_login(cast.coordinator)
    response = client.post(plan_url(plan, "update_goal", goal_uuid=goal.uuid),
                           {"version": fresh(plan).version, "status": "nonsense"}, **HTMX)
    assert response.status_code == 422
    assert 'class="error-summary"' in response.content.decode()


def test_it_adds_a_sub_goal_under_a_main_goal(client, cast, plan, goal):
    client.force_login(cast.coordinator)
    response = client.post(plan_url(plan, "add_sub_goal", goal_uuid=goal.uuid),
                           {"version": fresh(plan).version, "text": "Gå til postkassen",
                            "status": AchievementStatus.NOT_STARTED}, **HTMX)
    assert response.status_code == 200
    sub = plan.goals.get(parent=goal)
    assert sub.text == "Gå til postkassen"
    assert f'id="goal-{sub.pk}"' in response.content.decode()


def test_a_sub_goal_cannot_have_sub_goals(client, cast, plan, goal):
    sub = services.add_goal(plan, by=cast.ke_tromso, text="Delmål", parent=goal)
    client.force_login(cast.coordinator)
    response = client.post(plan_url(plan, "add_sub_goal", goal_uuid=sub.uuid),
                           {"version": fresh(plan).version, "text": "Under delmål",
                            "status": AchievementStatus.NOT_STARTED}, **HTMX)
    assert response.status_code == 422
    assert plan.goals.count() == 2


def test_a_goal_of_another_plan_is_not_found(client, cast, kora, plan):
    other = make_plan(cast, kora, cast.shared)
    other_goal = services.add_goal(other, by=cast.ke_tromso, text="Annet")
    client.force_login(cast.coordinator)
    response = client.post(plan_url(plan, "update_goal", goal_uuid=other_goal.uuid),
                           {"version": fresh(plan).version,
                            "status": AchievementStatus.NOT_STARTED}, **HTMX)
    assert response.status_code == 404


# ---------------------------------------------------------------------------------------
# Measures


def test_it_updates_a_measures_status_and_period(client, cast, plan, measure):
    client.force_login(cast.coordinator)
    response = client.post(plan_url(plan, "update_measure", measure_uuid=measure.uuid),
                           {"version": fresh(plan).version, "status": MeasureStatus.ONGOING,
                            "starts_on": "2026-01-01", "ends_on": "2026-03-01"}, **HTMX)
    assert response.status_code == 200
    measure.refresh_from_db()
    assert measure.status == MeasureStatus.ONGOING
    assert measure.ends_on == datetime.date(2026, 3, 1)


def test_a_measure_cannot_end_before_it_starts(client, cast, plan, measure):
    client.force_login(cast.coordinator)
    response = client.post(plan_url(plan, "update_measure", measure_uuid=measure.uuid),
                           {"version": fresh(plan).version, "status": MeasureStatus.ONGOING,
                            "starts_on": "2026-03-01", "ends_on": "2026-01-01"}, **HTMX)
    assert response.status_code == 422
    form = response.context["measures"][0].update_form
    assert "ends_on" in form.errors
    measure.refresh_from_db()
    assert measure.status == MeasureStatus.PLANNED


# ---------------------------------------------------------------------------------------
# The responsible group


def test_it_adds_and_removes_a_member_of_the_responsible_group(client, cast, plan):
    client.force_login(cast.coordinator)
    response = client.post(plan_url(plan, "add_participant"),
                           {"version": fresh(plan).version, "kind": PlanParticipantKind.PROVIDER,
                            "name": "Fysioterapeut Finn", "organization": cast.tromso.pk,
                            "contribution": "Trening"}, **HTMX)
    assert response.status_code == 200
    participant = plan.participants.get()
    assert participant.organization == cast.tromso
    assert "Fysioterapeut Finn" in response.content.decode()
    response = client.post(plan_url(plan, "remove_participant", participant_uuid=participant.uuid),
                           {"version": fresh(plan).version}, **HTMX)
    assert response.status_code == 200
    assert not plan.participants.exists()


def test_a_member_needs_a_name(client, cast, plan):
    client.force_login(cast.coordinator)
    response = client.post(plan_url(plan, "add_participant"),
                           {"version": fresh(plan).version, "kind": PlanParticipantKind.GP},
                           **HTMX)
    assert response.status_code == 422
    assert not plan.participants.exists()


def test_a_stale_removal_is_a_conflict(client, cast, plan):
    participant = services.add_participant(plan, by=cast.ke_tromso,
                                           kind=PlanParticipantKind.GP, name="Lege Lise")
    read = fresh(plan).version
    services.update_plan(plan, by=cast.ke_tromso, expected_version=read, what_matters="KE")
    client.force_login(cast.coordinator)
    response = client.post(plan_url(plan, "remove_participant", participant_uuid=participant.uuid),
                           {"version": read}, **HTMX)
    assert response.status_code == 409
    assert 'id="plan-flash"' in response.content.decode()
    assert plan.participants.exists()


# ---------------------------------------------------------------------------------------
# Evaluations


def test_it_records_an_evaluation_of_a_plan_in_force(client, cast, plan):
    plan = activate(cast, plan)
    today = timezone.localdate()
    client.force_login(cast.coordinator)
    response = client.post(plan_url(plan, "record_evaluation"),
                           {"version": fresh(plan).version, "evaluated_on": today.isoformat(),
                            "summary": "Går bedre", "goal_achievement": "Delvis",
                            "next_evaluation_on": (today + datetime.timedelta(days=90))
                            .isoformat()}, **HTMX)
    assert response.status_code == 200
    assert plan.evaluations.get().summary == "Går bedre"
    assert fresh(plan).next_evaluation_on == today + datetime.timedelta(days=90)


def test_the_next_evaluation_must_come_after_this_one(client, cast, plan):
    plan = activate(cast, plan)
    today = timezone.localdate()
    client.force_login(cast.coordinator)
    response = client.post(plan_url(plan, "record_evaluation"),
                           {"version": fresh(plan).version, "evaluated_on": today.isoformat(),
                            "summary": "Går bedre",
                            "next_evaluation_on": today.isoformat()}, **HTMX)
    assert response.status_code == 422
    assert not plan.evaluations.exists()


def test_a_plan_in_preparation_cannot_be_evaluated(client, cast, plan):
    client.force_login(cast.coordinator)
    response = client.post(plan_url(plan, "record_evaluation"),
                           {"version": fresh(plan).version,
                            "evaluated_on": timezone.localdate().isoformat(),
                            "summary": "For tidlig"}, **HTMX)
    assert response.status_code == 409
    assert not plan.evaluations.exists()


# ---------------------------------------------------------------------------------------
# Closed plans and outsiders


def test_a_closed_plan_refuses_the_new_edits(client, cast, plan, goal):
    plan = activate(cast, plan)
    plan = services.set_status(plan, PlanStatus.CLOSED, by=cast.ke_tromso)
    # The coordinating unit keeps the closed plan, read-only; the coordinator's access ended.
    client.force_login(cast.coordinator)
    assert client.get(plan_url(plan)).status_code == 404
    client.force_login(cast.ke_tromso)
    html = client.get(plan_url(plan)).content.decode()
    assert "<form" not in html.split('id="plan-body"')[1].split("</main>")[0]
    response = client.post(plan_url(plan, "update_goal", goal_uuid=goal.uuid),
                           {"version": plan.version, "status": AchievementStatus.NOT_STARTED,
                            "target_date": "2030-01-01"}, **HTMX)
    assert response.status_code == 409
    response = client.post(plan_url(plan, "add_participant"),
                           {"version": plan.version, "kind": PlanParticipantKind.GP,
                            "name": "Lege"}, **HTMX)
    assert response.status_code == 409
    assert not plan.participants.exists()


@pytest.mark.parametrize(("name", "kwargs", "data"), [
    ("update_goal", {"goal_uuid": "goal"}, {"status": "not_started"}),
    ("add_sub_goal", {"goal_uuid": "goal"}, {"text": "X", "status": "not_started"}),
    ("update_measure", {"measure_uuid": "measure"}, {"status": "ongoing"}),
    ("add_participant", {}, {"kind": "gp", "name": "Lege"}),
    ("remove_participant", {"participant_uuid": "participant"}, {}),
    ("record_evaluation", {}, {"evaluated_on": "2026-01-01", "summary": "X"}),
])
def test_another_municipalitys_ke_cannot_edit(client, cast, plan, goal, measure, name, kwargs,
                                              data):
    participant = services.add_participant(plan, by=cast.ke_tromso,
                                           kind=PlanParticipantKind.GP, name="Lege Lise")
    items = {"goal": goal.uuid, "measure": measure.uuid, "participant": participant.uuid}
    before = fresh(plan).version
    client.force_login(cast.ke_bodo)
    response = client.post(plan_url(plan, name, **{k: items[v] for k, v in kwargs.items()}),
                           {"version": before, **data}, **HTMX)
    assert response.status_code == 404
    assert fresh(plan).version == before


@pytest.mark.parametrize("path", ["goals/{}/", "goals/{}/sub-goals/", "measures/{}/",
                                  "participants/{}/remove/", "consents/{}/revoke/"])
def test_a_plan_item_is_named_by_its_uuid_alone(client, cast, plan, goal, measure, path):
    participant = services.add_participant(plan, by=cast.ke_tromso,
                                           kind=PlanParticipantKind.GP, name="Lege Lise")
    consent = services.record_consent(plan, plan.municipality, ConsentScope.PLAN,
                                      ConsentMethod.WRITTEN, by=cast.ke_tromso)
    item = {"goals": goal, "measures": measure, "participants": participant,
            "consents": consent}[path.split("/")[0]]
    client.force_login(cast.ke_tromso)
    page = client.get(plan_url(plan)).content.decode()
    assert f'"{plan_url(plan)}{path.format(item.uuid)}"' in page  # the page's own link
    before = fresh(plan).version
    for wrong in (item.pk, "-" * 36, "not-a-uuid", uuid.uuid4()):  # the database id too
        response = client.post(f"{plan_url(plan)}{path.format(wrong)}", {"version": before},
                               **HTMX)
        assert response.status_code == 404, wrong
    assert fresh(plan).version == before


# ---------------------------------------------------------------------------------------
# Coordinator profiles on the KE's overview


def test_the_ke_appoints_a_staff_member_as_coordinator(client, cast):
    nurse = factories.user("nurse", cast.tromso, Role.COORDINATOR, first_name="Nina",
                           last_name="Nilsen")
    client.force_login(cast.ke_tromso)
    url = reverse("coordination:create_coordinator")
    form = client.get(url, **HTMX)
    assert form.status_code == 200
    assert "Nina" in form.content.decode()
    response = client.post(url, {"organization": cast.tromso.pk, "user": nurse.pk,
                                 "kind": "general", "profession": "Sykepleier",
                                 "training_completed_on": "2025-06-01", "capacity": 8}, **HTMX)
    assert response.status_code == 200
    coordinator = Coordinator.objects.get(user=nurse)
    assert coordinator.capacity == 8
    assert coordinator.training_completed_on == datetime.date(2025, 6, 1)
    assert f'id="coordinator-{coordinator.uuid}"' in response.content.decode()


def test_a_coordinator_must_work_for_the_municipality(client, cast):
    outsider = factories.user("outsider", cast.bodo, Role.COORDINATOR)
    client.force_login(cast.ke_tromso)
    response = client.post(reverse("coordination:create_coordinator"),
                           {"organization": cast.tromso.pk, "user": outsider.pk,
                            "kind": "general", "capacity": 5}, **HTMX)
    assert response.status_code == 422
    assert 'class="error-summary"' in response.content.decode()
    assert not Coordinator.objects.filter(user=outsider).exists()


def test_the_ke_cannot_appoint_in_another_municipality(client, cast):
    client.force_login(cast.ke_bodo)
    response = client.post(reverse("coordination:create_coordinator"),
                           {"organization": cast.tromso.pk, "user": cast.coordinator.pk,
                            "kind": "general", "capacity": 5}, **HTMX)
    assert response.status_code == 422
    assert not Coordinator.objects.exists()


def test_only_ke_staff_appoint_coordinators(client, cast):
    client.force_login(cast.planner)
    assert client.get(reverse("coordination:create_coordinator")).status_code == 403


def test_the_ke_updates_training_and_capacity(client, cast, kora):
    client.force_login(cast.ke_tromso)
    url = reverse("coordination:update_coordinator", kwargs={"uuid": kora.uuid})
    assert client.get(url, **HTMX).status_code == 200
    response = client.post(url, {"training_completed_on": "2025-09-01", "capacity": 12},
                           **HTMX)
    assert response.status_code == 200
    kora.refresh_from_db()
    assert kora.capacity == 12
    assert kora.training_completed_on == datetime.date(2025, 9, 1)


def test_a_capacity_below_one_is_refused(client, cast, kora):
    client.force_login(cast.ke_tromso)
    url = reverse("coordination:update_coordinator", kwargs={"uuid": kora.uuid})
    response = client.post(url, {"capacity": 0}, **HTMX)
    assert response.status_code == 422
    kora.refresh_from_db()
    assert kora.capacity == 10


def test_another_municipalitys_ke_cannot_see_the_profile(client, cast, kora):
    client.force_login(cast.ke_bodo)
    url = reverse("coordination:update_coordinator", kwargs={"uuid": kora.uuid})
    assert client.get(url).status_code == 404
    assert client.post(url, {"capacity": 1}).status_code == 404
    kora.refresh_from_db()
    assert kora.capacity == 10


def test_without_htmx_an_edit_redirects_and_a_refusal_renders_the_page(client, cast, plan,
                                                                       measure):
    client.force_login(cast.coordinator)
    url = plan_url(plan, "update_measure", measure_uuid=measure.uuid)
    response = client.post(url, {"version": fresh(plan).version, "status": "ongoing",
                                 "starts_on": "2026-03-01", "ends_on": "2026-01-01"})
    assert response.status_code == 422
    assert '<details open>' in response.content.decode() or " open>" in \
        response.content.decode()
    response = client.post(url, {"version": fresh(plan).version, "status": "ongoing"})
    assert response.status_code == 302
    assert response["Location"] == plan_url(plan)
