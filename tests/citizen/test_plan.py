"""My plan on the patient's own pages: the plan in plain words, goals first; the patient's
own goals and "what matters to me" (theirs alone: staff propose, the patient accepts);
comments on measures; the self-report before an evaluation; the PDF; and who may do what
(the patient, a representative given the plan, one not given it, another patient)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from citizen.auth import BACKEND, citizen_user
from common.exceptions import StaleVersion, StateConflict
from coordination import services
from coordination.models import (
    Goal,
    GoalProposal,
    IndividualPlan,
    MeasureComment,
    PlanStatus,
    PlanVersion,
    ProposalStatus,
    SelfReport,
)
from pathways.models import Representation, RepresentationKind
from registry.models import AuditAction, AuditEvent, AuditObjectType
from tests import factories


@pytest.fixture
def kora(cast):
    return factories.coordinator(cast)


@pytest.fixture
def plan(cast, kora):
    """Astrid's plan in Tromsø, in preparation, coordinated by Kora."""
    return factories.individual_plan(cast, kora, patient=cast.shared)


@pytest.fixture
def astrid(cast):
    return citizen_user(cast.shared.identity_number, given_name="Astrid", family_name="Aune")


@pytest.fixture
def signed_in(client, astrid):
    client.force_login(astrid, backend=BACKEND)
    return client


def version(plan) -> int:
    return services.current_plan_version(plan)


def fresh(record):
    record.refresh_from_db()
    return record


def url(name, patient, *args):
    return reverse(f"citizen:{name}", args=[patient.uuid, *(a.uuid for a in args)])


def representative(cast, *, plan=True, meetings=False):
    number = factories.identity_number(datetime.date(1980, 5, 1))
    Representation.objects.create(
        patient=cast.shared, kind=RepresentationKind.NEXT_OF_KIN,
        representative_identity_number=number, representative_name="Dina Aune",
        sees_plan=plan, sees_meetings=meetings, sees_messages=not (plan or meetings),
        created_by=cast.ke_tromso, updated_by=cast.ke_tromso)
    return citizen_user(number, given_name="Dina", family_name="Aune")


def in_force(cast, plan):
    """The plan active, with the KE's goal, consent and (set on activation) a next
    evaluation date."""
    return factories.activate_plan(cast, plan)


# ---------------------------------------------------------------------------------------
# The services


def test_the_patient_adds_a_goal_marked_as_theirs_in_the_history(cast, plan, astrid):
    before = version(plan)
    goal = services.patient_add_goal(plan, by=astrid, text="  Gå til butikken selv  ")
    assert (goal.text, goal.written_by_patient, goal.expressed_by_patient) == (
        "Gå til butikken selv", True, True)
    assert goal.acknowledged_at is None
    newest = PlanVersion.objects.get(plan=plan, number=before + 1)
    assert newest.created_by == astrid
    assert newest.summary == "goal added by the patient"
    assert str(newest.get_summary_display()) == "Mål lagt til av pasienten"
    assert newest.snapshot["goals"][-1]["written_by_patient"] is True
    event = AuditEvent.objects.filter(object_id=str(goal.uuid)).get()
    assert (event.user, event.action, event.patient_uuid) == (
        astrid, AuditAction.CREATE, cast.shared.uuid)


def test_the_patient_rewords_their_goal_but_not_the_staffs(cast, plan, astrid):
    own = services.patient_add_goal(plan, by=astrid, text="Gå til butikken")
    staffs = services.add_goal(plan, by=cast.ke_tromso, text="Trene styrke")
    services.patient_update_goal(own, by=astrid, text="Gå til butikken og hjem",
                                 expected_version=version(plan))
    assert fresh(own).text == "Gå til butikken og hjem"
    assert PlanVersion.objects.filter(plan=plan).latest("number").summary == \
        "goal changed by the patient"
    with pytest.raises(ValidationError) as refused:
        services.patient_update_goal(staffs, by=astrid, text="Noe annet",
                                     expected_version=version(plan))
    assert "text" in refused.value.message_dict
    assert fresh(staffs).text == "Trene styrke"


