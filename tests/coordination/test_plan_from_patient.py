"""The staff's side of what the patient adds on their own pages: the plan page's "From the
patient" (the patient's goals as proposals to take into the plan, the wordings proposed to
the patient and their answers, the patient's comments on measures, the self-report beside
the previous one), a patient-written goal marked and offered "Propose new wording" instead of
the reword form, "what matters" locked once the patient wrote it, and a query count that does
not grow with any of it."""

import datetime
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coordination import diff, services
from coordination.models import GoalProposal, PlanVersion, ProposalStatus
from pathways.models import Citizen
from registry.models import User

from .conftest import HTMX, activate, fresh, plan_url
from .test_views import PLAN_BUDGET


@pytest.fixture
def patient_user(plan):
    """The plan's patient signed in at their own door (a citizen; staff code and its tests
    do not import the citizen app)."""
    user = User.objects.create_user(username=f"citizen-{uuid.uuid4().hex[:12]}",
                                    first_name="Tor", last_name="Tindvik", is_citizen=True)
    Citizen.objects.create(user=user, identity_number=plan.patient.identity_number)
    return user


def version(plan) -> int:
    return services.current_plan_version(plan)


def page(client, plan) -> str:
    response = client.get(plan_url(plan))
    assert response.status_code == 200
    return response.content.decode()


