"""The organising side's steps on a discharge meeting: reschedule, cancel, invite more
people, write the minutes, give follow-up tasks. Each form opens in a panel beside the
meeting (common.htmx.form_step); a success re-renders the meeting out of band and
announces the outcome. The services decide every step."""

import datetime

from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from common import dates
from common.htmx import form_step, posted, render_panel, step_done, step_view

from .. import services
from ..forms import (
    AddParticipantsForm,
    CancelMeetingForm,
    FollowUpTaskForm,
    MinutesForm,
    RescheduleMeetingForm,
)
from .meetings import (
    SECTION,
    meeting_context,
    meeting_in_scope,
    meeting_url,
    meeting_when,
    with_details,
)

PANEL = "pathways/partials/meeting_step_form.html"


def _step_done(request, meeting, message: str):
    """After a panel's step: the confirmation in the panel, the meeting out of band and the
    announcement (htmx); a whole page goes back to the meeting (PRG)."""
    def section() -> str:
        fresh = with_details(request.user, pk=meeting.pk)  # still in scope after the write?
        return render_to_string(SECTION, {**meeting_context(request, fresh), "oob": True},
                                request=request) if fresh is not None else ""

    return step_done(request, message, redirect_to=meeting_url(meeting), oob=section)


def _panel_step(request, uuid, make_form, step, message, *, title, submit, hint="",
                aliases=None, **extra):
    """A meeting step in the panel: GET shows the form, POST runs the service."""
    meeting = meeting_in_scope(request, uuid)
    form = make_form(meeting, posted(request))
    admission = meeting.admission

    def show(form, status):
        context = {
            "meeting": meeting, "admission": admission, "patient": admission.patient,
            "form": form, "title": title, "hint": hint, "submit_label": submit,
            "action": request.path, "back_url": meeting_url(meeting),
            "subtitle": _("%(patient)s, %(when)s") % {"patient": admission.patient.full_name,
                                                      "when": meeting_when(meeting.scheduled_at)},
            **extra,
        }
        return render_panel(request, PANEL, context, status)

    return form_step(request, form, lambda data: step(meeting, form), show=show,
                     done=lambda result: _step_done(request, meeting, message(meeting, result)),
                     aliases=aliases)


def _utc(moment):
    return moment.astimezone(datetime.UTC) if moment else moment


# ---------------------------------------------------------------------------------------
# The organising side's steps.


@step_view
def meeting_reschedule(request, uuid):
    def step(meeting, form):
        changes = form.changes()
        if "scheduled_at" in changes:
            changes["scheduled_at"] = _utc(changes["scheduled_at"])
        return services.reschedule_discharge_meeting(meeting, by=request.user, **changes)

    return _panel_step(
        request, uuid, lambda meeting, data: RescheduleMeetingForm(data, meeting=meeting), step,
        lambda _meeting, result: _(
            "The discharge meeting is changed: %(when)s, %(place)s. Everyone invited is told "
            "and asked to answer again.") % {"when": meeting_when(result.scheduled_at),
                                              "place": result.location or result.video_link},
        title=_("Change time or place"), submit=_("Change and tell everyone"),
        hint=_("Everyone invited gets the change in the portal or by e-mail with an updated "
               "calendar file. Answers given for the old time no longer hold."))


@step_view
def meeting_cancel(request, uuid):
    return _panel_step(
        request, uuid, lambda _meeting, data: CancelMeetingForm(data),
        lambda meeting, form: services.cancel_discharge_meeting(
            meeting, by=request.user, reason=form.cleaned_data["reason"]),
        lambda meeting, _result: _("The discharge meeting %(when)s is cancelled; everyone "
                                   "invited is told.") % {
                                       "when": meeting_when(meeting.scheduled_at)},
        title=_("Cancel the meeting"), submit=_("Cancel the meeting"),
        back_label=_("Keep the meeting"),
        hint=_("Everyone invited gets a cancellation in the portal or by e-mail."))


@step_view
def meeting_add_participants(request, uuid):
    def make_form(meeting, data):
        return AddParticipantsForm(data, admission=meeting.admission,
                                   invited=meeting.participants.all())

    def message(_meeting, created):
        return ngettext("%(count)d more person is invited.", "%(count)d more people are invited.",
                        len(created)) % {"count": len(created)}

    return _panel_step(
        request, uuid, make_form,
        lambda meeting, form: services.add_participants(meeting, by=request.user,
                                                        participants=form.participants()),
        message, title=_("Invite more people"), submit=_("Invite"), participants_form=True,
        hint=_("Only those you add get an invitation now. Calendar entries and e-mail name no "
               "patient."))


@step_view
def meeting_minutes(request, uuid):
    def step(meeting, form):
        data = form.cleaned_data
        return services.record_minutes(meeting, by=request.user, minutes=data["minutes"],
                                       decisions=data["decisions"], attended=data["attended"])

    return _panel_step(
        request, uuid, lambda meeting, data: MinutesForm(data, meeting=meeting), step,
        lambda _meeting, _result: _("Minutes recorded; the meeting is marked as held."),
        title=_("Minutes"), submit=_("Save the minutes"), stacked=True,
        hint=_("Written after the meeting has started. Tick who attended."))


@step_view
def meeting_add_task(request, uuid):
    def step(meeting, form):
        data = form.cleaned_data
        return services.add_follow_up_task(
            meeting, by=request.user, description=data["description"],
            responsible_name=data["responsible_name"], due_date=data["due_date"],
            responsible_user=data["responsible_user"])

    return _panel_step(
        request, uuid, lambda meeting, data: FollowUpTaskForm(data, meeting=meeting), step,
        lambda _meeting, task: _("Follow-up task added: %(what)s (%(who)s, due %(date)s).") % {
            "what": task.description, "who": task.responsible_name,
            "date": dates.day(task.due_date)},
        title=_("Add a follow-up task"), submit=_("Add the task"))