def test_staff_cannot_reword_a_patients_goal_but_may_change_its_status(cast, plan, astrid):
    goal = services.patient_add_goal(plan, by=astrid, text="Gå til butikken")
    with pytest.raises(ValidationError) as refused:
        services.update_goal(goal, by=cast.ke_tromso, text="Handle selv")
    assert refused.value.message_dict["text"] == [
        "Skrevet av pasienten: foreslå en ny formulering i stedet."]
    assert fresh(goal).text == "Gå til butikken"
    services.update_goal(goal, by=cast.ke_tromso, status="in_progress", text="Gå til butikken")
    assert fresh(goal).status == "in_progress"


def test_a_staff_proposal_accepted_changes_the_words_and_keeps_the_goal_the_patients(
        cast, plan, astrid, kora):
    goal = services.patient_add_goal(plan, by=astrid, text="Gå til butikken")
    proposal = services.propose_goal_wording(goal, by=cast.coordinator,
                                             text="Gå til butikken på Storgata selv",
                                             reason="Så vi vet hvilken butikk")
    with pytest.raises(StateConflict):  # one open proposal per goal
        services.propose_goal_wording(goal, by=cast.coordinator, text="Noe tredje")
    before = version(plan)
    services.answer_goal_proposal(proposal, by=astrid, accept=True)
    goal = fresh(goal)
    assert goal.text == "Gå til butikken på Storgata selv"
    assert goal.written_by_patient and goal.reworded_by == cast.coordinator
    proposal = fresh(proposal)
    assert (proposal.status, proposal.decided_by) == (ProposalStatus.ACCEPTED, astrid)
    newest = PlanVersion.objects.get(plan=plan, number=before + 1)
    assert (newest.summary, newest.created_by) == ("proposal accepted by the patient", astrid)
    with pytest.raises(StateConflict):  # answered already
        services.answer_goal_proposal(proposal, by=astrid, accept=False)


def test_a_staff_proposal_declined_keeps_the_patients_words(cast, plan, astrid):
    goal = services.patient_add_goal(plan, by=astrid, text="Gå til butikken")
    proposal = services.propose_goal_wording(goal, by=cast.ke_tromso, text="Handle selv")
    before = version(plan)
    services.answer_goal_proposal(proposal, by=astrid, accept=False)
    assert fresh(goal).text == "Gå til butikken"
    assert fresh(proposal).status == ProposalStatus.DECLINED
    assert version(plan) == before  # nothing in the plan changed


def test_staff_propose_only_for_the_patients_goals_and_may_withdraw(cast, plan, astrid):
    staffs = services.add_goal(plan, by=cast.ke_tromso, text="Trene styrke")
    with pytest.raises(ValidationError):
        services.propose_goal_wording(staffs, by=cast.ke_tromso, text="Trene mer")
    goal = services.patient_add_goal(plan, by=astrid, text="Gå til butikken")
    with pytest.raises(PermissionDenied):  # not the plan's editor
        services.propose_goal_wording(goal, by=cast.ke_bodo, text="Handle selv")
    with pytest.raises(PermissionDenied):  # the patient does not propose to themself
        services.propose_goal_wording(goal, by=astrid, text="Handle selv")
    proposal = services.propose_goal_wording(goal, by=cast.ke_tromso, text="Handle selv")
    services.withdraw_goal_proposal(proposal, by=cast.ke_tromso)
    assert fresh(proposal).status == ProposalStatus.WITHDRAWN
    with pytest.raises(StateConflict):  # a withdrawn proposal is not answered
        services.answer_goal_proposal(proposal, by=astrid, accept=True)


def test_what_matters_written_by_the_patient_is_locked_from_staff(cast, plan, astrid):
    services.patient_write_what_matters(plan, by=astrid, text="Å klare meg selv hjemme",
                                        expected_version=version(plan))
    plan = fresh(plan)
    assert (plan.what_matters, plan.what_matters_by_patient) == (
        "Å klare meg selv hjemme", True)
    with pytest.raises(ValidationError) as refused:
        services.update_plan(plan, by=cast.ke_tromso, expected_version=plan.version,
                             what_matters="Noe annet")
    assert "what_matters" in refused.value.message_dict
    # The unchanged text with another field: the other field is saved.
    services.update_plan(plan, by=cast.ke_tromso, expected_version=plan.version,
                         what_matters="Å klare meg selv hjemme", resources="Datteren")
    assert fresh(plan).resources == "Datteren"
    assert fresh(plan).what_matters == "Å klare meg selv hjemme"