def test_the_patients_goal_is_a_proposal_the_coordinator_takes_into_the_plan(
        client, cast, plan, patient_user):
    goal = services.patient_add_goal(plan, by=patient_user, text="Gå til butikken selv")
    client.force_login(cast.coordinator)
    html = page(client, plan)
    assert 'id="from-patient"' in html
    assert "Tor foreslår dette målet:" in html
    assert f'id="acknowledge-{goal.uuid}"' in html
    assert f'id="goal-by-patient-{goal.uuid}"' in html and "Skrevet av pasienten" in html
    assert "Ikke tatt inn i planen ennå" in html
    response = client.post(plan_url(plan, "acknowledge_patient_goal", goal_uuid=goal.uuid),
                           {"version": version(plan)}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Pasientens mål er tatt inn i planen." in html
    assert f'id="acknowledge-{goal.uuid}"' not in html
    assert "Ikke tatt inn i planen ennå" not in html
    goal = fresh(goal)
    assert goal.acknowledged_by == cast.coordinator
    # The history says so where the snapshot shows no change.
    assert "Pasientens mål tatt inn i planen" in html[html.index('id="history"'):]


def test_a_stale_acknowledgement_is_refused(client, cast, plan, patient_user):
    goal = services.patient_add_goal(plan, by=patient_user, text="Gå til butikken")
    read = version(plan)
    services.patient_update_goal(goal, by=patient_user, text="Gå til butikken og hjem",
                                 expected_version=read)
    client.force_login(cast.coordinator)
    response = client.post(plan_url(plan, "acknowledge_patient_goal", goal_uuid=goal.uuid),
                           {"version": read}, **HTMX)
    assert response.status_code == 409
    assert fresh(goal).acknowledged_at is None


def test_staff_propose_a_wording_instead_of_rewording_the_patients_goal(
        client, cast, plan, patient_user, goal):
    own = services.patient_add_goal(plan, by=patient_user, text="Gå til butikken")
    client.force_login(cast.coordinator)
    html = page(client, plan)
    # The staff's goal keeps its reword form; the patient's gets "Propose new wording".
    assert f'id="goal-text-form-goal_text-{goal.pk}"' in html
    assert f'id="goal-text-form-goal_text-{own.pk}"' not in html
    assert f'id="goal-propose-form-goal_propose-{own.pk}"' in html
    assert "Foreslå ny formulering" in html
    # The reword route refuses it all the same.
    response = client.post(plan_url(plan, "reword_goal", goal_uuid=own.uuid),
                           {"version": version(plan), "text": "Handle selv"}, **HTMX)
    assert response.status_code == 422
    assert "Skrevet av pasienten: foreslå en ny formulering i stedet." in \
        response.content.decode()
    assert fresh(own).text == "Gå til butikken"
    # An empty proposal is a form error, with the form open.
    response = client.post(plan_url(plan, "propose_goal_wording", goal_uuid=own.uuid),
                           {"version": version(plan), "text": ""}, **HTMX)
    assert response.status_code == 422
    assert 'open>\n  <summary>Foreslå ny formulering' in response.content.decode()
    response = client.post(plan_url(plan, "propose_goal_wording", goal_uuid=own.uuid), {
        "version": version(plan), "text": "Gå til butikken på Storgata selv",
        "reason": "Så vi vet hvilken butikk"}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    proposal = GoalProposal.objects.get()
    assert (proposal.goal, proposal.proposed_by, proposal.status) == (
        own, cast.coordinator, ProposalStatus.OPEN)
    assert "Forslaget er sendt" in html
    assert "En ny formulering venter på svar fra pasienten" in html
    assert f'id="goal-propose-form-goal_propose-{own.pk}"' not in html  # one at a time
    assert "venter på svar fra pasienten" in html and "Så vi vet hvilken butikk" in html
    response = client.post(plan_url(plan, "withdraw_goal_proposal", goal_uuid=own.uuid),
                           **HTMX)
    assert response.status_code == 200
    assert fresh(proposal).status == ProposalStatus.WITHDRAWN
    response = client.post(plan_url(plan, "withdraw_goal_proposal", goal_uuid=own.uuid),
                           **HTMX)
    assert response.status_code == 409  # nothing waits any more


def test_the_patients_answer_shows_on_the_plan(client, cast, plan, patient_user):
    own = services.patient_add_goal(plan, by=patient_user, text="Gå til butikken")
    proposal = services.propose_goal_wording(own, by=cast.coordinator, text="Handle selv")
    services.answer_goal_proposal(proposal, by=patient_user, accept=True)
    client.force_login(cast.ke_tromso)
    html = page(client, plan)
    assert "Pasienten godtok det" in html
    assert '<q class="patient-words">Handle selv</q>' in html
    assert "pasienten godtok formuleringen Kora Koordinator foreslo" in html


def test_what_matters_written_by_the_patient_is_locked_on_the_plan_page(
        client, cast, plan, patient_user):
    services.patient_write_what_matters(plan, by=patient_user, text="Å klare meg selv",
                                        expected_version=version(plan))
    client.force_login(cast.coordinator)
    html = page(client, plan)
    start = html.index('id="what-matters-form"')
    form = html[start:html.index("</form>", start)]
    assert "disabled" in form and "bare pasienten kan endre det" in form
    response = client.post(plan_url(plan, "edit_what_matters"),
                           {"version": version(plan), "what_matters": "Noe annet"}, **HTMX)
    assert response.status_code == 422
    assert "bare pasienten kan endre det" in response.content.decode()
    assert fresh(plan).what_matters == "Å klare meg selv"


def test_the_patients_comments_on_measures_show(client, cast, plan, patient_user, measure):
    services.comment_on_measure(measure, by=patient_user, text="Helst om morgenen")
    client.force_login(cast.coordinator)
    html = page(client, plan)
    start = html.index('id="from-patient"')
    section = html[start:html.index("</section>", start)]
    assert "Pasientens kommentarer til tiltak" in section
    assert "Trening to ganger i uka" in section and "Helst om morgenen" in section
    assert "Tor Tindvik" in section


def test_nothing_from_the_patient_no_section(client, cast, plan, goal, measure):
    client.force_login(cast.coordinator)
    assert 'id="from-patient"' not in page(client, plan)


def evaluate(cast, plan, next_on):
    services.record_evaluation(plan, by=cast.ke_tromso, evaluated_on=timezone.localdate(),
                               summary="Går fremover", next_evaluation_on=next_on)


def test_the_self_report_beside_the_previous_one(client, cast, plan, patient_user):
    plan = activate(cast, plan)
    goal = plan.goals.get()
    services.submit_self_report(plan, by=patient_user, scores={goal: (3, 4, "")})
    evaluate(cast, plan, timezone.localdate() + datetime.timedelta(days=200))
    services.submit_self_report(fresh(plan), by=patient_user,
                                scores={goal: (5, 4, "Bedre nå")})
    client.force_login(cast.coordinator)
    html = page(client, plan)
    row = html[html.index(f'id="self-report-{goal.uuid}"'):]
    row = row[:row.index("</tr>")]
    assert ">5 <span" in row and "(var 3, +2)" in row
    assert "(var 4, +0)" in row and "Bedre nå" in row


def test_outsiders_cannot_take_the_patients_goal_in(client, cast, plan, patient_user):
    goal = services.patient_add_goal(plan, by=patient_user, text="Gå til butikken")
    client.force_login(cast.ke_bodo)
    response = client.post(plan_url(plan, "acknowledge_patient_goal", goal_uuid=goal.uuid),
                           {"version": version(plan)}, **HTMX)
    assert response.status_code == 404
    response = client.post(plan_url(plan, "propose_goal_wording", goal_uuid=goal.uuid),
                           {"version": version(plan), "text": "Noe"}, **HTMX)
    assert response.status_code == 404
    assert fresh(goal).acknowledged_at is None and not GoalProposal.objects.exists()


def test_the_snapshot_marks_the_patients_goal_and_an_older_snapshot_is_no_change(
        cast, plan, patient_user):
    goal = services.patient_add_goal(plan, by=patient_user, text="Gå til butikken")
    snapshot = services.snapshot(fresh(plan))
    assert [g["written_by_patient"] for g in snapshot["goals"]] == [True]
    older = {**snapshot, "goals": [{k: v for k, v in g.items() if k != "written_by_patient"}
                                   for g in snapshot["goals"]]}
    assert diff.diff_snapshots(older, snapshot) == []
    added = diff.diff_plan(plan, version(plan) - 1)
    assert [(c.section, c.kind) for c in added] == [("goals", "added")]
    assert PlanVersion.objects.filter(plan=plan).latest("number").created_by == patient_user
    assert goal.written_by_patient


@pytest.mark.parametrize("reader", ["coordinator", "ke_tromso"])
def test_the_section_keeps_the_plan_pages_query_budget(client, cast, plan, patient_user,
                                                       django_assert_max_num_queries, reader):
    """With everything from the patient (their goals with proposals, comments, self-reports
    on a plan in force) the section adds the proposals and the self-reports to the page's
    budget, and nothing more however many there are."""
    plan = activate(cast, plan)

    def grow(rows):
        for n in range(rows):
            goal = services.patient_add_goal(plan, by=patient_user, text=f"Mål {n}")
            services.propose_goal_wording(goal, by=cast.ke_tromso, text=f"Mål {n} bedre")
            measure = services.add_measure(plan, by=cast.ke_tromso, description=f"Tiltak {n}")
            services.comment_on_measure(measure, by=patient_user, text=f"Kommentar {n}")
            services.submit_self_report(plan, by=patient_user, scores={goal: (n % 10 + 1, 5, "")})

    grow(1)
    client.force_login(getattr(cast, reader))
    with CaptureQueriesContext(connection) as few:
        page(client, plan)
    grow(12)
    with django_assert_max_num_queries(min(len(few), PLAN_BUDGET + 2)):
        html = page(client, plan)
    assert html.count('<tr id="self-report-') == 13
    assert html.count('id="measure-comment-') == 13
    assert html.count("Tor foreslår dette målet:") == 13
