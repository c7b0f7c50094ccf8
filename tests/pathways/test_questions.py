"""A question on the pathway: the stay's hospital asks its municipality (or the other way
round), the asked side answers once, and both read them on the pathway page; nobody else
asks or answers, and the page costs the same however many questions there are."""

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from common.exceptions import StateConflict
from pathways import services
from pathways.models import PathwayQuestion
from pathways.models.questions import QUESTION_MAX_LENGTH
from registry.models import AuditEvent, Notification, Role
from tests import factories

pytestmark = pytest.mark.django_db


def pathway(client, patient):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nb"
    return client.get(reverse("pathways:patient_pathway", args=[patient.uuid]))


def htmx_post(client, url, data):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nb"
    return client.post(url, data, HTTP_HX_REQUEST="true")


@pytest.fixture
def stay(cast):
    return factories.admit(cast)


def ask(cast, stay, text="Har pasienten hjemmesykepleie i dag?"):
    return services.ask_question(stay, by=cast.planner, to_organization=cast.tromso, text=text)


def test_the_hospital_asks_the_municipality_which_is_told_and_answers_once(cast, stay):
    question = ask(cast, stay)
    assert (question.asked_by_organization, question.to_organization, question.asked_by) == (
        cast.unn, cast.tromso, cast.planner)
    assert question.answered_at is None
    assert Notification.objects.filter(recipient=cast.ke_tromso, kind="question.asked").exists()
    assert AuditEvent.objects.filter(user=cast.planner, object_id=str(question.uuid),
                                     object_type="pathwayquestion", action="create").exists()
    answered = services.answer_question(question, by=cast.ke_tromso,
                                        answer="Ja, morgen og kveld.")
    assert (answered.answer, answered.answered_by) == ("Ja, morgen og kveld.", cast.ke_tromso)
    assert answered.answered_at is not None
    assert Notification.objects.filter(recipient=cast.planner,
                                       kind="question.answered").exists()
    with pytest.raises(StateConflict) as refused:
        services.answer_question(question, by=cast.ke_tromso, answer="Nei, bare kveld.")
    assert refused.value.code == "already_answered"
    question.refresh_from_db()
    assert question.answer == "Ja, morgen og kveld."


def test_the_municipality_asks_the_hospital_and_the_planner_answers(cast, stay):
    question = services.ask_question(stay, by=cast.ke_tromso, to_organization=cast.unn,
                                     text="Når er pasienten forventet utskrivningsklar?")
    assert question.asked_by_organization == cast.tromso
    assert Notification.objects.filter(recipient=cast.planner, kind="question.asked").exists()
    with pytest.raises(PermissionDenied):  # the asking side does not answer its own question
        services.answer_question(question, by=cast.ke_tromso, answer="Snart")
    services.answer_question(question, by=cast.planner, answer="Om to dager.")


def test_only_the_stays_two_sides_ask_and_only_the_other_side(cast, stay):
    # Bodø's KE has no part in the stay; the coordinator does not act for the municipality.
    for outsider in (cast.ke_bodo, cast.coordinator):
        with pytest.raises(PermissionDenied):
            services.ask_question(stay, by=outsider, to_organization=cast.unn, text="Hei?")
    with pytest.raises(ValidationError) as wrong:  # a party that is not the stay's
        services.ask_question(stay, by=cast.planner, to_organization=cast.bodo, text="Hei?")
    assert "to_organization" in wrong.value.message_dict
    with pytest.raises(PermissionDenied):  # the planner speaks for the hospital, not to it
        services.ask_question(stay, by=cast.planner, to_organization=cast.unn, text="Hei?")
    question = ask(cast, stay)
    with pytest.raises(PermissionDenied):
        services.answer_question(question, by=cast.ke_bodo, answer="Ja")
    assert PathwayQuestion.objects.count() == 1
    assert PathwayQuestion.objects.get().answered_at is None


def test_a_question_and_an_answer_need_their_text_within_the_limit(cast, stay):
    with pytest.raises(ValidationError) as empty:
        ask(cast, stay, text="   ")
    assert empty.value.message_dict == {"text": ["Skriv spørsmålet."]}
    with pytest.raises(ValidationError) as long:
        ask(cast, stay, text="x" * (QUESTION_MAX_LENGTH + 1))
    assert list(long.value.message_dict) == ["text"]
    assert str(QUESTION_MAX_LENGTH) in long.value.messages[0]
    question = ask(cast, stay)
    with pytest.raises(ValidationError) as unanswered:
        services.answer_question(question, by=cast.ke_tromso, answer="")
    assert unanswered.value.message_dict == {"answer": ["Skriv svaret."]}
    assert PathwayQuestion.objects.get().answered_at is None


