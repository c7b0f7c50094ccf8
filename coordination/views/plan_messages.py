"""The plan page's message thread with the patient: who wrote (the patient, a representative
by name, staff by name), when, and whether the patient's side has read staff's messages; a
reply form. Shown to those who take part (the plan's coordinator, the KE of its
municipality); others who see the plan see that there is a thread, not its messages.

Viewing the page marks the patient's messages read by this user (a receipt the patient
sees, and an audit event each). The thread is one query however long it is; the receipts
cost an INSERT or two only when something was unread."""

from django import forms
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.htmx import action_view, form_step

from .. import services
from ..access import get_visible_plan
from ..models.patient_input import MESSAGE_MAX_LENGTH


class MessageForm(forms.Form):
    """One message in the thread; the service judges it (empty, too long, a closed plan)."""

    body = forms.CharField(
        label=gettext_lazy("Message"), required=False, strip=False,
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": MESSAGE_MAX_LENGTH}),
        help_text=gettext_lazy("At most 4000 characters."))


def message_form(data=None, **kwargs):
    return MessageForm(data, auto_id="id_message_%s", **kwargs)


def context(request, plan, *, editable: bool) -> dict:
    """The thread (one query), and the receipts of what this user had not read yet."""
    user = request.user
    if not services.takes_part(user, plan, fresh=False):
        return {"thread_shown": False}
    thread = services.thread(plan, user)
    unread = [m for m in thread if m.from_citizen and not m.read_by_me]
    for message in unread:
        message.is_new = True
    if unread:
        try:
            services.mark_read(plan, user, unread=unread)
        except PermissionDenied:  # the membership ended a moment ago: no receipt
            pass
    return {
        "thread_shown": True, "plan_thread": thread, "thread_new": len(unread),
        "message_form": getattr(request, "plan_message_form", None) or message_form(),
    }


@action_view
def send_plan_message(request, uuid):
    """Staff write to the patient from the plan page: the plan again with the message in
    the thread, or the form with its error and the text kept (nothing written)."""
    from .plan import plan_response  # the plan page builds on this module

    plan = get_visible_plan(request.user, uuid, log=False)
    form = message_form(request.POST)

    def show(form, status):
        request.plan_message_form = form
        return plan_response(request, plan, forms={"message": form}, status=status)

    return form_step(
        request, form, lambda data: services.send_message(plan, request.user, data["body"]),
        show=show, done=lambda _message: plan_response(request, plan, _(
            "The message is sent. The patient sees it on their own page.")))
