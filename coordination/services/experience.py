"""The patient-reported experience survey (PREM) after a plan closes: an invitation per
closed plan, and an answer stored without a trace of who gave it (coordination.models
.experience): the municipality, the month, the plan's highest service level and the
answers. The invitation only records that the patient answered, so they are not asked
twice; the audit trail says that they answered, never what."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.exceptions import StateConflict
from pathways import citizen_access
from registry import audit
from registry.models import AuditAction, AuditObjectType

from ..models import (
    ExperienceInvitation,
    ExperienceQuestion,
    ExperienceResponse,
    IndividualPlan,
    Measure,
    PlanStatus,
)

SCORES = range(1, 6)


def invite_to_experience_survey(plan: IndividualPlan) -> ExperienceInvitation:
    """The closed plan's invitation (one per plan; closing again changes nothing)."""
    invitation, _created = ExperienceInvitation.objects.get_or_create(
        plan=plan, defaults={"patient": plan.patient})
    return invitation


def highest_service_level(plan: IndividualPlan) -> str:
    """The code of the highest pyramid level among the services of the plan's measures
    ("" when no measure names a service)."""
    return Measure.objects.filter(plan=plan, service__isnull=False).order_by(
        "-service__level__sort_order").values_list("service__level__code", flat=True).first() \
        or ""


def clean_answers(answers: dict) -> dict[str, int]:
    """{question: 1-5} for the known questions; a question left out was not answered. At
    least one answer; anything else is an error on the question's field."""
    errors = {}
    cleaned = {}
    for question, value in (answers or {}).items():
        if question not in ExperienceQuestion.values:
            errors[question] = _("Unknown question.")
            continue
        if value in (None, ""):
            continue
        try:
            score = int(value)
        except (TypeError, ValueError):
            score = None
        if score not in SCORES or isinstance(value, bool):
            errors[question] = _("Choose a number from 1 to 5.")
            continue
        cleaned[question] = score
    if errors:
        raise ValidationError(errors)
    if not cleaned:
        raise ValidationError(_("Answer at least one question."), code="empty")
    return cleaned


@transaction.atomic
def answer_experience_survey(invitation: ExperienceInvitation, *, by,
                             answers: dict) -> ExperienceResponse:
    """The patient's answer (only the patient: pathways.citizen_access part "survey"),
    written with the invitation marked answered in one transaction; a second answer is
    refused."""
    citizen_access.require_part(by, invitation.patient, "survey")
    cleaned = clean_answers(answers)
    current = ExperienceInvitation.objects.select_for_update().select_related(
        "plan__municipality").get(pk=invitation.pk)
    if current.answered:
        raise StateConflict(_("You have already answered this survey. Thank you!"),
                            code="already_answered")
    plan = current.plan
    if plan.status != PlanStatus.CLOSED:
        raise StateConflict(_("The survey opens when the plan is closed."), code="not_closed")
    response = ExperienceResponse.objects.create(
        municipality=plan.municipality, month=timezone.localdate().replace(day=1),
        service_level=highest_service_level(plan), answers=cleaned)
    current.answered = True
    current.save(update_fields=["answered"])
    invitation.answered = True
    # That the patient answered, not what: the response keeps no link to them.
    audit.record(by, AuditAction.UPDATE, AuditObjectType.INDIVIDUAL_PLAN, plan.uuid,
                 patient_uuid=invitation.patient.uuid,
                 detail="experience survey answered")
    return response