def test_a_closed_stay_takes_no_new_question_but_an_open_question_is_still_answered(cast,
                                                                                      stay):
    question = ask(cast, stay)
    services.discharge_patient(stay, by=cast.planner, destination="home")
    with pytest.raises(StateConflict):
        ask(cast, stay)
    services.answer_question(question, by=cast.ke_tromso, answer="Ja.")


def test_the_ke_sees_the_question_answers_it_on_the_page_and_both_read_the_answer(
        client, cast, stay):
    question = ask(cast, stay)
    client.force_login(cast.ke_tromso)
    page = pathway(client, cast.shared).content.decode()
    assert "Har pasienten hjemmesykepleie i dag?" in page
    assert "Venter på svar" in page and "Pia Planlegger" in page
    answer_url = reverse("pathways:answer_question", args=[question.uuid])
    assert answer_url in page
    form = client.get(answer_url, HTTP_HX_REQUEST="true")
    assert form.status_code == 200 and "Har pasienten hjemmesykepleie" in form.content.decode()
    empty = htmx_post(client, answer_url, {"answer": ""})
    assert empty.status_code == 422
    done = htmx_post(client, answer_url, {"answer": "Ja, morgen og kveld."})
    assert done.status_code == 200
    body = done.content.decode()
    assert 'id="questions"' in body and 'hx-swap-oob="true"' in body
    assert "Ja, morgen og kveld." in body
    again = htmx_post(client, answer_url, {"answer": "Nei."})
    assert again.status_code == 409 and "allerede besvart" in again.content.decode()
    client.force_login(cast.planner)
    page = pathway(client, cast.shared).content.decode()
    assert "Ja, morgen og kveld." in page and "Kåre Tromsø" in page
    assert answer_url not in page  # answered; and the planner is not the asked side


def test_the_planner_asks_from_the_page_and_the_other_side_is_the_only_choice(
        client, cast, stay):
    client.force_login(cast.planner)
    ask_url = reverse("pathways:ask_question", args=[stay.uuid])
    assert ask_url in pathway(client, cast.shared).content.decode()
    form = client.get(ask_url, HTTP_HX_REQUEST="true").content.decode()
    assert "Spørsmålet går til Tromsø (kommunen)." in form
    done = htmx_post(client, ask_url, {"to": "municipality", "text": "Trenger pasienten "
                                                                     "korttidsplass?"})
    assert done.status_code == 200, done.content.decode()
    question = PathwayQuestion.objects.get()
    assert (question.to_organization, question.text) == (cast.tromso,
                                                         "Trenger pasienten korttidsplass?")
    # The hospital cannot be asked by its own planner, even with a forged choice.
    forged = htmx_post(client, ask_url, {"to": "hospital", "text": "Hei?"})
    assert forged.status_code == 422
    assert PathwayQuestion.objects.count() == 1


def test_who_sees_no_patient_gets_404_and_who_may_not_ask_is_refused(client, cast, stay):
    question = ask(cast, stay)
    client.force_login(cast.ke_bodo)  # no care relationship with the shared patient
    for url in (reverse("pathways:ask_question", args=[stay.uuid]),
                reverse("pathways:answer_question", args=[question.uuid])):
        assert client.get(url).status_code == 404
        assert htmx_post(client, url, {"answer": "Ja", "text": "Hei", "to": "hospital"}
                         ).status_code == 404
    client.force_login(cast.coordinator)  # sees the patient, acts for no side of the stay
    page = pathway(client, cast.shared).content.decode()
    assert "Har pasienten hjemmesykepleie i dag?" in page
    answer_url = reverse("pathways:answer_question", args=[question.uuid])
    assert answer_url not in page
    refused = htmx_post(client, answer_url, {"answer": "Ja"})
    assert refused.status_code == 403
    question.refresh_from_db()
    assert question.answered_at is None


@pytest.mark.parametrize("count", [1, 12])
def test_the_pathway_page_costs_the_same_queries_however_many_questions(
        client, cast, stay, django_assert_max_num_queries, count):
    from tests.pathways.test_pathway_page import PATHWAY_BUDGET

    for n in range(count):
        question = ask(cast, stay, text=f"Spørsmål {n}")
        if n % 2:
            services.answer_question(question, by=cast.ke_tromso, answer=f"Svar {n}")
    client.force_login(cast.ke_tromso)
    pathway(client, cast.shared)
    with django_assert_max_num_queries(PATHWAY_BUDGET):
        response = pathway(client, cast.shared)
    assert len(response.context["questions"]) == count
    assert response.content.decode().count('class="card questions__item"') == count


def test_a_ke_staff_member_of_another_role_is_not_a_party(cast, stay):
    """An administrator of the municipality (no coordinating-unit work) neither asks nor
    answers for it."""
    admin = factories.user("admin_tromso", cast.tromso, Role.ORG_ADMIN)
    question = ask(cast, stay)
    with pytest.raises(PermissionDenied):
        services.answer_question(question, by=admin, answer="Ja")
