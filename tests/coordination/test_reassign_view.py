"""Changing the plan's coordinator from the plan page: for the KE of the plan's municipality
only, with load and capacity, the patient's wishes, the history, and stale forms refused."""

import pytest
from django.conf import settings
from django.urls import reverse

from coordination import services
from coordination.models import CoordinatorAssignment, PlanStatus

from .conftest import activate, make_plan

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def url(plan, name="reassign_coordinator"):
    return reverse(f"coordination:{name}", kwargs={"uuid": plan.uuid})


def test_ke_staff_see_the_form_with_load_and_capacity(english, cast, plan, second_coordinator):
    english.force_login(cast.ke_tromso)
    html = english.get(url(plan, "plan_detail")).content.decode()
    form = html.split('id="reassign-form"')[1].split("</form>")[0]
    assert "Kai Koordinator (Coordinator, 0 of 10 plans)" in form
    assert "Kora Koordinator" not in form  # the current coordinator is no choice
    assert 'for="id_reassign_coordinator"' in form
    assert 'for="id_reassign_allow_over_capacity"' in form
    assert f'name="version" value="{plan.version}"' in form


def test_ke_staff_change_the_coordinator_and_the_history_shows_both(english, cast, plan,
                                                                     second_coordinator):
    english.force_login(cast.ke_tromso)
    response = english.post(url(plan), {"version": plan.version,
                                        "coordinator": second_coordinator.pk,
                                        "patient_wishes": "Helst en som kjenner familien"},
                            **HTMX)
    assert response.status_code == 200
    plan.refresh_from_db()
    assert plan.coordinator == second_coordinator
    html = response.content.decode()
    assert "Kai Koordinator is now the plan&#x27;s coordinator." in html
    assert '<span id="plan-coordinator">Kai Koordinator</span>' in html
    history = html.split('id="assignments"')[1].split("</table>")[0]
    assert history.index("Kora Koordinator") < history.index("Kai Koordinator")
    assert "Someone who speaks slowly" in history  # the first assignment's wishes
    assert "Helst en som kjenner familien" in history
    assert history.count('<tr id="assignment-') == 2
    assert CoordinatorAssignment.objects.get(plan=plan, ended_at__isnull=True
                                             ).coordinator == second_coordinator


def test_over_capacity_is_a_form_error_until_confirmed(english, cast, plan,
                                                       second_coordinator):
    services.update_coordinator_profile(second_coordinator, by=cast.ke_tromso, capacity=1)
    make_plan(cast, second_coordinator, patient=cast.shared)
    english.force_login(cast.ke_tromso)
    data = {"version": plan.version, "coordinator": second_coordinator.pk,
            "patient_wishes": "Kai"}
    response = english.post(url(plan), data, **HTMX)
    assert response.status_code == 422
    html = response.content.decode()
    assert 'href="#id_reassign_coordinator">New coordinator: Kai Koordinator already ' \
        'coordinates 1 plans (capacity 1)' in html
    assert 'id="id_reassign_allow_over_capacity"' in html  # the way to confirm
    assert "<details open>" in html  # the form stays open with the input
    plan.refresh_from_db()
    assert plan.coordinator.user == cast.coordinator
    response = english.post(url(plan), {**data, "allow_over_capacity": "on"}, **HTMX)
    assert response.status_code == 200
    plan.refresh_from_db()
    assert plan.coordinator == second_coordinator


def test_a_coordinator_is_required(english, cast, plan, second_coordinator):
    english.force_login(cast.ke_tromso)
    response = english.post(url(plan), {"version": plan.version}, **HTMX)
    assert response.status_code == 422
    assert 'href="#id_reassign_coordinator">New coordinator: This field is required.' in \
        response.content.decode()


def test_a_stale_form_shows_the_conflict_and_keeps_the_input(english, cast, plan,
                                                             second_coordinator):
    read = plan.version
    services.update_plan(plan, by=cast.coordinator, expected_version=read,
                         what_matters="Komme hjem før jul")
    english.force_login(cast.ke_tromso)
    response = english.post(url(plan), {"version": read, "coordinator": second_coordinator.pk,
                                        "patient_wishes": "Mine ønsker"}, **HTMX)
    assert response.status_code == 409
    html = response.content.decode()
    plan.refresh_from_db()
    assert f"Someone changed the plan since you read it (now version {plan.version})" in html
    assert "Changed: plan what matters to you?" in html
    assert "Mine ønsker</textarea>" in html
    assert f'name="version" value="{plan.version}"' in html
    assert plan.coordinator.user == cast.coordinator


def test_the_plans_coordinator_cannot_hand_the_plan_on(english, cast, plan,
                                                       second_coordinator):
    english.force_login(cast.coordinator)
    assert 'id="reassign-form"' not in english.get(url(plan, "plan_detail")).content.decode()
    response = english.post(url(plan), {"version": plan.version,
                                        "coordinator": second_coordinator.pk}, **HTMX)
    assert response.status_code == 403
    assert "Only the coordinating unit of Tromsø may do this." in response.content.decode()
    plan.refresh_from_db()
    assert plan.coordinator.user == cast.coordinator


@pytest.mark.parametrize("member", ["planner", "ke_bodo"])
def test_others_do_not_find_the_plan(client, cast, plan, second_coordinator, member):
    client.force_login(getattr(cast, member))
    response = client.post(url(plan), {"version": plan.version,
                                       "coordinator": second_coordinator.pk})
    assert response.status_code == 404
    plan.refresh_from_db()
    assert plan.coordinator.user == cast.coordinator


def test_a_closed_plan_offers_no_change(english, cast, plan, second_coordinator):
    plan = services.set_status(activate(cast, plan), PlanStatus.CLOSED, by=cast.ke_tromso)
    english.force_login(cast.ke_tromso)
    html = english.get(url(plan, "plan_detail")).content.decode()
    assert 'id="reassign-form"' not in html
    assert 'id="assignments"' in html  # the history stays
    response = english.post(url(plan), {"version": plan.version,
                                        "coordinator": second_coordinator.pk}, **HTMX)
    assert response.status_code == 409
    plan.refresh_from_db()
    assert plan.coordinator.user == cast.coordinator
