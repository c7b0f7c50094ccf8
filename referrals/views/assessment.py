"""The needs assessment (kartlegging): a draft the unit edits (the patient's own goals first),
the portal's suggested level with its reason shown as a suggestion, and the professional's
confirmation of it or choice of another level with a reason; both are kept and shown. A
completed version is read-only; revising starts a new version; the versions are listed."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from common.exceptions import StateConflict
from common.htmx import action_view, form_step, render_page
from common.lookup import one_or_404
from coordination.access import visible_plans
from pathways.access import audit_reads, get_visible_patient
from pathways.models import Admission
from registry.capabilities import Capability, can, organizations_where
from registry.models import AuditObjectType

from .. import services
from ..forms import AssessmentForm
from ..models import AssessmentStatus, FunctionDomain, NeedsAssessment
from ..suggestion import suggest_level
from .access import visible_assessments, visible_referrals

HISTORY_SHOWN = 20


def get_assessment(user, uuid) -> NeedsAssessment:
    return one_or_404(visible_assessments(user).select_related(
        "patient", "organization", "level", "suggested_level", "suggestion_rule",
        "completed_by", "admission__hospital", "individual_plan__municipality", "previous"),
        uuid=uuid)


def _domains(assessment):
    """The active domains, and any other the assessment has a score for."""
    scored = assessment.domain_scores.values("domain_id")
    return list(FunctionDomain.objects.filter(active=True) | FunctionDomain.objects.filter(
        pk__in=scored))


def _form(assessment, domains, data=None) -> AssessmentForm:
    scores = {score.domain_id: score for score in assessment.domain_scores.all()}
    initial = {name: getattr(assessment, name) for name in AssessmentForm.FIELDS}
    initial["version"] = assessment.version
    initial["level"] = (assessment.level or assessment.suggested_level or None) and (
        assessment.level or assessment.suggested_level).code
    for domain in domains:
        score = scores.get(domain.pk)
        initial[f"domain_{domain.pk}"] = score.difficulty if score else None
        initial[f"domain_{domain.pk}_note"] = score.note if score else ""
    return AssessmentForm(data, initial=initial, domains=domains)


def suggestion_reason(assessment) -> str:
    """The reason in the reader's language while the rule is there, else as it was kept."""
    rule = assessment.suggestion_rule
    return rule.localized_reason if rule is not None else assessment.suggestion_reason


def assessment_context(request, assessment, form=None) -> dict:
    user = request.user
    draft = assessment.status == AssessmentStatus.DRAFT
    editable = draft and can(user, Capability.SEE_ORGANIZATION_PATIENTS,
                             assessment.organization)
    domains = _domains(assessment)
    history = list(visible_assessments(user).filter(patient=assessment.patient)
                   .select_related("level", "organization", "completed_by")
                   .order_by("-number", "-created_at")[:HISTORY_SHOWN])
    latest = history[0] if history else assessment
    scores = list(assessment.domain_scores.select_related("domain")
                  .order_by("domain__sort_order", "domain__code"))
    return {
        "assessment": assessment, "patient": assessment.patient,
        "editable": editable, "form": (form or _form(assessment, domains)) if editable
        else None,
        "scores": scores, "history": history,
        "suggestion_reason": suggestion_reason(assessment),
        "may_revise": not draft and latest.pk == assessment.pk and bool(
            organizations_where(user, Capability.SEE_ORGANIZATION_PATIENTS)),
        "may_refer": not draft and bool(organizations_where(user, Capability.REFER)),
        "referrals": list(visible_referrals(user).filter(needs_assessment=assessment)
                          .select_related("service__provider").order_by("-received_at")),
    }


def _render(request, assessment, *, form=None, status=200, flash=""):
    context = assessment_context(request, assessment, form)
    context |= {"flash": flash, "announce": flash if request.htmx else ""}
    return render_page(request, "referrals/assessment.html",
                       "referrals/partials/assessment_body.html", context, status)


@never_cache
@login_required
@require_GET
def assessment_detail(request, uuid):
    assessment = get_assessment(request.user, uuid)
    response = _render(request, assessment)
    audit_reads(request.user, [assessment], object_type=AuditObjectType.NEEDS_ASSESSMENT,
                patient_of=lambda a: a.patient)
    return response


@never_cache
@login_required
@require_GET
def assessment_suggestion(request, uuid):
    """The suggestion for the scores being typed (nothing saved): the fragment the form
    swaps in while the professional edits the Barthel index or the Rankin score."""
    assessment = get_assessment(request.user, uuid)

    def score(name, top):
        try:
            value = int(request.GET.get(name, ""))
        except ValueError:
            return None
        return value if 0 <= value <= top else None

    found = suggest_level(score("barthel_index", 100), score("modified_rankin", 6))
    response = render(request, "referrals/partials/suggestion.html", {
        "assessment": assessment, "suggested_level": found.level if found else None,
        "suggestion_reason": found.reason if found else "", "preview": True})
    patch_vary_headers(response, ("HX-Request",))
    return response


@action_view
def save_assessment(request, uuid):
    """Save the draft, and with the button "complete" also complete it at the level chosen;
    both or nothing (a refused completion leaves the draft as it was)."""
    assessment = get_assessment(request.user, uuid)
    form = _form(assessment, _domains(assessment), request.POST)
    completing = request.POST.get("action") == "complete"

    @transaction.atomic
    def step(data):
        saved = services.save_assessment(assessment, by=request.user, changes=form.changes(),
                                         scores=form.scores(), version=data["version"])
        if completing:
            return services.complete_assessment(
                saved, by=request.user, level=data["level"],
                override_reason=data["override_reason"], version=saved.version)
        return saved

    def done(saved):
        message = _("The assessment is completed.") if completing else _("The draft is saved.")
        if not request.htmx:
            messages.success(request, message)
            return redirect("referrals:assessment", uuid=saved.uuid)
        return _render(request, get_assessment(request.user, saved.uuid), flash=message)

    return form_step(
        request, form, step,
        show=lambda form, status: _render(request, assessment, form=form, status=status),
        done=done)


@action_view
def start_assessment(request, uuid):
    """A new needs assessment of the patient (from the patient's page; ?admission= and
    ?plan= link it); a draft already begun is opened instead."""
    patient = get_visible_patient(request.user, uuid)
    admission = one_or_404(Admission.objects.visible_to(request.user).filter(patient=patient),
                           uuid=request.POST["admission"]) if request.POST.get("admission") \
        else None
    plan = one_or_404(visible_plans(request.user).filter(patient=patient),
                      uuid=request.POST["plan"]) if request.POST.get("plan") else None
    return _start(request, patient, admission=admission, individual_plan=plan)


@action_view
def revise_assessment(request, uuid):
    """A new version of a completed assessment, starting from it."""
    assessment = get_assessment(request.user, uuid)
    return _start(request, assessment.patient, admission=assessment.admission,
                  individual_plan=assessment.individual_plan)


def _start(request, patient, **links):
    try:
        started = services.start_assessment(by=request.user, patient=patient, **links)
    except StateConflict as exc:
        draft = NeedsAssessment.objects.filter(
            patient=patient, status=AssessmentStatus.DRAFT).order_by("-created_at").first()
        if exc.code != "draft_exists" or draft is None:
            messages.error(request, exc.message)
            return redirect("pathways:patient_detail", uuid=patient.uuid)
        messages.info(request, exc.message)
        return redirect("referrals:assessment", uuid=draft.uuid)
    messages.success(request, _("A new needs assessment is started (version %(number)s).")
                     % {"number": started.number})
    return redirect("referrals:assessment", uuid=started.uuid)
