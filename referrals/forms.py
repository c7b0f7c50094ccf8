"""The forms of the referral pages. Each step's form carries the version of the record the
user read (optimistic locking); the services decide, and their refusals come back onto the
fields named here (referrals.views: the aliases map the services' names onto these)."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from common.forms import date_field, text_area
from registry.models import ServiceLevel

from .models import Difficulty, RehabilitationPotential, WithdrawalReason


class VersionedForm(forms.Form):
    """Carries the version the user read (optimistic locking)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


def _yes_no(value):
    return {"yes": True, "no": False}.get(value)


def waiting_label(service) -> str:
    if service.waiting_days is None:
        return str(_("waiting time not known"))
    return str(_("waiting time %(days)s days") % {"days": service.waiting_days})


# -- The needs assessment ---------------------------------------------------------------------

class AssessmentForm(VersionedForm):
    """A draft's fields, the patient's own goals first, and a difficulty and a note for each
    function domain (fields domain_<id> and domain_<id>_note)."""

    patient_goals = forms.CharField(
        label=_("The patient's own goals"), required=False, widget=text_area(4),
        help_text=_("What matters to the patient, in their own words. Asked first."))
    barthel_index = forms.IntegerField(
        label=_("Barthel index (0–100)"), required=False, min_value=0, max_value=100)
    modified_rankin = forms.IntegerField(
        label=_("Modified Rankin Scale (0–6)"), required=False, min_value=0, max_value=6)
    cognition = forms.CharField(label=_("Cognition"), required=False, widget=text_area(2))
    communication = forms.CharField(label=_("Communication"), required=False,
                                    widget=text_area(2))
    vision_hearing = forms.CharField(label=_("Vision and hearing"), required=False,
                                     widget=text_area(2))
    swallowing = forms.CharField(label=_("Swallowing"), required=False, widget=text_area(2))
    social_situation = forms.CharField(label=_("Social situation"), required=False,
                                       widget=text_area(2))
    next_of_kin = forms.CharField(label=_("Next of kin"), required=False, widget=text_area(2))
    rehabilitation_potential = forms.ChoiceField(
        label=_("Rehabilitation potential"), required=False,
        choices=[("", _("Not assessed yet")), *RehabilitationPotential.choices])
    potential_note = forms.CharField(label=_("The team's judgement"), required=False,
                                     widget=text_area(3))
    # Completing: the suggestion confirmed, or another level with a reason.
    level = forms.ModelChoiceField(
        label=_("Level chosen"), queryset=ServiceLevel.objects.order_by("sort_order", "code"),
        required=False, empty_label=_("Choose the level"), to_field_name="code")
    override_reason = forms.CharField(
        label=_("Reason for choosing another level"), required=False, widget=text_area(2),
        help_text=_("Needed when you choose another level than the one suggested."))

    FIELDS = ("patient_goals", "barthel_index", "modified_rankin", "cognition",
              "communication", "vision_hearing", "swallowing", "social_situation",
              "next_of_kin", "rehabilitation_potential", "potential_note")

    def __init__(self, data=None, *, domains=(), **kwargs):
        super().__init__(data, **kwargs)
        self.fields["level"].label_from_instance = lambda level: (
            f"{level.code} {level.localized_name}")
        self.domains = list(domains)
        for domain in self.domains:
            self.fields[f"domain_{domain.pk}"] = forms.TypedChoiceField(
                label=domain.localized_name, required=False, coerce=int, empty_value=None,
                choices=[("", _("Not scored")),
                         *((value, f"{value} – {label}") for value, label in Difficulty.choices)])
            self.fields[f"domain_{domain.pk}_note"] = forms.CharField(
                label=_("Note on %(domain)s") % {"domain": domain.localized_name},
                required=False, max_length=500)

    def situation(self):
        return [self[name] for name in ("cognition", "communication", "vision_hearing",
                                        "swallowing", "social_situation", "next_of_kin")]

    def domain_rows(self):
        return [(domain, self[f"domain_{domain.pk}"], self[f"domain_{domain.pk}_note"])
                for domain in self.domains]

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.FIELDS}

    def scores(self) -> dict:
        return {domain.pk: (self.cleaned_data[f"domain_{domain.pk}"],
                            self.cleaned_data[f"domain_{domain.pk}_note"])
                for domain in self.domains}


# -- Referring ---------------------------------------------------------------------------------