def test_a_stale_patient_edit_is_refused_and_keeps_the_coordinators(cast, plan, astrid):
    read = version(plan)
    services.update_plan(plan, by=cast.coordinator, expected_version=read,
                         resources="Datteren handler")
    with pytest.raises(StaleVersion) as stale:
        services.patient_write_what_matters(plan, by=astrid, text="Å gå tur",
                                            expected_version=read)
    assert "resources" in stale.value.changed_fields
    plan = fresh(plan)
    assert (plan.resources, plan.what_matters) == ("Datteren handler", "")


def test_a_closed_plan_takes_nothing_from_the_patient(cast, plan, astrid):
    services.set_status(plan, PlanStatus.CLOSED, by=cast.ke_tromso)
    with pytest.raises(StateConflict):
        services.patient_add_goal(plan, by=astrid, text="Gå til butikken")
    assert not plan.goals.exists()


def test_a_comment_on_a_measure_is_kept_and_audited(cast, plan, astrid):
    measure = services.add_measure(plan, by=cast.ke_tromso, description="Gåtrening")
    before = version(plan)
    comment = services.comment_on_measure(measure, by=astrid, text=" Gjerne om morgenen ")
    assert (comment.text, comment.written_by) == ("Gjerne om morgenen", astrid)
    assert version(plan) == before  # a comment is no change of the plan
    assert AuditEvent.objects.filter(object_type=AuditObjectType.MEASURE_COMMENT,
                                     object_id=str(comment.uuid),
                                     patient_uuid=cast.shared.uuid).exists()
    for text in ("", "   ", "x" * 2001):
        with pytest.raises(ValidationError):
            services.comment_on_measure(measure, by=astrid, text=text)
    assert MeasureComment.objects.count() == 1


def test_the_self_report_is_for_the_next_evaluation_and_can_be_changed(cast, plan, astrid):
    goal = services.patient_add_goal(plan, by=astrid, text="Gå til butikken")
    with pytest.raises(StateConflict):  # no evaluation planned in preparation
        services.submit_self_report(plan, by=astrid, scores={goal: (3, 4, "")})
    plan = in_force(cast, plan)
    [report] = services.submit_self_report(plan, by=astrid, scores={goal: (3, 4, "Tungt")})
    assert (report.for_evaluation_on, report.performance, report.satisfaction) == (
        plan.next_evaluation_on, 3, 4)
    services.submit_self_report(plan, by=astrid, scores={goal: ("5", "6", "")})
    report = SelfReport.objects.get()
    assert (report.performance, report.satisfaction, report.comment) == (5, 6, "")


@pytest.mark.parametrize("bad", [0, 11, "x", None])
def test_a_score_out_of_range_is_a_field_error_and_writes_nothing(cast, plan, astrid, bad):
    plan = in_force(cast, plan)
    goal = plan.goals.get()
    other = services.patient_add_goal(plan, by=astrid, text="Gå til butikken")
    with pytest.raises(ValidationError) as refused:
        services.submit_self_report(plan, by=astrid,
                                    scores={other: (5, 5, ""), goal: (bad, 5, "")})
    assert list(refused.value.message_dict) == [f"performance-{goal.uuid}"]
    assert not SelfReport.objects.exists()


def test_a_representative_with_the_plan_writes_but_does_not_self_report(cast, plan):
    dina = representative(cast)
    goal = services.patient_add_goal(plan, by=dina, text="Mamma vil gå til butikken")
    assert goal.written_by_patient
    in_force(cast, plan)
    with pytest.raises(PermissionDenied):
        services.submit_self_report(fresh(plan), by=dina, scores={goal: (5, 5, "")})
    without = representative(cast, plan=False, meetings=True)
    with pytest.raises(PermissionDenied):
        services.patient_add_goal(plan, by=without, text="Noe")


