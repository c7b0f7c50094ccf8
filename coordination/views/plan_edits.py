"""The plan page's inline edits. Each form carries the plan version the editor read; the
service refuses a lost update (StaleVersion), and the form comes back with what changed and
the current version (common.htmx.run_step). Every change goes through
coordination.services."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from common.htmx import FORBIDDEN, UNPROCESSABLE, form_step, run_action

from .. import services
from ..access import get_visible_plan, require_ke_staff
from ..forms import (
    ConsentForm,
    EvaluationForm,
    GoalForm,
    GoalUpdateForm,
    MeasureForm,
    MeasureUpdateForm,
    ParticipantForm,
    ReassignCoordinatorForm,
    StatusForm,
    VersionedForm,
    WhatMattersForm,
)
from ..models import Consent, Goal, Measure, PlanParticipant, PlanStatus
from .plan import plan_response, reassign_coordinators


def _edit(request, plan, key, form_class, step, done_message):
    """An inline edit of the plan: the form under `key` comes back with its errors, or the
    plan with `done_message` (a text, or a function of the cleaned data that returns one)."""
    form = form_class(request.POST)
    if key == "status":
        form.fields["status"].choices = [(s.value, s.label) for s in PlanStatus]
    return form_step(
        request, form, lambda data: step(plan, data),
        show=lambda form, status: plan_response(request, plan, forms={key: form},
                                                status=status),
        done=lambda _result: plan_response(request, plan, done_message(form.cleaned_data)
                                           if callable(done_message) else done_message))


def _plan(request, uuid):
    return get_visible_plan(request.user, uuid, log=False)


def _plan_item(model, plan, item_uuid):
    """An item of the plan by its UUID, or 404 (another plan's item is not found)."""
    try:
        return model.objects.get(uuid=item_uuid, plan=plan)
    except model.DoesNotExist as exc:
        raise Http404("No such item in this plan.") from exc


@never_cache
@login_required
@require_POST
def edit_what_matters(request, uuid):
    return _edit(
        request, _plan(request, uuid), "what_matters", WhatMattersForm,
        lambda plan, d: services.update_plan(plan, by=request.user,
                                             expected_version=d["version"],
                                             what_matters=d["what_matters"]),
        _("“What matters to you?” is saved."))


@never_cache
@login_required
@require_POST
def add_goal(request, uuid):
    return _edit(
        request, _plan(request, uuid), "goal", GoalForm,
        lambda plan, d: services.add_goal(plan, by=request.user, text=d["text"],
                                          target_date=d["target_date"], status=d["status"],
                                          expected_version=d["version"]),
        _("The goal is added."))


@never_cache
@login_required
@require_POST
def add_measure(request, uuid):
    return _edit(
        request, _plan(request, uuid), "measure", MeasureForm,
        lambda plan, d: services.add_measure(
            plan, by=request.user, service=d["service"], description=d["description"],
            responsible_person=d["responsible_person"], extent=d["extent"],
            starts_on=d["starts_on"], ends_on=d["ends_on"], expected_version=d["version"]),
        _("The measure is added."))


@never_cache
@login_required
@require_POST
def change_status(request, uuid):
    return _edit(
        request, _plan(request, uuid), "status", StatusForm,
        lambda plan, d: services.set_status(plan, d["status"], by=request.user,
                                            expected_version=d["version"]),
        _("The plan's status is changed."))


@never_cache
@login_required
@require_POST
def record_consent(request, uuid):
    return _edit(
        request, _plan(request, uuid), "consent", ConsentForm,
        lambda plan, d: services.record_consent(plan, d["organization"], d["scope"],
                                                d["method"], by=request.user,
                                                expected_version=d["version"]),
        _("The consent is recorded."))


@never_cache
@login_required
@require_POST
def revoke_consent(request, uuid, consent_uuid):
    plan = _plan(request, uuid)
    consent = _plan_item(Consent, plan, consent_uuid)
    result, error, status = run_action(
        lambda: services.revoke_consent(consent, by=request.user))
    if result is None:
        return plan_response(request, plan, error, status=status, error=True)
    return plan_response(request, plan, _("The consent of %(org)s is revoked.") % {
        "org": consent.organization.name})


@never_cache
@login_required
@require_POST
def update_goal(request, uuid, goal_uuid):
    plan = _plan(request, uuid)
    goal = _plan_item(Goal, plan, goal_uuid)
    return _edit(
        request, plan, f"goal_update-{goal.pk}",
        lambda data: GoalUpdateForm(data, auto_id=f"id_goal{goal.pk}_%s"),
        lambda plan, d: services.update_goal(goal, by=request.user,
                                             expected_version=d["version"], status=d["status"],
                                             target_date=d["target_date"]),
        _("The goal is updated."))


@never_cache
@login_required
@require_POST
def add_sub_goal(request, uuid, goal_uuid):
    plan = _plan(request, uuid)
    parent = _plan_item(Goal, plan, goal_uuid)
    return _edit(
        request, plan, f"sub_goal-{parent.pk}",
        lambda data: GoalForm(data, auto_id=f"id_sub{parent.pk}_%s"),
        lambda plan, d: services.add_goal(plan, by=request.user, text=d["text"],
                                          parent=parent, target_date=d["target_date"],
                                          status=d["status"], expected_version=d["version"]),
        _("The sub-goal is added."))


@never_cache
@login_required
@require_POST
def update_measure(request, uuid, measure_uuid):
    plan = _plan(request, uuid)
    measure = _plan_item(Measure, plan, measure_uuid)
    return _edit(
        request, plan, f"measure_update-{measure.pk}",
        lambda data: MeasureUpdateForm(data, auto_id=f"id_measure{measure.pk}_%s"),
        lambda plan, d: services.update_measure(
            measure, by=request.user, expected_version=d["version"], status=d["status"],
            starts_on=d["starts_on"], ends_on=d["ends_on"]),
        _("The measure is updated."))


@never_cache
@login_required
@require_POST
def add_participant(request, uuid):
    return _edit(
        request, _plan(request, uuid), "participant", ParticipantForm,
        lambda plan, d: services.add_participant(
            plan, by=request.user, kind=d["kind"], name=d["name"],
            organization=d["organization"], contribution=d["contribution"],
            expected_version=d["version"]),
        _("The member is added to the responsible group."))


@never_cache
@login_required
@require_POST
def remove_participant(request, uuid, participant_uuid):
    """A button with the version read; a refusal comes back as the outcome on top."""
    plan = _plan(request, uuid)
    participant = _plan_item(PlanParticipant, plan, participant_uuid)
    form = VersionedForm(request.POST)
    if not form.is_valid():
        return plan_response(request, plan, _("Reload the page and try again."),
                             status=UNPROCESSABLE, error=True)
    return form_step(
        request, form,
        lambda d: services.remove_participant(participant, by=request.user,
                                              expected_version=d["version"]),
        show=lambda form, status: plan_response(request, plan, " ".join(form.non_field_errors()),
                                                status=status, error=True),
        done=lambda _result: plan_response(
            request, plan, _("%(name)s is removed from the responsible group.") % {
                "name": participant.name}))


@never_cache
@login_required
@require_POST
def reassign_coordinator(request, uuid):
    """KE staff appoint or replace the plan's coordinator; the patient's wishes are kept with
    the assignment. Over capacity is refused unless confirmed with the checkbox."""
    plan = _plan(request, uuid)
    try:  # before the form: a coordinator sees the plan page without this form
        require_ke_staff(request.user, plan.municipality)
    except PermissionDenied as exc:
        return plan_response(request, plan, str(exc), status=FORBIDDEN, error=True)

    def step(plan, d):
        return services.assign_coordinator(
            plan, d["coordinator"], by=request.user, patient_wishes=d["patient_wishes"],
            allow_over_capacity=d["allow_over_capacity"], expected_version=d["version"])

    return _edit(
        request, plan, "coordinator",
        lambda data: ReassignCoordinatorForm(data, coordinators=reassign_coordinators(plan)),
        step,
        lambda d: _("%(name)s is now the plan's coordinator.") % {
            "name": d["coordinator"].user.display_name()})


@never_cache
@login_required
@require_POST
def record_evaluation(request, uuid):
    return _edit(
        request, _plan(request, uuid), "evaluation", EvaluationForm,
        lambda plan, d: services.record_evaluation(
            plan, by=request.user, evaluated_on=d["evaluated_on"], summary=d["summary"],
            goal_achievement=d["goal_achievement"],
            next_evaluation_on=d["next_evaluation_on"], expected_version=d["version"]),
        _("The evaluation is recorded."))