class ReferralForm(forms.Form):
    service = forms.ModelChoiceField(
        label=_("Service asked for"), queryset=None, to_field_name="uuid",
        empty_label=_("Choose a service"),
        error_messages={"invalid_choice": _(
            "Choose one of the services that can serve the patient's municipality.")},
        help_text=_("The services in the catalogue that can serve the patient's "
                    "municipality, with their level, current waiting time and who assesses "
                    "the referral."))
    referrer = forms.ModelChoiceField(label=_("Referring unit"), queryset=None,
                                      to_field_name="uuid", empty_label=None)
    reason = forms.CharField(label=_("What the referral asks for, and why"),
                             widget=text_area(5))
    needs_assessment = forms.ModelChoiceField(queryset=None, required=False,
                                              to_field_name="uuid", widget=forms.HiddenInput)
    admission = forms.ModelChoiceField(queryset=None, required=False, to_field_name="uuid",
                                       widget=forms.HiddenInput)
    individual_plan = forms.ModelChoiceField(queryset=None, required=False,
                                             to_field_name="uuid", widget=forms.HiddenInput)

    def __init__(self, data=None, *, services, receivers, referrers, assessments, admissions,
                 plans, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["service"].queryset = services
        self.fields["service"].label_from_instance = lambda service: " · ".join([
            service.name, service.provider.name,
            str(_("level %(code)s") % {"code": service.level.code}), waiting_label(service),
            str(_("assessed by %(unit)s") % {"unit": receivers(service)})])
        self.fields["referrer"].queryset = referrers
        self.fields["needs_assessment"].queryset = assessments
        self.fields["admission"].queryset = admissions
        self.fields["individual_plan"].queryset = plans
        if referrers.count() < 2:
            self.fields["referrer"].required = False
            self.fields["referrer"].widget = forms.HiddenInput()


# -- Deciding ----------------------------------------------------------------------------------

YES_NO = [("", _("Not assessed")), ("yes", _("Yes")), ("no", _("No"))]


class DecisionForm(VersionedForm):
    """The rights assessment, and the decision: accept (with the place, the date care must
    start and the expected start) or decline (with the reason)."""

    DECISIONS = [("accept", pgettext_lazy("referral decision", "Accept")),
                 ("decline", pgettext_lazy("referral decision", "Decline"))]

    severity = forms.CharField(label=_("Severity"), required=False, widget=text_area(2))
    expected_benefit = forms.CharField(label=_("Expected benefit"), required=False,
                                       widget=text_area(2))
    resource_use = forms.CharField(label=_("Resource use"), required=False,
                                   widget=text_area(2))
    has_right = forms.TypedChoiceField(
        label=_("Right to necessary specialised care"), required=False, choices=YES_NO,
        coerce=_yes_no, empty_value=None, widget=forms.RadioSelect)
    care_start_deadline = date_field(
        _("Care to start at the latest"), required=False,
        help_text=_("The deadline for necessary care, when the patient has the right."))
    allocated_service = forms.ModelChoiceField(label=_("Place at"), queryset=None,
                                               to_field_name="uuid", required=False,
                                               empty_label=_("The service asked for"))
    expected_start = date_field(_("Expected start"), required=False)
    reason = forms.CharField(
        label=_("Reason for the decision"), required=False, widget=text_area(3),
        help_text=_("Required when you decline: the patient may complain about it."))
    decision = forms.ChoiceField(choices=DECISIONS, widget=forms.HiddenInput,
                                 error_messages={"required": _("Accept or decline.")})

    def __init__(self, data=None, *, allocatable, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["allocated_service"].queryset = allocatable
        self.fields["allocated_service"].label_from_instance = lambda service: (
            f"{service.name} ({service.provider.name}) · {waiting_label(service)}")


class ForwardForm(VersionedForm):
    to_service = forms.ModelChoiceField(label=_("Forward to"), queryset=None,
                                        to_field_name="uuid",
                                        empty_label=_("Choose a service"))
    reason = forms.CharField(label=_("Why another service"), widget=text_area(2))

    def __init__(self, data=None, *, services, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["to_service"].queryset = services
        self.fields["to_service"].label_from_instance = lambda service: " · ".join([
            service.name, service.provider.name,
            str(_("level %(code)s") % {"code": service.level.code}), waiting_label(service)])


class RequestInformationForm(VersionedForm):
    question = forms.CharField(label=_("Information needed"), widget=text_area(3))


class GiveInformationForm(VersionedForm):
    reply = forms.CharField(label=_("Your answer"), widget=text_area(4))


class ChoiceForm(VersionedForm):
    service = forms.ModelChoiceField(label=_("The patient's choice"), queryset=None,
                                     to_field_name="uuid", widget=forms.RadioSelect,
                                     empty_label=None)

    def __init__(self, data=None, *, options, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["service"].queryset = options
        self.fields["service"].label_from_instance = lambda service: (
            f"{service.name} ({service.provider.name}) · {waiting_label(service)}")


class ExpectedStartForm(VersionedForm):
    expected_start = date_field(_("Expected start"))


class StartForm(VersionedForm):
    started_on = date_field(_("Started on"))


class WithdrawForm(VersionedForm):
    reason = forms.ChoiceField(label=_("Why the referral ends"),
                               choices=[("", _("Choose")), *WithdrawalReason.choices])
    note = forms.CharField(label=_("Note"), required=False, widget=text_area(2))