def test_staff_take_the_patients_goal_into_the_plan(cast, plan, astrid):
    goal = services.patient_add_goal(plan, by=astrid, text="Gå til butikken")
    before = version(plan)
    services.acknowledge_patient_goal(goal, by=cast.coordinator, expected_version=before)
    goal = fresh(goal)
    assert goal.acknowledged_by == cast.coordinator and goal.acknowledged_at
    assert PlanVersion.objects.get(plan=plan, number=before + 1).summary == \
        "goal taken into the plan"
    with pytest.raises(StateConflict):
        services.acknowledge_patient_goal(goal, by=cast.coordinator)


# ---------------------------------------------------------------------------------------
# The pages


def test_the_plan_page_shows_the_plan_in_plain_words_goals_first(signed_in, cast, plan,
                                                                 astrid):
    services.patient_add_goal(plan, by=astrid, text="Gå til butikken")
    services.add_goal(plan, by=cast.ke_tromso, text="Trene styrke", expressed_by_patient=False)
    service = factories.service(cast.tromso, "3", name="Hverdagsrehabilitering")
    services.add_measure(plan, by=cast.ke_tromso, service=service, extent="To ganger i uka",
                         responsible_person="Fysioterapeut Berg",
                         starts_on=datetime.date(2030, 1, 6))
    factories.coordinating_unit(cast.tromso, phone="77 79 00 00", email="ke@tromso.example",
                                opening_hours="08–15.30")
    response = signed_in.get(url("plan", cast.shared))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index('id="goals"') < html.index('id="what-matters"') < html.index(
        'id="measures"')
    assert "Dine egne ord" in html and "Venter på at koordinatoren tar det inn i planen" in html
    for shown in ("Hverdagsrehabilitering", "To ganger i uka", "Fysioterapeut Berg",
                  "Planlagt", "Kora Koordinator", "77 79 00 00", "ke@tromso.example",
                  "08–15.30", "Planen blir skrevet, sammen med deg."):
        assert shown in html, shown
    for code in ("in_preparation", "planned", "not_started"):
        assert code not in html


def test_the_patient_adds_a_goal_and_edits_it_on_the_page(signed_in, cast, plan):
    response = signed_in.post(url("plan_add_goal", cast.shared, plan),
                              {"text": "Gå til butikken", "target_date": "2030-06-01"})
    assert response.status_code == 302
    goal = plan.goals.get()
    assert (goal.text, goal.target_date, goal.written_by_patient) == (
        "Gå til butikken", datetime.date(2030, 6, 1), True)
    page = signed_in.get(response["Location"]).content.decode()
    assert "Målet ditt er lagt til" in page
    response = signed_in.post(url("plan_edit_goal", cast.shared, plan, goal),
                              {"text": "Gå til butikken selv", "version": version(plan)})
    assert response.status_code == 302
    assert fresh(goal).text == "Gå til butikken selv"


def test_an_empty_goal_is_a_form_error(signed_in, cast, plan):
    response = signed_in.post(url("plan_add_goal", cast.shared, plan), {"text": "  "})
    assert response.status_code == 422
    assert 'class="error-summary"' in response.content.decode()
    assert not plan.goals.exists()


def test_a_staff_proposal_is_answered_on_the_page(signed_in, cast, plan, astrid):
    goal = services.patient_add_goal(plan, by=astrid, text="Gå til butikken")
    proposal = services.propose_goal_wording(goal, by=cast.coordinator,
                                             text="Gå til butikken på Storgata",
                                             reason="Så vi vet hvilken")
    html = signed_in.get(url("plan", cast.shared)).content.decode()
    assert "Gå til butikken på Storgata" in html and "Så vi vet hvilken" in html
    assert f'id="keep-{proposal.uuid}"' in html
    response = signed_in.post(url("plan_answer_proposal", cast.shared, plan, proposal),
                              {"answer": "keep"})
    assert response.status_code == 302
    assert fresh(proposal).status == ProposalStatus.DECLINED
    assert fresh(goal).text == "Gå til butikken"


