"""The plan page's inline edits: each is the page's form of one kind (plan.PLAN_FORMS), the
service that makes the change and the message that confirms it. Each form carries the plan
version the editor read; the service refuses a lost update (StaleVersion), and the form comes
back with what changed and the current version (common.htmx.form_step). Every change goes
through coordination.services."""

from functools import partial

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.htmx import FORBIDDEN, UNPROCESSABLE, action_view, form_step, run_action
from common.lookup import one_or_404

from .. import services
from ..access import get_visible_plan, require_ke_staff
from ..forms import VersionedForm
from ..models import Consent, Goal, Measure, PlanParticipant
from .plan import (
    form_key,
    measure_form_kwargs,
    plan_form,
    plan_response,
    reassign_coordinators,
)


def _plan(request, uuid):
    return get_visible_plan(request.user, uuid, log=False)


def _plan_item(model, plan, item_uuid):
    """An item of the plan by its UUID, or 404 (another plan's item is not found)."""
    return one_or_404(model.objects.filter(plan=plan), uuid=item_uuid)


def _edit(request, plan, kind, change, message, *, item=None, **form_kwargs):
    """An inline edit of the plan: `change(by=user, expected_version=..., **fields)` with
    the fields of the page's form of `kind`. The form comes back with its errors, or the
    plan with `message` (a text, or a function of the cleaned data that returns one)."""
    form = plan_form(kind, request.POST, item=item, **form_kwargs)

    def step(data):
        fields = dict(data)
        return change(by=request.user, expected_version=fields.pop("version"), **fields)

    return form_step(
        request, form, step,
        show=lambda form, status: plan_response(
            request, plan, forms={form_key(kind, item): form}, status=status),
        done=lambda _result: plan_response(request, plan, str(
            message(form.cleaned_data) if callable(message) else message)))


def _edit_view(kind, change, message, *, item=None, item_as=None, form_kwargs=None):
    """The view of one inline form: `change` on the plan, or on the plan's item the URL
    names (`item`, its model), or on the plan with that item as the keyword `item_as`;
    `form_kwargs(plan)` gives what the form needs besides the data."""

    @action_view
    def view(request, uuid, **item_uuid):
        plan = _plan(request, uuid)
        if item is None:
            return _edit(request, plan, kind, partial(change, plan), message,
                         **(form_kwargs(plan) if form_kwargs else {}))
        found = _plan_item(item, plan, *item_uuid.values())
        subject = partial(change, plan, **{item_as: found}) if item_as else partial(change, found)
        return _edit(request, plan, kind, subject, message, item=found)

    return view


edit_what_matters = _edit_view("what_matters", services.update_plan,
                               gettext_lazy("“What matters to you?” is saved."))
add_goal = _edit_view("goal", services.add_goal, gettext_lazy("The goal is added."))
add_measure = _edit_view("measure", services.add_measure, gettext_lazy("The measure is added."),
                         form_kwargs=measure_form_kwargs)
change_status = _edit_view("status", services.set_status,
                           gettext_lazy("The plan's status is changed."))
record_consent = _edit_view("consent", services.record_consent,
                            gettext_lazy("The consent is recorded."))
update_goal = _edit_view("goal_update", services.update_goal,
                         gettext_lazy("The goal is updated."), item=Goal)
add_sub_goal = _edit_view("sub_goal", services.add_goal, gettext_lazy("The sub-goal is added."),
                          item=Goal, item_as="parent")
update_measure = _edit_view("measure_update", services.update_measure,
                            gettext_lazy("The measure is updated."), item=Measure)
reword_goal = _edit_view("goal_text", services.update_goal,
                         gettext_lazy("The goal's wording is saved."), item=Goal)
reword_measure = _edit_view("measure_text", services.update_measure,
                            gettext_lazy("The measure's text is saved."), item=Measure)
add_participant = _edit_view("participant", services.add_participant,
                             gettext_lazy("The member is added to the responsible group."))
record_evaluation = _edit_view("evaluation", services.record_evaluation,
                               gettext_lazy("The evaluation is recorded."))


@action_view
def reassign_coordinator(request, uuid):
    """KE staff appoint or replace the plan's coordinator; the patient's wishes are kept with
    the assignment. Over capacity is refused unless confirmed with the checkbox."""
    plan = _plan(request, uuid)
    try:  # before the form: a coordinator sees the plan page without this form
        require_ke_staff(request.user, plan.municipality)
    except PermissionDenied as exc:
        return plan_response(request, plan, str(exc), status=FORBIDDEN, error=True)
    return _edit(
        request, plan, "coordinator", partial(services.assign_coordinator, plan),
        lambda d: _("%(name)s is now the plan's coordinator.") % {
            "name": d["coordinator"].user.display_name()},
        coordinators=reassign_coordinators(plan))


@action_view
def revoke_consent(request, uuid, consent_uuid):
    plan = _plan(request, uuid)
    consent = _plan_item(Consent, plan, consent_uuid)
    result, error, status = run_action(
        lambda: services.revoke_consent(consent, by=request.user))
    if result is None:
        return plan_response(request, plan, error, status=status, error=True)
    return plan_response(request, plan, _("The consent of %(org)s is revoked.") % {
        "org": consent.organization.name})


@action_view
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
