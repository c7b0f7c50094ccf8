"""My rights: who has read my data (the access log), my consents, who may act for me, and
the experience survey after a plan closes. The patient's own (pathways.citizen_access: the
parts log, consents, representatives and survey; a representative meets 404 here).

Every page audits its read (common.audit_read); every change is a service call."""

import datetime

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from common.exceptions import StaleVersion, StateConflict
from common.htmx import CONFLICT, FORBIDDEN, UNPROCESSABLE, add_service_errors
from coordination import services as coordination_services
from coordination.models import (
    Consent,
    ConsentScope,
    ExperienceInvitation,
    ExperienceQuestion,
)
from pathways import services as pathway_services
from pathways.citizen_access import years_on
from pathways.models import (
    AGE_OF_HEALTH_CONSENT,
    NextOfKin,
    Representation,
    RepresentationKind,
)
from registry.models import AuditEvent, AuditObjectType

from ..access_log import describe
from .common import audit_read, citizen_required, door

LOG_PER_PAGE = 50
PERIODS = {"30": 30, "365": 365}


def now() -> datetime.datetime:
    """The log's clock for its periods; tests move it."""
    return timezone.now()


def _own(request, patient, part=None):
    """The patient's own door (a representative is 404 here)."""
    access = door(request, patient, part)
    if not access.is_patient:
        raise Http404
    return access


def open_invitations(patient):
    return list(ExperienceInvitation.objects.filter(
        patient=patient, answered=False).select_related("plan__municipality").order_by(
        "-created_at"))


# -- The hub -------------------------------------------------------------------------------

@citizen_required
def rights(request, patient):
    access = _own(request, patient)
    audit_read(request, access, AuditObjectType.CITIZEN_HOME, access.patient.uuid)
    return render(request, "citizen/rights.html", {
        "access": access, "patient": access.patient,
        "invitations": open_invitations(access.patient)})


# -- Who has read my data ------------------------------------------------------------------

class LogFilter(forms.Form):
    period = forms.ChoiceField(
        label=gettext_lazy("Period"), required=False, initial="all",
        choices=[("30", gettext_lazy("The last 30 days")),
                 ("365", gettext_lazy("The last year")),
                 ("all", gettext_lazy("Everything"))])
    others = forms.BooleanField(label=gettext_lazy("Only others than me"), required=False)


EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
MICROSECOND = datetime.timedelta(microseconds=1)


def _cursor(value: str) -> tuple[datetime.datetime, int] | None:
    """The keyset position "<microseconds since the epoch>-<id>" of the last event shown."""
    try:
        micros, pk = (int(part) for part in value.split("-", 1))
        return EPOCH + micros * MICROSECOND, pk
    except (ValueError, TypeError, OverflowError):
        return None


def _cursor_of(event) -> str:
    return f"{(event.at - EPOCH) // MICROSECOND}-{event.pk}"


@citizen_required
def rights_log(request, patient):
    """Every read and change of the patient's data, newest first, 50 at a time by keyset
    (the index (patient_uuid, -at) serves every page alike, however long the trail: no
    count, no offset). Reading the log is itself logged, first, so it is at the top."""
    access = _own(request, patient, "log")
    audit_read(request, access, AuditObjectType.ACCESS_LOG, access.patient.uuid)
    form = LogFilter(request.GET or None)
    period, others = "all", False
    if form.is_valid():
        period = form.cleaned_data["period"] or "all"
        others = form.cleaned_data["others"]
    events = AuditEvent.objects.filter(patient_uuid=access.patient.uuid)
    if period in PERIODS:
        events = events.filter(at__gte=now() - datetime.timedelta(days=PERIODS[period]))
    if others:
        events = events.exclude(user_id=request.user.pk)
    position = _cursor(request.GET.get("before", ""))
    if position is not None:
        at, pk = position
        events = events.filter(Q(at__lt=at) | Q(at=at, pk__lt=pk))
    rows = list(events.select_related("organization").order_by("-at", "-id")[:LOG_PER_PAGE + 1])
    more = len(rows) > LOG_PER_PAGE
    rows = rows[:LOG_PER_PAGE]
    entries = describe(rows, patient=access.patient, viewer=request.user)
    query = {"period": period} | ({"others": "on"} if others else {})
    older = None
    if more:
        older = "?" + "&".join(f"{key}={value}" for key, value in
                               {**query, "before": _cursor_of(rows[-1])}.items())
    return render(request, "citizen/rights_log.html", {
        "access": access, "patient": access.patient, "form": form, "entries": entries,
        "older": older, "first_page": position is None,
        "newest": "?" + "&".join(f"{key}={value}" for key, value in query.items())})


# -- Consents ------------------------------------------------------------------------------

def _consents(patient):
    return list(Consent.objects.filter(plan__patient=patient).select_related(
        "organization", "plan").order_by("revoked_at", "-given_at", "pk"))


@citizen_required
def rights_consents(request, patient):
    access = _own(request, patient, "consents")
    consents = _consents(access.patient)
    audit_read(request, access, AuditObjectType.CONSENT, "")
    return render(request, "citizen/rights_consents.html", {
        "access": access, "patient": access.patient,
        "live": [c for c in consents if c.revoked_at is None],
        "ended": [c for c in consents if c.revoked_at is not None]})