def test_what_matters_on_the_page_and_a_stale_version_keeps_the_text(signed_in, cast, plan):
    read = version(plan)
    services.update_plan(plan, by=cast.coordinator, expected_version=read,
                         resources="Datteren handler")
    response = signed_in.post(url("plan_what_matters", cast.shared, plan),
                              {"what_matters": "Å klare meg selv", "version": read})
    assert response.status_code == 409
    html = response.content.decode()
    assert 'id="plan-conflict"' in html
    assert "Å klare meg selv</textarea>" in html  # the patient's text is kept
    assert f'name="version" value="{read + 1}"' in html  # saving again is deliberate
    assert fresh(plan).what_matters == ""
    response = signed_in.post(url("plan_what_matters", cast.shared, plan),
                              {"what_matters": "Å klare meg selv", "version": read + 1})
    assert response.status_code == 302
    plan = fresh(plan)
    assert (plan.what_matters, plan.resources) == ("Å klare meg selv", "Datteren handler")


def test_a_comment_on_the_page(signed_in, cast, plan):
    measure = services.add_measure(plan, by=cast.ke_tromso, description="Gåtrening")
    response = signed_in.post(url("plan_comment", cast.shared, plan, measure),
                              {"text": "Helst om morgenen"})
    assert response.status_code == 302
    html = signed_in.get(url("plan", cast.shared)).content.decode()
    assert "Helst om morgenen" in html
    response = signed_in.post(url("plan_comment", cast.shared, plan, measure), {"text": ""})
    assert response.status_code == 422
    assert MeasureComment.objects.count() == 1


def test_the_self_report_page(signed_in, cast, plan):
    plan = in_force(cast, plan)
    goal = plan.goals.get()
    page = url("self_report", cast.shared)
    response = signed_in.get(page)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="performance-{goal.uuid}"' in html and 'type="radio"' in html
    assert "<legend" in html
    for bad in ("0", "11", "x"):
        response = signed_in.post(page, {f"performance-{goal.uuid}": bad,
                                         f"satisfaction-{goal.uuid}": "5"})
        assert response.status_code == 422, bad
        assert "Velg et tall fra 1 til 10." in response.content.decode()
    response = signed_in.post(page, {f"satisfaction-{goal.uuid}": "5"})
    assert response.status_code == 422  # one score without the other
    assert not SelfReport.objects.exists()
    response = signed_in.post(page, {f"performance-{goal.uuid}": "4",
                                     f"satisfaction-{goal.uuid}": "6",
                                     f"comment-{goal.uuid}": "Bedre nå"})
    assert response.status_code == 302
    report = SelfReport.objects.get()
    assert (report.performance, report.satisfaction, report.comment) == (4, 6, "Bedre nå")
    html = signed_in.get(page).content.decode()
    # The last answers are filled in.
    assert f'value="4" id="performance-{goal.uuid}_3" checked>' in html
    assert f'value="6" id="satisfaction-{goal.uuid}_5" checked>' in html
    assert html.count(" checked>") == 2


def test_no_evaluation_planned_means_nothing_to_answer(signed_in, cast, plan):
    response = signed_in.get(url("self_report", cast.shared))
    assert response.status_code == 200
    assert 'id="no-evaluation"' in response.content.decode()
    assert 'id="self-report-link"' not in signed_in.get(url("plan", cast.shared)).content.decode()


def test_a_representative_with_the_plan_reads_it_but_does_not_self_report(client, cast, plan):
    in_force(cast, plan)
    client.force_login(representative(cast), backend=BACKEND)
    response = client.get(url("plan", cast.shared))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Gå tur med hunden selv" in html
    assert 'id="self-report-link"' not in html
    assert client.get(url("self_report", cast.shared)).status_code == 404


def test_a_representative_without_the_plan_gets_404(client, cast, plan):
    client.force_login(representative(cast, plan=False, meetings=True), backend=BACKEND)
    for name, args in (("plan", ()), ("plan_of", (plan,)), ("plan_pdf", (plan,))):
        assert client.get(url(name, cast.shared, *args)).status_code == 404, name
    response = client.post(url("plan_add_goal", cast.shared, plan), {"text": "Noe"})
    assert response.status_code == 404
    assert not plan.goals.exists()


