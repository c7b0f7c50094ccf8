"""Goals and measures can be reworded after they are created, by the plan's coordinator and
the KE: the plan's version rises, the version history shows the old and the new wording, a
goal in the patient's words stays marked as theirs with who reworded it, and a stale edit
overwrites nothing."""

import pytest

from coordination import pdf, services
from coordination.models import Goal, Measure

from .conftest import HTMX, fresh, make_plan, plan_url
from .test_pdf import pages_text


def history(html: str) -> str:
    return html[html.index('id="history"'):]


def test_the_plan_page_offers_to_reword_goals_and_measures(client, cast, plan, goal, measure):
    client.force_login(cast.coordinator)
    html = client.get(plan_url(plan)).content.decode()
    assert f'id="goal-text-form-goal_text-{goal.pk}"' in html
    assert f'id="measure-text-form-measure_text-{measure.pk}"' in html
    assert f'id="id_goaltext{goal.pk}_text"' in html and "Gå tur med hunden</textarea>" in html


@pytest.mark.parametrize("member", ["ke_tromso", "coordinator"])
def test_rewording_a_patients_goal_bumps_the_version_keeps_it_theirs_and_shows_in_the_diff(
        client, cast, plan, goal, member):
    version = fresh(plan).version
    client.force_login(getattr(cast, member))
    response = client.post(plan_url(plan, "reword_goal", goal_uuid=goal.uuid),
                           {"version": version, "text": "Gå tur med hunden til fjæra"}, **HTMX)
    assert response.status_code == 200
    goal = fresh(goal)
    assert goal.text == "Gå tur med hunden til fjæra"
    assert goal.expressed_by_patient  # still the patient's goal
    assert goal.reworded_by == getattr(cast, member)
    assert fresh(plan).version == version + 1
    html = response.content.decode()
    who = getattr(cast, member).display_name()
    assert f"pasientens ord, omformulert av {who}" in html
    assert '<q class="patient-words">Gå tur med hunden til fjæra</q>' in html
    newest = history(html)
    newest = newest[:newest.index(f'id="version-{version}"')]  # the newest version's entry
    assert "<del>Gå tur med hunden</del>" in newest
    assert "<ins>Gå tur med hunden til fjæra</ins>" in newest
    assert services.snapshot(fresh(plan))["goals"][0]["text"] == "Gå tur med hunden til fjæra"


def test_a_status_change_does_not_mark_the_goal_reworded(client, cast, plan, goal):
    client.force_login(cast.coordinator)
    response = client.post(plan_url(plan, "update_goal", goal_uuid=goal.uuid),
                           {"version": fresh(plan).version, "status": "in_progress"}, **HTMX)
    assert response.status_code == 200
    assert fresh(goal).reworded_by is None
    assert "omformulert av" not in response.content.decode()


def test_rewording_a_measure_bumps_the_version_and_shows_in_the_diff(
        client, cast, plan, measure):
    version = fresh(plan).version
    client.force_login(cast.coordinator)
    response = client.post(plan_url(plan, "reword_measure", measure_uuid=measure.uuid), {
        "version": version, "description": "Styrketrening tre ganger i uka",
        "responsible_person": "Fysioterapeut Berg", "extent": "45 minutter"}, **HTMX)
    assert response.status_code == 200
    measure = fresh(measure)
    assert (measure.description, measure.responsible_person, measure.extent) == (
        "Styrketrening tre ganger i uka", "Fysioterapeut Berg", "45 minutter")
    assert fresh(plan).version == version + 1
    html = history(response.content.decode())
    assert "<del>Trening to ganger i uka</del>" in html
    assert "<ins>Styrketrening tre ganger i uka</ins>" in html


def test_a_stale_rewording_is_refused_and_overwrites_nothing(client, cast, plan, goal):
    read = fresh(plan).version
    services.update_goal(goal, by=cast.ke_tromso, expected_version=read,
                         text="Gå tur med hunden hver dag")
    client.force_login(cast.coordinator)
    response = client.post(plan_url(plan, "reword_goal", goal_uuid=goal.uuid),
                           {"version": read, "text": "Gå tur alene"}, **HTMX)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Noen har endret planen siden du leste den" in html
    assert "Gå tur alene</textarea>" in html  # the user's input stays, to save deliberately
    assert f'name="version" value="{read + 1}"' in html
    assert fresh(goal).text == "Gå tur med hunden hver dag"
    assert fresh(plan).version == read + 1


def test_an_empty_wording_is_a_form_error(client, cast, plan, goal):
    client.force_login(cast.coordinator)
    response = client.post(plan_url(plan, "reword_goal", goal_uuid=goal.uuid),
                           {"version": fresh(plan).version, "text": "  "}, **HTMX)
    assert response.status_code == 422
    assert fresh(goal).text == "Gå tur med hunden"


def test_a_measure_with_neither_text_nor_service_is_refused(client, cast, plan, measure):
    client.force_login(cast.coordinator)
    response = client.post(plan_url(plan, "reword_measure", measure_uuid=measure.uuid),
                           {"version": fresh(plan).version, "description": ""}, **HTMX)
    assert response.status_code == 422
    assert fresh(measure).description == "Trening to ganger i uka"


@pytest.mark.parametrize(("member", "status"), [("planner", 403), ("ke_bodo", 404)])
def test_only_the_coordinator_and_the_ke_may_reword(client, cast, kora, member, status):
    """The planner at UNN sees the shared patient's plan but may not change it; Bodø's KE
    does not see it at all."""
    plan = make_plan(cast, kora, cast.shared)
    goal = services.add_goal(plan, by=cast.ke_tromso, text="Gå tur med hunden")
    measure = services.add_measure(plan, by=cast.ke_tromso,
                                   description="Trening to ganger i uka")
    client.force_login(getattr(cast, member))
    version = fresh(plan).version
    goal_response = client.post(plan_url(plan, "reword_goal", goal_uuid=goal.uuid),
                                {"version": version, "text": "Noe annet"}, **HTMX)
    measure_response = client.post(plan_url(plan, "reword_measure", measure_uuid=measure.uuid),
                                   {"version": version, "description": "Noe annet"}, **HTMX)
    assert goal_response.status_code == measure_response.status_code == status
    assert Goal.objects.get(pk=goal.pk).text == "Gå tur med hunden"
    assert Measure.objects.get(pk=measure.pk).description == "Trening to ganger i uka"
    assert fresh(plan).version == version


def test_the_print_says_who_reworded_the_patients_goal(cast, plan, goal):
    services.update_goal(goal, by=cast.ke_tromso, expected_version=fresh(plan).version,
                         text="Gå tur med hunden til fjæra")
    text = "\n".join(pages_text(pdf.print_plan(fresh(plan), printed_by=cast.coordinator)
                                .content))
    assert "Gå tur med hunden til fjæra" in text
    assert "pasientens ord, omformulert av Kåre Tromsø" in " ".join(text.split())