@citizen_required
@require_http_methods(["GET", "POST"])
def rights_consent_withdraw(request, patient, consent):
    """A confirmation that says what withdrawing means, then the withdrawal."""
    access = _own(request, patient, "consents")
    consent = get_object_or_404(Consent.objects.select_related("organization", "plan__patient"),
                                uuid=consent, plan__patient=access.patient)
    audit_read(request, access, AuditObjectType.CONSENT, consent.uuid)
    if consent.revoked_at is not None:
        messages.info(request, _("You have already withdrawn this consent."))
        return redirect("citizen:rights_consents", patient=access.patient.uuid)
    error, status = None, 200
    if request.method == "POST":
        try:
            coordination_services.patient_revoke_consent(consent, by=request.user)
        except StateConflict as exc:
            error, status = exc.message, CONFLICT
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(request, _consequence(consent, done=True))
            return redirect("citizen:rights_consents", patient=access.patient.uuid)
    return render(request, "citizen/rights_consent_withdraw.html", {
        "access": access, "patient": access.patient, "consent": consent, "error": error,
        "consequence": _consequence(consent, done=False),
        "about_plan": consent.scope == ConsentScope.PLAN}, status=status)


def _consequence(consent: Consent, *, done: bool) -> str:
    """What withdrawing means for the organisation's access, truthfully: it loses the plan,
    unless it also sees the patient on other grounds (it gives care)."""
    organization = consent.organization.name
    grounds = coordination_services.other_grounds(consent)
    if not grounds:
        if done:
            return _("%(org)s can no longer see your plan.") % {"org": organization}
        return _("If you withdraw it, %(org)s can no longer see your plan.") % {
            "org": organization}
    reasons = ", ".join(str(g).lower() for g in grounds)
    if done:
        return _("%(org)s no longer has your consent. It still sees your data because it "
                 "gives you care (%(reasons)s).") % {"org": organization, "reasons": reasons}
    return _("If you withdraw it, %(org)s no longer has your consent. It still sees your data "
             "because it gives you care (%(reasons)s).") % {"org": organization,
                                                             "reasons": reasons}


# -- Who may act for me --------------------------------------------------------------------

