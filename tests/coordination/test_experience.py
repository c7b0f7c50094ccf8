"""The experience survey (PREM) after a pathway: closing a plan invites the patient once;
the patient sees it on their pages and answers 1-5 per statement; the answer is stored with
the municipality, the month and the plan's highest service level and nothing that points to
the patient; a second answer is refused, as is anyone but the patient."""

import datetime
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from citizen.auth import BACKEND, citizen_user
from common.exceptions import StateConflict
from coordination import services
from coordination.models import (
    ExperienceInvitation,
    ExperienceQuestion,
    ExperienceResponse,
    PlanStatus,
)
from pathways.models import Representation, RepresentationKind
from registry.models import AuditEvent
from tests import factories

pytestmark = pytest.mark.django_db

ALL_FOURS = {question: 4 for question in ExperienceQuestion.values}


@pytest.fixture
def plan(cast):
    plan = factories.individual_plan(cast, factories.coordinator(cast), cast.shared)
    factories.activate_plan(cast, plan)
    return plan


def close(cast, plan):
    return services.set_status(plan, PlanStatus.CLOSED, by=cast.ke_tromso)


def sign_in(client, number):
    user = citizen_user(number, given_name="Astrid", family_name="Aune")
    client.force_login(user, backend=BACKEND)
    return user


def test_closing_a_plan_invites_the_patient_once(cast, plan):
    assert not ExperienceInvitation.objects.exists()
    closed = close(cast, plan)
    invitation = ExperienceInvitation.objects.get()
    assert (invitation.plan, invitation.patient, invitation.answered) == (
        closed, cast.shared, False)
    assert services.invite_to_experience_survey(closed) == invitation
    assert ExperienceInvitation.objects.count() == 1


def test_a_declined_plan_invites_no_one(cast):
    plan = factories.individual_plan(cast, factories.coordinator(cast), cast.shared)
    services.set_status(plan, PlanStatus.DECLINED, by=cast.ke_tromso)
    assert not ExperienceInvitation.objects.exists()


def test_the_answer_keeps_where_when_and_the_highest_level_and_no_one(cast, plan):
    services.add_measure(plan, by=cast.ke_tromso, service=factories.service(cast.tromso, "2"))
    services.add_measure(plan, by=cast.ke_tromso, service=factories.service(cast.tromso, "4"))
    services.add_measure(plan, by=cast.ke_tromso, description="Gåtur med nabo")
    close(cast, plan)
    invitation = ExperienceInvitation.objects.get()
    astrid = citizen_user(cast.shared.identity_number)
    response = services.answer_experience_survey(
        invitation, by=astrid, answers={"overall": "5", "heard": 4, "informed": ""})
    assert response.municipality == cast.tromso
    assert response.month == timezone.localdate().replace(day=1)
    assert response.service_level == "4"
    assert response.answers == {"overall": 5, "heard": 4}
    invitation.refresh_from_db()
    assert invitation.answered
    # Nothing in the answer points to the patient or the plan.
    fields = {f.name for f in ExperienceResponse._meta.get_fields()}
    assert fields == {"id", "municipality", "month", "service_level", "answers"}
    # Not even its key: a random one, not a sequence that would follow the trail's times.
    assert isinstance(response.pk, uuid.UUID)
    # The trail says that she answered, not what.
    event = AuditEvent.objects.get(detail="experience survey answered")
    assert event.patient_uuid == cast.shared.uuid and event.user == astrid
    assert "5" not in event.detail


def test_a_second_answer_is_refused(cast, plan):
    close(cast, plan)
    invitation = ExperienceInvitation.objects.get()
    astrid = citizen_user(cast.shared.identity_number)
    services.answer_experience_survey(invitation, by=astrid, answers=ALL_FOURS)
    with pytest.raises(StateConflict):
        services.answer_experience_survey(invitation, by=astrid, answers=ALL_FOURS)
    assert ExperienceResponse.objects.count() == 1


def test_bad_answers_write_nothing(cast, plan):
    close(cast, plan)
    invitation = ExperienceInvitation.objects.get()
    astrid = citizen_user(cast.shared.identity_number)
    for answers in ({"overall": 6}, {"overall": 0}, {"overall": "very"}, {"overall": True},
                    {"nonsense": 3}, {}, {"overall": ""}):
        with pytest.raises(ValidationError):
            services.answer_experience_survey(invitation, by=astrid, answers=answers)
    invitation.refresh_from_db()
    assert not invitation.answered and not ExperienceResponse.objects.exists()


def test_only_the_patient_answers(cast, plan):
    close(cast, plan)
    invitation = ExperienceInvitation.objects.get()
    number = factories.identity_number(datetime.date(1976, 4, 2))
    Representation.objects.create(
        patient=cast.shared, kind=RepresentationKind.NEXT_OF_KIN,
        representative_identity_number=number, representative_name="Dina Aune",
        sees_plan=True, sees_meetings=True, sees_messages=True)
    for user in (citizen_user(number), cast.ke_tromso, cast.coordinator):
        with pytest.raises(PermissionDenied):
            services.answer_experience_survey(invitation, by=user, answers=ALL_FOURS)
    assert not ExperienceResponse.objects.exists()


def test_the_patient_is_told_and_answers_on_their_pages(cast, plan, client):
    close(cast, plan)
    invitation = ExperienceInvitation.objects.get()
    survey = reverse("citizen:survey", args=[cast.shared.uuid, invitation.uuid])
    sign_in(client, cast.shared.identity_number)
    for page in ("citizen:overview", "citizen:rights"):
        html = client.get(reverse(page, args=[cast.shared.uuid])).content.decode()
        assert "Fortell oss hvordan det gikk" in html and survey in html, page
    form = client.get(survey).content.decode()
    # Each statement is a radio group with the statement as its legend.
    assert form.count("<fieldset") >= len(ExperienceQuestion.values)
    assert "<legend>Alt i alt er jeg fornøyd med hjelpen jeg fikk.</legend>" in form
    assert form.count('type="radio"') == 5 * len(ExperienceQuestion.values)
    assert client.post(survey, {}).status_code == 422  # nothing answered
    response = client.post(survey, {"overall": "5", "heard": "3"}, follow=True)
    assert "Takk!" in response.content.decode()
    assert ExperienceResponse.objects.get().answers == {"overall": 5, "heard": 3}
    # Answered: no notice, no second answer.
    html = client.get(reverse("citizen:overview", args=[cast.shared.uuid])).content.decode()
    assert survey not in html
    assert client.post(survey, {"overall": "1"}).status_code == 200
    assert ExperienceResponse.objects.count() == 1


def test_another_patients_survey_is_not_there(cast, plan, client):
    close(cast, plan)
    invitation = ExperienceInvitation.objects.get()
    other = factories.patient(cast.ke_tromso, "Tor", "Tinn", municipality=cast.tromso)
    sign_in(client, other.identity_number)
    assert client.get(reverse("citizen:survey", args=[other.uuid, invitation.uuid])) \
        .status_code == 404
    assert client.get(reverse("citizen:survey", args=[cast.shared.uuid, invitation.uuid])) \
        .status_code == 404
