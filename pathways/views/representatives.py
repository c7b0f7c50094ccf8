"""Who acts for the patient in the patient's own door, on the staff patient page: for KE
staff of the patient's municipality only (pathways.services.representations decides; this
page shows nothing to anyone else). Register a parent (while the patient is under 16) or a
guardian (verge), end a representation, and record a child's wish (12-15) that limits what
the parents see. Each is a step (common.htmx.form_step) back to the patient page."""

from django import forms
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters

from common.htmx import form_step, posted, render_panel, step_done, step_view
from registry.capabilities import Capability, organizations_where
from registry.models import AuditObjectType

from .. import services
from ..access import audit_reads, get_visible_patient
from ..citizen_access import years_on
from ..models import (
    AGE_HEARD_ON_PARENTS,
    AGE_OF_HEALTH_CONSENT,
    Representation,
    RepresentationKind,
    RepresentationScope,
)
from ..services.representations import is_ke_of

K = RepresentationKind
PARTS = (("sees_plan", RepresentationScope.PLAN.label),
         ("sees_meetings", RepresentationScope.MEETINGS.label),
         ("sees_messages", RepresentationScope.MESSAGES.label))


class PartsForm(forms.Form):
    sees_plan = forms.BooleanField(label=PARTS[0][1], required=False)
    sees_meetings = forms.BooleanField(label=PARTS[1][1], required=False)
    sees_messages = forms.BooleanField(label=PARTS[2][1], required=False)


class RegisterForm(PartsForm):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), widget=forms.RadioSelect, choices=[
        (K.PARENT, K.PARENT.label), (K.GUARDIAN, K.GUARDIAN.label)])
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    identity_number = forms.CharField(
        label=gettext_lazy("National identity number"), max_length=14,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
    note = forms.CharField(
        label=gettext_lazy("Note"), max_length=300, required=False,
        help_text=gettext_lazy("For a guardian: the mandate's scope and the county governor's "
                               "decision."))
    field_order = ["kind", "name", "identity_number", "sees_plan", "sees_meetings",
                   "sees_messages", "note"]


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class LimitForm(PartsForm, VersionForm):
    pass


def _patient(request, uuid):
    """The patient, for KE staff of the patient's municipality; 404 for everyone else (who
    may not learn of the patient's representatives)."""
    patient = get_visible_patient(request.user, uuid)
    if not is_ke_of(request.user, patient):
        raise Http404("No such patient.")
    return patient


def _representation(patient, uuid) -> Representation:
    return get_object_or_404(Representation.objects.select_related("patient__municipality"),
                             patient=patient, uuid=uuid)


def section_context(user, patient) -> dict | None:
    """The patient page's section (None: not for this user), its read audited: one query
    for the representations (and the audit's INSERT when there are any); whether the
    user is the patient's KE comes from the request's memberships."""
    if getattr(user, "is_citizen", False) or patient.municipality_id not in {
            o.pk for o in organizations_where(user, Capability.WORK_IN_COORDINATING_UNIT)}:
        return None
    rows = list(Representation.objects.filter(patient=patient).select_related("patient")
                .order_by("withdrawn_at", "-valid_from", "pk"))
    if rows:
        audit_reads(user, rows, object_type=AuditObjectType.REPRESENTATION,
                    patient_of=lambda row: row.patient)
    age = years_on(patient.birth_date, timezone.localdate())
    for row in rows:
        row.ended = row.withdrawn_at is not None or (
            row.kind == K.PARENT and age >= AGE_OF_HEALTH_CONSENT)
        row.part_labels = [str(label) for field, label in PARTS if getattr(row, field)]
    return {"patient": patient, "rows": rows, "age": age,
            "parents_allowed": age < AGE_OF_HEALTH_CONSENT,
            "child_heard": AGE_HEARD_ON_PARENTS <= age < AGE_OF_HEALTH_CONSENT}


def _back(patient) -> str:
    return reverse("pathways:patient_detail", args=[patient.uuid]) + "#representatives"


@sensitive_post_parameters("identity_number")
@step_view
def register_representative(request, uuid):
    patient = _patient(request, uuid)
    initial = {"sees_plan": True, "sees_meetings": True, "sees_messages": True,
               "kind": K.PARENT if years_on(patient.birth_date, timezone.localdate())
               < AGE_OF_HEALTH_CONSENT else K.GUARDIAN}
    form = RegisterForm(posted(request), initial=initial)
    if initial["kind"] == K.GUARDIAN:  # 16 or older: no parent is registered
        form.fields["kind"].choices = [(K.GUARDIAN, K.GUARDIAN.label)]

    def step(data):
        return services.register_representative(
            patient, by=request.user, kind=data["kind"], identity_number=data["identity_number"],
            name=data["name"], sees_plan=data["sees_plan"], sees_meetings=data["sees_meetings"],
            sees_messages=data["sees_messages"], note=data["note"])

    return form_step(
        request, form, step,
        show=lambda form, status: render_panel(
            request, "pathways/partials/representative_register_form.html",
            {"form": form, "patient": patient, "back_url": _back(patient)}, status),
        done=lambda row: step_done(request, _("%(name)s is registered as %(kind)s.") % {
            "name": row.representative_name, "kind": row.get_kind_display().lower()},
            redirect_to=_back(patient)),
        aliases={"representative_identity_number": "identity_number",
                 "representative_name": "name"})


@step_view
def end_representative(request, uuid, representation):
    patient = _patient(request, uuid)
    row = _representation(patient, representation)
    form = VersionForm(posted(request), initial={"version": row.version})

    def step(data):
        return services.withdraw_representation(row, by=request.user,
                                                expected_version=data["version"])

    return form_step(
        request, form, step,
        show=lambda form, status: render_panel(
            request, "pathways/partials/representative_end_form.html",
            {"form": form, "patient": patient, "row": row, "back_url": _back(patient)},
            status),
        done=lambda ended: step_done(request, _("%(name)s no longer acts for %(patient)s.") % {
            "name": ended.representative_name, "patient": patient.full_name},
            redirect_to=_back(patient)))


@step_view
def limit_representative(request, uuid, representation):
    patient = _patient(request, uuid)
    row = _representation(patient, representation)
    form = LimitForm(posted(request), initial={
        "version": row.version, "sees_plan": row.sees_plan,
        "sees_meetings": row.sees_meetings, "sees_messages": row.sees_messages})

    def step(data):
        return services.limit_parent_representation(
            row, by=request.user, sees_plan=data["sees_plan"],
            sees_meetings=data["sees_meetings"], sees_messages=data["sees_messages"],
            expected_version=data["version"])

    return form_step(
        request, form, step,
        show=lambda form, status: render_panel(
            request, "pathways/partials/representative_limit_form.html",
            {"form": form, "patient": patient, "row": row, "back_url": _back(patient)},
            status),
        done=lambda limited: step_done(request, _(
            "What %(name)s sees is limited at %(patient)s's wish.") % {
            "name": limited.representative_name, "patient": patient.full_name},
            redirect_to=_back(patient)))
