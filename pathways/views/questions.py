"""Questions on the pathway page: what one side of a stay asked the other (the hospital's
planners and the municipality's coordinating unit, in the portal or from their EPJ systems by
PLO Dialogmelding), with the answers, for everyone who sees the patient. The reader asks the
other side of the open stay, and answers a question put to their organisation, in a panel
above the list (common.htmx.form_step); a success re-renders the list out of band.

The buttons follow the sides the reader acts for (from the request's memberships, no query);
the services decide every step."""

from dataclasses import dataclass

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from common.htmx import form_step, posted, render_panel, step_done, step_view
from common.lookup import one_or_404
from registry.capabilities import Capability, organizations_where
from registry.models import AuditObjectType

from .. import access
from ..forms.questions import HOSPITAL, MUNICIPALITY, AnswerQuestionForm, AskQuestionForm
from ..models import Admission, PathwayQuestion
from ..services import questions as services

LIST = "pathways/partials/question_list.html"
PANEL = "pathways/partials/question_form.html"


def questions_of(patient) -> list[PathwayQuestion]:
    """The patient's questions, oldest first, with their stays, sides and people: one
    query."""
    return list(PathwayQuestion.objects.filter(admission__patient=patient).select_related(
        "admission__hospital", "admission__municipality", "asked_by_organization",
        "to_organization", "asked_by", "answered_by").order_by("asked_at", "pk"))


@dataclass(frozen=True)
class Sides:
    """The organisations the reader acts for, as a stay's hospital or municipality."""

    hospitals: frozenset
    municipalities: frozenset

    @classmethod
    def of(cls, user) -> "Sides":
        return cls(
            frozenset(o.pk for o in organizations_where(user, Capability.ACT_FOR_HOSPITAL)),
            frozenset(o.pk for o in organizations_where(user,
                                                        Capability.ACT_FOR_MUNICIPALITY)))

    def may_answer(self, question: PathwayQuestion) -> bool:
        stay, to = question.admission, question.to_organization_id
        return (to == stay.hospital_id and to in self.hospitals) or (
            to == stay.municipality_id and to in self.municipalities)

    def may_ask(self, admission: Admission) -> list[tuple[str, str]]:
        """[(side asked, label)] of the open stay's other party, for each side the reader
        acts for."""
        if admission is None or not admission.is_open:
            return []
        sides = []
        if admission.hospital_id in self.hospitals:
            sides.append((MUNICIPALITY, _("%(organization)s (the municipality)") % {
                "organization": admission.municipality.name}))
        if admission.municipality_id in self.municipalities:
            sides.append((HOSPITAL, _("%(organization)s (the hospital)") % {
                "organization": admission.hospital.name}))
        return sides


def section_context(request, patient, admissions, questions=None) -> dict:
    """The section: each question with whether the reader may answer it, and the open stay
    the reader may ask about."""
    sides = Sides.of(request.user)
    questions = questions_of(patient) if questions is None else questions
    for question in questions:
        question.can_answer = question.answered_at is None and sides.may_answer(question)
    current = next((a for a in sorted(admissions, key=lambda a: a.admitted_at, reverse=True)
                    if a.is_open), None)
    return {"patient": patient, "questions": questions,
            "question_stay": current if sides.may_ask(current) else None}


# ---------------------------------------------------------------------------------------
# The steps.


def _pathway_url(patient) -> str:
    return reverse("pathways:patient_pathway", args=[patient.uuid])


def _done(request, patient, message: str):
    def section() -> str:
        admissions = list(patient.admissions.select_related("hospital", "municipality"))
        context = {**section_context(request, patient, admissions), "oob": True}
        return render_to_string(LIST, context, request=request)

    return step_done(request, message, redirect_to=_pathway_url(patient), oob=section)


def _panel(request, form, step, message, *, patient, title, submit, subtitle="",
           question=None, hint=""):
    def show(form, status):
        return render_panel(request, PANEL, {
            "patient": patient, "form": form, "title": title, "subtitle": subtitle,
            "hint": hint, "question": question, "submit_label": submit, "action": request.path,
            "back_url": _pathway_url(patient)}, status)

    return form_step(request, form, step, show=show,
                     done=lambda result: _done(request, patient, message(result)),
                     aliases={"to_organization": "to"})


@step_view
def ask_question(request, uuid):
    """The reader asks the open stay's other side: the hospital the municipality, or the
    municipality the hospital."""
    admission = one_or_404(Admission.objects.visible_to(request.user).select_related(
        "patient", "hospital", "municipality"), uuid=uuid)
    if request.method == "GET":
        access.audit_reads(request.user, [admission], object_type=AuditObjectType.ADMISSION,
                           patient_of=lambda a: a.patient)
    sides = Sides.of(request.user).may_ask(admission)
    if not sides:  # not a party of the stay, or the stay closed: the service says which
        sides = [(MUNICIPALITY, admission.municipality.name),
                 (HOSPITAL, admission.hospital.name)]
    parties = {MUNICIPALITY: admission.municipality, HOSPITAL: admission.hospital}
    return _panel(
        request, AskQuestionForm(posted(request), sides=sides),
        lambda data: services.ask_question(admission, by=request.user,
                                           to_organization=parties[data["to"]],
                                           text=data["text"]),
        lambda question: _("Your question is sent to %(organization)s.") % {
            "organization": question.to_organization.name},
        patient=admission.patient, title=_("Ask the other side"), submit=_("Send the question"),
        subtitle=_("%(patient)s, %(hospital)s") % {"patient": admission.patient.full_name,
                                                   "hospital": admission.hospital.name},
        hint=_("The question goes to %(organization)s.") % {"organization": sides[0][1]}
        if len(sides) == 1 else "")


@step_view
def answer_question(request, uuid):
    """The asked side answers a question, once."""
    question = one_or_404(PathwayQuestion.objects.visible_to(request.user).select_related(
        "admission__patient", "admission__hospital", "asked_by_organization",
        "to_organization", "asked_by"), uuid=uuid)
    patient = question.admission.patient
    if request.method == "GET":
        access.audit_reads(request.user, [question],
                           object_type=AuditObjectType.PATHWAY_QUESTION,
                           patient_of=lambda q: q.admission.patient)
    return _panel(
        request, AnswerQuestionForm(posted(request)),
        lambda data: services.answer_question(question, by=request.user,
                                              answer=data["answer"]),
        lambda result: _("Your answer is sent to %(organization)s.") % {
            "organization": result.asked_by_organization.name},
        patient=patient, title=_("Answer the question"), submit=_("Send the answer"),
        subtitle=_("From %(organization)s") % {
            "organization": question.asked_by_organization.name},
        question=question)
