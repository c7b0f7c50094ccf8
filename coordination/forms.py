"""Forms of the KE's overview and the plan page. They only parse input: the services decide."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.forms import datetime_field
from registry.models import Organization, ServiceOffering

from .models import (
    AchievementStatus,
    ConsentMethod,
    ConsentScope,
    Coordinator,
    CoordinatorKind,
    MeasureStatus,
    PlanParticipantKind,
    PlanStatus,
    RequestKind,
    RequestSource,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def coordinator_label(coordinator) -> str:
    return _("%(name)s (%(kind)s, %(load)s of %(capacity)s plans)") % {
        "name": coordinator.user.display_name(), "kind": coordinator.get_kind_display(),
        "load": coordinator.load, "capacity": coordinator.capacity}


class CoordinatorChoiceMixin:
    """Offers the municipality's coordinators with their load; accepts any coordinator id, so
    the service (check_coordinator) explains a wrong choice instead of "invalid choice"."""

    def set_coordinators(self, coordinators, empty_label):
        field = self.fields["coordinator"]
        field.widget.choices = [("", empty_label)] + [
            (c.pk, coordinator_label(c)) for c in coordinators]


class AppointCoordinatorForm(CoordinatorChoiceMixin, forms.Form):
    """Choose a coordinator with the patient's wishes; over capacity needs the checkbox."""

    coordinator = forms.ModelChoiceField(
        label=_("Coordinator"), required=False,
        queryset=Coordinator.objects.select_related("user", "organization"),
        help_text=_("Load and capacity are shown for each coordinator."))
    patient_wishes = forms.CharField(
        label=_("The patient's wishes"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The patient's wishes weigh in the choice of coordinator."))
    allow_over_capacity = forms.BooleanField(
        label=_("Assign even if the coordinator is at capacity"), required=False)

    def __init__(self, *args, coordinators=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.set_coordinators(coordinators, _("Choose a coordinator"))


class AcceptRequestForm(AppointCoordinatorForm):
    pass


class DeclineRequestForm(CoordinatorChoiceMixin, forms.Form):
    reason = forms.CharField(label=_("Reason for declining"), required=False,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("The patient may appeal the decision."))
    coordinator_offered = forms.BooleanField(label=_("A coordinator was offered"),
                                             required=False)
    coordinator = forms.ModelChoiceField(
        label=_("Coordinator, if the patient took the offer"), required=False,
        queryset=Coordinator.objects.select_related("user", "organization"))
    patient_wishes = forms.CharField(label=_("The patient's wishes"), required=False,
                                     widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, coordinators=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.set_coordinators(coordinators, _("No coordinator now"))


class PlanRequestForm(forms.Form):
    """A request to a municipality's KE (melding om behov), from the patient's page. The
    service checks the patient, the municipality and an open request of the same kind."""

    kind = forms.ChoiceField(label=_("Request for"), choices=RequestKind.choices,
                             initial=RequestKind.INDIVIDUAL_PLAN)
    source = forms.ChoiceField(
        label=_("The request comes from"),
        choices=[("", _("Choose who asks")), *RequestSource.choices],
        help_text=_("Who asked for it: the hospital, the GP, the patient, next of kin or a "
                    "municipal service."))
    submitter_name = forms.CharField(
        label=_("Submitted by"), required=False, max_length=200,
        help_text=_("Leave empty to submit in your own name. When you register a request "
                    "someone made by phone or letter, write their name (for example the "
                    "GP's)."))
    municipality = forms.ModelChoiceField(
        label=_("To the coordinating unit of"), queryset=Organization.objects.none(),
        empty_label=_("Choose a municipality"),
        help_text=_("Usually the municipality the patient lives in."))
    received_at = datetime_field(
        _("Received at"), help_text=_("When the need was made known; not in the future."))
    description = forms.CharField(
        label=_("What the need is"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("In the patient's own words where possible."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = Organization.objects.municipalities().order_by(
            "name")

    def clean_received_at(self):
        received_at = self.cleaned_data["received_at"]
        if received_at > timezone.now():
            raise forms.ValidationError(_("The time lies in the future."), code="future")
        return received_at

    def clean_submitter_name(self) -> str:
        return " ".join(self.cleaned_data["submitter_name"].split())


class OverviewFilterForm(forms.Form):
    """The KE overview's filters. The choices are the lists the view already loaded, so
    validating costs no query; a value that is not among them is an error, not a 500."""

    level = forms.ChoiceField(
        label=_("Plans with a measure on pyramid level"), required=False,
        error_messages={"invalid_choice": _("Choose a level from the list.")})
    service = forms.ChoiceField(
        label=_("Plans with a measure of the service"), required=False,
        error_messages={"invalid_choice": _("Choose a service from the list.")},
        help_text=_("The municipality's own services and the services in its plans."))

    def __init__(self, data=None, *, levels=(), services=(), **kwargs):
        kwargs.setdefault("auto_id", "%s-filter")
        super().__init__(data, **kwargs)
        self.fields["level"].choices = [("", _("All levels"))] + [
            (level.code, f"{level.code} {level.localized_name}") for level in levels]
        self.fields["service"].choices = [("", _("All services"))] + [
            (str(s.uuid), f"{s.level.code} · {s.name} ({s.provider.name})") for s in services]


class VersionedForm(forms.Form):
    """Carries the plan version the editor read (optimistic locking)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class WhatMattersForm(VersionedForm):
    what_matters = forms.CharField(
        label=_("What matters to you?"), required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The patient's overarching goal, in their own words."))


class GoalForm(VersionedForm):
    text = forms.CharField(label=_("Goal"), widget=forms.Textarea(attrs={"rows": 2}),
                           help_text=_("In the patient's own words."))
    target_date = forms.DateField(label=_("Target date"), required=False, widget=DATE)
    status = forms.ChoiceField(label=_("Achievement"), choices=AchievementStatus.choices,
                               initial=AchievementStatus.NOT_STARTED)


class MeasureForm(VersionedForm):
    service_search = forms.CharField(
        label=_("Search the services"), required=False, max_length=100,
        widget=forms.TextInput(attrs={"type": "search"}),
        help_text=_("Narrows the list of services below by the service's or the provider's "
                    "name."))
    service = forms.ModelChoiceField(
        label=_("Service"), required=False,
        queryset=ServiceOffering.objects.active().select_related("level", "provider")
        .order_by("level__code", "name"))
    description = forms.CharField(label=_("Measure"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    responsible_person = forms.CharField(label=_("Responsible person"), required=False,
                                         max_length=200)
    extent = forms.CharField(label=_("Extent / frequency"), required=False, max_length=200)
    starts_on = forms.DateField(label=_("From"), required=False, widget=DATE)
    ends_on = forms.DateField(label=_("To"), required=False, widget=DATE)

    def __init__(self, *args, services=None, search_url: str = "", **kwargs):
        """`services`: the services that can serve the plan's patient (a queryset with level
        and provider), offered grouped by pyramid level; a service outside them is a form
        error. `search_url`: the endpoint that narrows the list as the user types."""
        super().__init__(*args, **kwargs)
        field = self.fields["service"]
        field.label_from_instance = lambda s: (
            f"{s.level.code} {s.level.localized_name} · {s.name} ({s.provider.name})")
        if services is not None:
            field.queryset = services
            field.error_messages["invalid_choice"] = _(
                "Choose one of the services that can serve this patient.")
            field.widget.choices = grouped_service_choices(list(services))
        if search_url:
            self.fields["service_search"].widget.attrs.update({
                "hx-get": search_url, "hx-trigger": "input changed delay:300ms, search",
                "hx-target": f"#{self['service'].auto_id}", "hx-swap": "outerHTML",
                "hx-include": f"#{self['service'].auto_id}",
                "aria-controls": self["service"].auto_id, "autocomplete": "off"})
        else:
            del self.fields["service_search"]

    def clean(self):
        cleaned = super().clean()
        cleaned.pop("service_search", None)  # only narrows the list; not the measure's
        return cleaned


def grouped_service_choices(services) -> list:
    """The select's choices: no service, then the services under their pyramid level
    (<optgroup>), bottom of the pyramid first."""
    groups: dict = {}
    for service in services:
        groups.setdefault(service.level, []).append(
            (service.pk, f"{service.name} ({service.provider.name})"))
    return [("", _("No service chosen"))] + [
        (f"{level.code} {level.localized_name}", items)
        for level, items in sorted(groups.items(), key=lambda group: group[0].sort_order)]


class ReassignCoordinatorForm(AppointCoordinatorForm, VersionedForm):
    """Appoint or replace the plan's coordinator from the plan page (KE staff)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_reassign_%s")
        super().__init__(*args, **kwargs)
        self.fields["coordinator"].label = _("New coordinator")
        self.fields["coordinator"].required = True


class StatusForm(VersionedForm):
    status = forms.ChoiceField(label=_("New status"), choices=PlanStatus.choices)


class ConsentForm(VersionedForm):
    organization = forms.ModelChoiceField(label=_("Organisation"),
                                          empty_label=_("Choose an organisation"),
                                          queryset=Organization.objects.order_by("name"))
    scope = forms.ChoiceField(label=_("Consent to"), choices=ConsentScope.choices)
    method = forms.ChoiceField(label=_("How"), choices=ConsentMethod.choices)


class GoalUpdateForm(VersionedForm):
    status = forms.ChoiceField(label=_("Achievement"), choices=AchievementStatus.choices)
    target_date = forms.DateField(label=_("Target date"), required=False, widget=DATE)


class MeasureUpdateForm(VersionedForm):
    status = forms.ChoiceField(label=_("Status"), choices=MeasureStatus.choices)
    starts_on = forms.DateField(label=_("From"), required=False, widget=DATE)
    ends_on = forms.DateField(label=_("To"), required=False, widget=DATE)


class GoalTextForm(VersionedForm):
    """A goal's new wording (the coordinator or the KE)."""

    text = forms.CharField(
        label=_("Goal"), widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("A goal in the patient's own words stays marked as theirs; the plan shows "
                    "who reworded it, and the version history keeps the earlier wording."))


class MeasureTextForm(VersionedForm):
    """A measure's texts: what it is, who is responsible, how much."""

    description = forms.CharField(label=_("Measure"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    responsible_person = forms.CharField(label=_("Responsible person"), required=False,
                                         max_length=200)
    extent = forms.CharField(label=_("Extent / frequency"), required=False, max_length=200)


class ParticipantForm(VersionedForm):
    kind = forms.ChoiceField(label=_("Role"), choices=PlanParticipantKind.choices)
    name = forms.CharField(label=_("Name"), max_length=200)
    organization = forms.ModelChoiceField(label=_("Organisation"), required=False,
                                          empty_label=_("Choose an organisation (optional)"),
                                          queryset=Organization.objects.order_by("name"))
    contribution = forms.CharField(label=_("Contribution"), required=False,
                                   widget=forms.Textarea(attrs={"rows": 2}))


class EvaluationForm(VersionedForm):
    evaluated_on = forms.DateField(label=_("Date of the evaluation"), widget=DATE)
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 3}))
    goal_achievement = forms.CharField(label=_("Goal achievement"), required=False,
                                       widget=forms.Textarea(attrs={"rows": 2}))
    next_evaluation_on = forms.DateField(
        label=_("Next evaluation"), required=False, widget=DATE,
        help_text=_("Leave empty for the usual interval."))


class CoordinatorProfileForm(forms.Form):
    """A staff member of one of the KE's municipalities becomes a coordinator. Any user id is
    accepted, so the service explains a user who does not work there."""

    organization = forms.ModelChoiceField(label=_("Municipality"),
                                          empty_label=_("Choose a municipality"),
                                          queryset=Organization.objects.none())
    user = forms.ModelChoiceField(label=_("Staff member"),
                                  queryset=get_user_model().objects.all())
    kind = forms.ChoiceField(label=_("Kind"), choices=CoordinatorKind.choices,
                             initial=CoordinatorKind.GENERAL)
    profession = forms.CharField(label=_("Profession"), required=False, max_length=100)
    training_completed_on = forms.DateField(label=_("Training completed"), required=False,
                                            widget=DATE)
    capacity = forms.IntegerField(label=_("Capacity (plans)"), min_value=1, initial=10)

    def __init__(self, *args, org_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = Organization.objects.filter(
            pk__in=org_ids).order_by("name")
        staff = get_user_model().objects.filter(
            is_active=True, memberships__organization_id__in=org_ids).distinct().order_by(
            "last_name", "first_name")
        self.fields["user"].widget.choices = [("", _("Choose a staff member"))] + [
            (u.pk, u.display_name()) for u in staff]


class CoordinatorUpdateForm(forms.Form):
    training_completed_on = forms.DateField(label=_("Training completed"), required=False,
                                            widget=DATE)
    capacity = forms.IntegerField(label=_("Capacity (plans)"), min_value=1)