class GrantForm(forms.Form):
    next_of_kin = forms.ModelChoiceField(
        label=gettext_lazy("Choose one of your next of kin"), required=False,
        queryset=NextOfKin.objects.none(),
        empty_label=gettext_lazy("Someone else (write the name below)"),
        help_text=gettext_lazy("We then use the name you gave us before."))
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200, required=False)
    identity_number = forms.CharField(
        label=gettext_lazy("Their national identity number (11 digits)"), max_length=14,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=gettext_lazy("They sign in with this number through ID-porten."))
    sees_plan = forms.BooleanField(label=gettext_lazy("My plan"), required=False)
    sees_meetings = forms.BooleanField(label=gettext_lazy("My meetings"), required=False)
    sees_messages = forms.BooleanField(label=gettext_lazy("My messages"), required=False)

    def __init__(self, *args, patient, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["next_of_kin"].queryset = NextOfKin.objects.filter(patient=patient)
        self.fields["next_of_kin"].label_from_instance = lambda kin: f"{kin.name} ({kin.relation})"

    def clean(self):
        data = super().clean()
        if not (data.get("name") or "").strip() and data.get("next_of_kin") is None:
            self.add_error("name", _("Write the person's name, or choose one of your next of "
                                     "kin."))
        return data


def _status_of(representation: Representation, today) -> str:
    if representation.withdrawn_at is not None:
        return "ended"
    if representation.kind == RepresentationKind.PARENT and years_on(
            representation.patient.birth_date, today) >= AGE_OF_HEALTH_CONSENT:
        return "ended_at_16"
    return "live"


def _representations(patient):
    today = timezone.localdate()
    rows = list(Representation.objects.filter(patient=patient).select_related("patient")
                .order_by("withdrawn_at", "-valid_from", "pk"))
    for row in rows:
        row.status = _status_of(row, today)
        row.parts = [label for on, label in (
            (row.sees_plan, _("the plan")), (row.sees_meetings, _("meetings")),
            (row.sees_messages, _("messages"))) if on]
    return ([r for r in rows if r.status == "live"], [r for r in rows if r.status != "live"])


@sensitive_post_parameters("identity_number")
@citizen_required
@require_http_methods(["GET", "POST"])
def rights_representatives(request, patient):
    access = _own(request, patient, "representatives")
    patient = access.patient
    may_grant = years_on(patient.birth_date, timezone.localdate()) >= AGE_OF_HEALTH_CONSENT
    form = GrantForm(request.POST if request.method == "POST" else None, patient=patient)
    status = 200
    if request.method == "POST" and may_grant:
        if form.is_valid():
            kin = form.cleaned_data["next_of_kin"]
            name = (form.cleaned_data["name"] or "").strip() or (kin.name if kin else "")
            try:
                granted = pathway_services.grant_representation(
                    patient, by=request.user, identity_number=form.cleaned_data[
                        "identity_number"], name=name, next_of_kin=kin,
                    sees_plan=form.cleaned_data["sees_plan"],
                    sees_meetings=form.cleaned_data["sees_meetings"],
                    sees_messages=form.cleaned_data["sees_messages"])
            except ValidationError as exc:
                add_service_errors(form, exc, aliases={
                    "representative_identity_number": "identity_number",
                    "representative_name": "name"})
                status = UNPROCESSABLE
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
                status = FORBIDDEN
            else:
                messages.success(request, _(
                    "%(name)s now has access. They sign in with their own ID-porten.")
                    % {"name": granted.representative_name})
                return redirect("citizen:rights_representatives", patient=patient.uuid)
        else:
            status = UNPROCESSABLE
    live, ended = _representations(patient)
    audit_read(request, access, AuditObjectType.REPRESENTATION, "")
    return render(request, "citizen/rights_representatives.html", {
        "access": access, "patient": patient, "form": form, "may_grant": may_grant,
        "live": live, "ended": ended}, status=status)


class WithdrawForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


@citizen_required
@require_http_methods(["GET", "POST"])
def rights_representative_withdraw(request, patient, representation):
    access = _own(request, patient, "representatives")
    representation = get_object_or_404(
        Representation.objects.select_related("patient"), uuid=representation,
        patient=access.patient)
    audit_read(request, access, AuditObjectType.REPRESENTATION, representation.uuid)
    if representation.withdrawn_at is not None or \
            representation.kind != RepresentationKind.NEXT_OF_KIN:
        return redirect("citizen:rights_representatives", patient=access.patient.uuid)
    form = WithdrawForm(request.POST if request.method == "POST" else None,
                        initial={"version": representation.version})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                pathway_services.withdraw_representation(
                    representation, by=request.user,
                    expected_version=form.cleaned_data["version"])
            except StaleVersion as exc:
                form.add_error(None, exc.message)
                status = CONFLICT
            except StateConflict:
                return redirect("citizen:rights_representatives", patient=access.patient.uuid)
            else:
                messages.success(request, _("%(name)s no longer has access to your page.")
                                 % {"name": representation.representative_name})
                return redirect("citizen:rights_representatives", patient=access.patient.uuid)
        else:
            status = UNPROCESSABLE
    return render(request, "citizen/rights_representative_withdraw.html", {
        "access": access, "patient": access.patient, "representation": representation,
        "form": form}, status=status)


# -- The experience survey -----------------------------------------------------------------

SCORE_CHOICES = [
    ("1", gettext_lazy("1 – Not at all")),
    ("2", gettext_lazy("2 – To a small extent")),
    ("3", gettext_lazy("3 – Somewhat")),
    ("4", gettext_lazy("4 – To a great extent")),
    ("5", gettext_lazy("5 – To a very great extent")),
]


class SurveyForm(forms.Form):
    """One radio group (a fieldset with its statement as the legend) per question; a
    question may be left unanswered."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for question in ExperienceQuestion:
            self.fields[question.value] = forms.ChoiceField(
                label=question.label, choices=SCORE_CHOICES, required=False,
                widget=forms.RadioSelect)


@citizen_required
@require_http_methods(["GET", "POST"])
def survey(request, patient, invitation):
    access = _own(request, patient, "survey")
    invitation = get_object_or_404(
        ExperienceInvitation.objects.select_related("plan__municipality", "patient"),
        uuid=invitation, patient=access.patient)
    audit_read(request, access, AuditObjectType.CITIZEN_HOME, invitation.uuid)
    form = SurveyForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST" and not invitation.answered:
        if form.is_valid():
            try:
                coordination_services.answer_experience_survey(
                    invitation, by=request.user, answers=form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
                status = UNPROCESSABLE
            except StateConflict as exc:
                form.add_error(None, exc.message)
                status = CONFLICT
            else:
                messages.success(request, _("Thank you! Your answers help make the services "
                                            "better."))
                return redirect("citizen:survey", patient=access.patient.uuid,
                                invitation=invitation.uuid)
        else:
            status = UNPROCESSABLE
    return render(request, "citizen/survey.html", {
        "access": access, "patient": access.patient, "invitation": invitation,
        "form": form}, status=status)


urls = [
    path("p/<uuid:patient>/rights/", rights, name="rights"),
    path("p/<uuid:patient>/rights/log/", rights_log, name="rights_log"),
    path("p/<uuid:patient>/rights/consents/", rights_consents, name="rights_consents"),
    path("p/<uuid:patient>/rights/consents/<uuid:consent>/withdraw/", rights_consent_withdraw,
         name="rights_consent_withdraw"),
    path("p/<uuid:patient>/rights/representatives/", rights_representatives,
         name="rights_representatives"),
    path("p/<uuid:patient>/rights/representatives/<uuid:representation>/withdraw/",
         rights_representative_withdraw, name="rights_representative_withdraw"),
    path("p/<uuid:patient>/survey/<uuid:invitation>/", survey, name="survey"),
]
