"""A question on the pathway: one side of a stay (the admitting hospital's planners, or the
responsible municipality's coordinating unit, or their EPJ systems through PLO) asks the
other about the patient, and the other side answers it, once. In PLO terms a Dialogmelding
forespørsel and its svar (plo.dialog)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.exceptions import StateConflict
from registry.capabilities import Capability, can
from registry.models import AuditAction, Organization

from ..models import Admission, PathwayQuestion
from ..models.admissions import OPEN_STATUSES
from ..models.questions import QUESTION_MAX_LENGTH
from ._common import audit_step, notify_hospital, notify_municipality, step


def acts_for(user, admission: Admission, organization: Organization) -> bool:
    """Whether the user acts for the organisation as a party of the stay: its hospital's
    planners, or its municipality's coordinating unit (or their EPJ systems)."""
    if organization.pk == admission.hospital_id:
        return can(user, Capability.ACT_FOR_HOSPITAL, organization)
    if organization.pk == admission.municipality_id:
        return can(user, Capability.ACT_FOR_MUNICIPALITY, organization)
    return False


def other_party(admission: Admission, organization: Organization) -> Organization | None:
    """The stay's other party: the municipality for its hospital and the other way round."""
    if organization.pk == admission.hospital_id:
        return admission.municipality
    if organization.pk == admission.municipality_id:
        return admission.hospital
    return None


def _text(value: str, field: str, missing: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: missing})
    if len(value) > QUESTION_MAX_LENGTH:
        raise ValidationError({field: _("Write at most %(limit)s characters (now %(count)s).")
                               % {"limit": QUESTION_MAX_LENGTH, "count": len(value)}})
    return value


def _tell(admission: Admission, organization: Organization, kind: str, title: str,
          question: PathwayQuestion) -> None:
    """Notify the side the step concerns: the ward's planners, or the KE."""
    if organization.pk == admission.hospital_id:
        notify_hospital(admission, kind, title, subject=question)
    else:
        notify_municipality(admission, kind, title, subject=question)


@transaction.atomic
def ask_question(admission: Admission, *, by, to_organization: Organization, text: str,
                 asked_by_name: str = "") -> PathwayQuestion:
    """The hospital asks the municipality, or the municipality the hospital, about the
    patient on an open stay; the asked side is told."""
    asking = other_party(admission, to_organization)
    if asking is None:
        raise ValidationError({"to_organization": _(
            "A question goes to the stay's other party: the hospital or the municipality.")})
    if not acts_for(by, admission, asking):
        raise PermissionDenied(_(
            "Only the hospital's discharge planners or the municipality's coordinating unit "
            "may ask the other side about this stay."))
    text = _text(text, "text", _("Write the question."))
    admission = Admission.objects.select_related("patient", "hospital", "municipality",
                                                 "ward").get(pk=admission.pk)
    if admission.status not in OPEN_STATUSES:
        raise StateConflict(_("The stay is closed: questions are asked while the patient is "
                              "in hospital."), code="stay_closed")
    question = PathwayQuestion(
        admission=admission, asked_by_organization=asking, to_organization=to_organization,
        asked_by=by, asked_by_name=(asked_by_name or "").strip()[:200],
        asked_at=timezone.now(), text=text)
    question.full_clean()
    question.save()
    audit_step(by, AuditAction.CREATE, question, admission, f"question to {to_organization.pk}")
    step("question.asked", question, admission, by)
    _tell(admission, to_organization, "question.asked", _(
        "A question from %(organization)s about a patient: answer it on the pathway") % {
            "organization": asking.name}, question)
    return question


@transaction.atomic
def answer_question(question: PathwayQuestion, *, by, answer: str,
                    answered_by_name: str = "") -> PathwayQuestion:
    """The asked side answers, once; the asking side is told."""
    question = PathwayQuestion.objects.select_related(
        "admission__patient", "admission__hospital", "admission__municipality",
        "admission__ward", "asked_by_organization", "to_organization").get(pk=question.pk)
    admission = question.admission
    if not acts_for(by, admission, question.to_organization):
        raise PermissionDenied(_("Only %(organization)s answers this question.") % {
            "organization": question.to_organization.name})
    answer = _text(answer, "answer", _("Write the answer."))
    now = timezone.now()
    # Of two answers at once, the first wins; the second is told, and changes nothing.
    if not PathwayQuestion.objects.filter(pk=question.pk, answered_at__isnull=True).update(
            answer=answer, answered_at=now, answered_by=by,
            answered_by_name=(answered_by_name or "").strip()[:200]):
        raise StateConflict(_("The question is already answered."), code="already_answered")
    question.refresh_from_db()
    audit_step(by, AuditAction.UPDATE, question, admission, "answered")
    step("question.answered", question, admission, by)
    _tell(admission, question.asked_by_organization, "question.answered", _(
        "%(organization)s answered your question about a patient") % {
            "organization": question.to_organization.name}, question)
    return question