def test_another_patients_plan_is_404(signed_in, cast, kora, plan):
    other = factories.individual_plan(cast, kora)  # Tor's plan
    assert signed_in.get(url("plan_of", cast.shared, other)).status_code == 404
    assert signed_in.get(url("plan", cast.tromso_only)).status_code == 404
    assert signed_in.post(url("plan_add_goal", cast.shared, other),
                          {"text": "Noe"}).status_code == 404
    goal = services.add_goal(other, by=cast.ke_tromso, text="Tors mål")
    measure = services.add_measure(other, by=cast.ke_tromso, description="Tors tiltak")
    assert signed_in.post(url("plan_edit_goal", cast.shared, plan, goal),
                          {"text": "Noe", "version": 1}).status_code == 404
    assert signed_in.post(url("plan_comment", cast.shared, plan, measure),
                          {"text": "Noe"}).status_code == 404
    assert fresh(goal).text == "Tors mål" and not MeasureComment.objects.exists()


def test_every_read_is_audited(signed_in, cast, plan):
    in_force(cast, plan)
    reads = AuditEvent.objects.filter(object_type=AuditObjectType.INDIVIDUAL_PLAN,
                                      object_id=str(plan.uuid), user__is_citizen=True)
    signed_in.get(url("plan", cast.shared))
    signed_in.get(url("plan_of", cast.shared, plan))
    signed_in.get(url("self_report", cast.shared))
    assert reads.filter(action=AuditAction.VIEW).count() == 3
    assert reads.filter(patient_uuid=cast.shared.uuid, detail="patient").count() == 3
    response = signed_in.get(url("plan_pdf", cast.shared, plan))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert reads.filter(action=AuditAction.PRINT).count() == 1


def test_a_closed_plan_is_readable_not_editable_and_an_open_one_comes_first(
        signed_in, cast, kora, plan):
    services.patient_add_goal(plan, by=citizen_user(cast.shared.identity_number),
                              text="Gå til butikken")
    services.set_status(plan, PlanStatus.CLOSED, by=cast.ke_tromso)
    html = signed_in.get(url("plan", cast.shared)).content.decode()
    assert "Gå til butikken" in html
    assert 'id="add-goal-form"' not in html and "Planen er avsluttet" in html
    newer = factories.individual_plan(cast, kora, patient=cast.shared)
    html = signed_in.get(url("plan", cast.shared)).content.decode()
    assert reverse("citizen:plan_add_goal", args=[cast.shared.uuid, newer.uuid]) in html
    assert reverse("citizen:plan_of", args=[cast.shared.uuid, plan.uuid]) in html


def test_the_plan_page_keeps_its_query_count(signed_in, cast, plan, astrid,
                                             django_assert_max_num_queries):
    def grow(n):
        for i in range(n):
            goal = services.patient_add_goal(plan, by=astrid, text=f"Mål {i}")
            services.patient_add_goal(plan, by=astrid, text=f"Delmål {i}", parent=goal)
            measure = services.add_measure(plan, by=cast.ke_tromso, description=f"Tiltak {i}")
            services.comment_on_measure(measure, by=astrid, text=f"Kommentar {i}")
            services.propose_goal_wording(goal, by=cast.ke_tromso, text=f"Mål {i} bedre")
            services.add_participant(plan, by=cast.ke_tromso, kind="provider", name=f"P {i}")

    grow(1)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert signed_in.get(url("plan", cast.shared)).status_code == 200
    grow(10)
    with django_assert_max_num_queries(len(few)):
        html = signed_in.get(url("plan", cast.shared)).content.decode()
    assert html.count('class="citizen-goal"') == 22


def test_staff_never_see_the_citizen_plan(client, cast, plan):
    client.force_login(cast.ke_tromso)
    assert client.get(url("plan", cast.shared)).status_code == 404
    assert IndividualPlan.objects.filter(pk=plan.pk).exists()
    assert not Goal.objects.filter(written_by_patient=True).exists()
    assert not GoalProposal.objects.exists()
