"""Messages: the patient's (or their representative's) thread with the coordinator and the
coordinating unit, one per individual plan, newest at the bottom, with a large box to write
in. Beside it the unit's opening hours and phone, and that messages are read in opening
hours: a message is no emergency line.

Reading the page marks staff's messages read (the receipt staff see) and is audited; what
the citizen sent shows who of the staff read it first, and when. Sending is
coordination.services.send_message: an empty or too long message comes back as a form error
with the text kept, a closed plan's thread is read-only."""

from django import forms
from django.contrib import messages as flash
from django.core.exceptions import PermissionDenied
from django.db.models import Case, IntegerField, Value, When
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from common.htmx import run_step
from coordination import services as plan_services
from coordination.models import OPEN_PLAN_STATUSES, IndividualPlan, PlanStatus
from coordination.models.patient_input import MESSAGE_MAX_LENGTH
from pathways.citizen_access import CitizenAccess
from registry.models import AuditObjectType

from .common import audit_rows, citizen_required, door

PART = "messages"


class CitizenMessageForm(forms.Form):
    body = forms.CharField(
        label=gettext_lazy("Your message"), required=False, strip=False,
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": MESSAGE_MAX_LENGTH}),
        help_text=gettext_lazy("At most 4000 characters. Do not write anything urgent here."))


def _form(plan, data=None):
    return CitizenMessageForm(data, auto_id=f"id_{plan.uuid.hex[:8]}_%s")


def _plans(patient):
    """The patient's plans, open ones first: a declined request is no plan to them."""
    return (IndividualPlan.objects.filter(patient=patient).exclude(status=PlanStatus.DECLINED)
            .select_related("patient", "municipality__coordinating_unit", "coordinator__user")
            .annotate(closed_last=Case(When(status__in=OPEN_PLAN_STATUSES, then=Value(0)),
                                       default=Value(1), output_field=IntegerField()))
            .order_by("closed_last", "-created_at", "pk"))


def _page(request, access: CitizenAccess, *, form_for=None, form=None, status=200):
    """Queries: the plans with their unit and coordinator, then per plan its thread (one
    query whatever its length) and, when staff wrote something unread, the receipts; one
    INSERT audits the read of every thread shown."""
    user = request.user
    plans = list(_plans(access.patient))
    for plan in plans:
        plan.thread = plan_services.thread(plan, user)
        plan.unit = getattr(plan.municipality, "coordinating_unit", None)
        plan.writable = not plan.is_closed
        plan.form = form if plan.pk == form_for else _form(plan)
        unread = [m for m in plan.thread if not m.from_citizen and not m.read_by_me]
        for message in unread:
            message.is_new = True
        if unread:
            try:
                plan_services.mark_read(plan, user, unread=unread)
            except PermissionDenied:  # pragma: no cover - the door was checked above
                pass
    audit_rows(request, access, AuditObjectType.PLAN_MESSAGE, plans)
    return render(request, "citizen/messages.html", {
        "access": access, "patient": access.patient, "plans": plans,
        "home_unit": getattr(access.patient.municipality, "coordinating_unit", None),
    }, status=status)


@citizen_required
@require_GET
def messages(request, patient):
    return _page(request, door(request, patient, PART))


@citizen_required
@require_POST
def message_send(request, patient, plan):
    """Send a message in one plan's thread: back to the thread, or the page with the error
    and the text kept."""
    access = door(request, patient, PART)
    found = _plans(access.patient).filter(uuid=plan).first()
    if found is None:
        raise Http404("No such plan.")
    form = _form(found, request.POST)
    status = 422
    if form.is_valid():  # always: the service judges the text
        _result, status = run_step(form, lambda: plan_services.send_message(
            found, request.user, form.cleaned_data["body"]))
        if status == 200:
            flash.success(request, _("Your message is sent. You will see here when it has "
                                     "been read."))
            return redirect(reverse("citizen:messages", args=[access.patient.uuid])
                            + f"#plan-{found.uuid}")
    return _page(request, access, form_for=found.pk, form=form, status=status)


urls = [
    path("p/<uuid:patient>/messages/", messages, name="messages"),
    path("p/<uuid:patient>/messages/<uuid:plan>/send/", message_send, name="message_send"),
]
