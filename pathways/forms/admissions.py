"""The ward board's steps on a stay and the KE inbox's answer. They check what a form can
check (types, formats); the services decide everything else and their refusals come back
onto these forms' fields (common.htmx.run_step)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from common.forms import date_field, datetime_field, text_area
from registry.models import (
    Organization,
    OrganizationKind,
    ServiceLevel,
    Ward,
)

from ..identity import parse_identity_number
from ..models import (
    DischargeDestination,
    MessageStatus,
    MunicipalAnswerKind,
)
from .fields import LevelChoiceField, WardChoiceField


class AdmitForm(forms.Form):
    """Admit a patient by identity number (services.admit_by_identity_number): a patient the
    portal knows, or one registered here and now with names, birth date and municipality."""

    identity_number = forms.CharField(
        label=_("National identity number"), max_length=20,
        help_text=_("Fødselsnummer or D-number, 11 digits. Spaces are ignored."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off",
                                      "spellcheck": "false"}),
    )
    given_name = forms.CharField(
        label=_("Given name"), max_length=100, required=False,
        help_text=_("Needed unless your hospital already sees the patient; checked "
                    "against the registered name."))
    family_name = forms.CharField(
        label=_("Family name"), max_length=100, required=False,
        help_text=_("Needed unless your hospital already sees the patient; checked "
                    "against the registered name."))
    birth_date = date_field(_("Birth date"), required=False,
                            help_text=_("Read from the identity number when left empty."))
    municipality = forms.ModelChoiceField(
        label=_("Municipality of residence"), required=False, queryset=None,
        empty_label=_("Choose a municipality"),
        help_text=_("Needed when the patient is new to the portal."),
    )
    ward = WardChoiceField(label=_("Ward"), queryset=None)
    admitted_at = datetime_field(_("Admitted at"))
    reason = forms.CharField(label=_("Reason for admission"), required=False,
                             widget=text_area())
    estimated_discharge_date = date_field(_("Estimated discharge date"), required=False,
                                          help_text=_("Leave empty if not known yet."))
    receives_municipal_services = forms.BooleanField(
        label=_("Already receives municipal services"), required=False)
    needs_interdisciplinary_follow_up = forms.BooleanField(
        label=_("Needs interdisciplinary follow-up"), required=False,
        help_text=_("Calls for a discharge meeting before discharge."))
    is_rehabilitation_stay = forms.BooleanField(label=_("Rehabilitation stay"),
                                                required=False)

    ADMISSION_FIELDS = ("reason", "estimated_discharge_date", "receives_municipal_services",
                        "needs_interdisciplinary_follow_up", "is_rehabilitation_stay")

    def __init__(self, *args, hospital, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = Organization.objects.municipalities()
        self.fields["ward"].queryset = Ward.objects.of(hospital).active()

    def clean_identity_number(self) -> str:
        return parse_identity_number(self.cleaned_data["identity_number"].strip()).number

    def clean_given_name(self) -> str:
        return " ".join(self.cleaned_data["given_name"].split())

    def clean_family_name(self) -> str:
        return " ".join(self.cleaned_data["family_name"].split())

    def admission_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.ADMISSION_FIELDS}


class EarlyNotificationForm(forms.Form):
    """All sections of the PLO early notification. Nothing is required to send: a notice on
    time with unknowns beats a complete one too late (DOMAIN.md)."""

    expected_course = forms.CharField(label=_("Expected course"), required=False,
                                      widget=text_area())
    estimated_discharge_date = date_field(_("Estimated discharge date"), required=False,
                                          help_text=_("Leave empty if not known yet."))
    functional_level = forms.CharField(label=_("Functional level"), required=False,
                                       widget=text_area())
    barthel_index = forms.IntegerField(label=_("Barthel index (0–100)"), required=False,
                                       min_value=0, max_value=100)
    modified_rankin = forms.IntegerField(label=_("Modified Rankin Scale (0–6)"),
                                         required=False, min_value=0, max_value=6)
    municipal_services_assessment = forms.CharField(
        label=_("Preliminary assessment of need for municipal services"), required=False,
        widget=text_area())
    rehabilitation_need = forms.CharField(label=_("Rehabilitation need"), required=False,
                                          widget=text_area())
    proposed_level = LevelChoiceField(label=_("Proposed pyramid level"), required=False,
                                      queryset=None, empty_label=_("Not assessed yet"))
    requests_individual_plan = forms.BooleanField(
        label=_("The patient may need an individual plan or a coordinator"), required=False)
    information_given_to_patient = forms.CharField(
        label=_("Information given to the patient"), required=False, widget=text_area())
    next_of_kin_informed = forms.NullBooleanField(
        label=_("Next of kin informed"), required=False,
        widget=forms.NullBooleanSelect)
    # Only on a later version, and never a question the send can fail on: a change unless
    # the planner picks another kind; a cancellation only when she picks it.
    message_status = forms.ChoiceField(
        label=_("What this version does"), required=False, widget=forms.RadioSelect,
        initial=MessageStatus.CHANGE,
        help_text=_("A notice was already sent. This version is sent as a change unless you "
                    "choose otherwise."),
    )
    FOLLOW_UP_CHOICES = (
        (MessageStatus.CHANGE, _("Change: updated information")),
        (MessageStatus.ADDITION, _("Addition: adds to what was sent")),
        (MessageStatus.REPLACES, _("Replacement: replaces what was sent, in full")),
        (MessageStatus.CANCEL, _("Cancellation: the notice no longer holds (sent in error)")),
    )

    SECTIONS = (
        (_("Expected course"), ("expected_course", "estimated_discharge_date")),
        (_("Function"), ("functional_level", "barthel_index", "modified_rankin")),
        (_("Need for municipal services and rehabilitation"),
         ("municipal_services_assessment", "rehabilitation_need", "proposed_level",
          "requests_individual_plan")),
        (_("Information to the patient and next of kin"),
         ("information_given_to_patient", "next_of_kin_informed")),
    )
    CONTENT_FIELDS = tuple(name for _title, names in SECTIONS for name in names)

    def __init__(self, *args, follow_up: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.follow_up = follow_up
        self.fields["proposed_level"].queryset = ServiceLevel.objects.order_by("sort_order")
        if follow_up:
            self.fields["message_status"].choices = [
                (status.value, label) for status, label in self.FOLLOW_UP_CHOICES]
        else:
            del self.fields["message_status"]

    def sections(self):
        return [(title, [self[name] for name in names]) for title, names in self.SECTIONS]

    def content(self) -> dict:
        """The notice's content as save_draft and send_early_notification take it."""
        return {name: self.cleaned_data.get(name) for name in self.CONTENT_FIELDS}


class DeclareReadyForm(forms.Form):
    physician = forms.CharField(label=_("Declaring physician"), max_length=200)
    declared_at = datetime_field(_("Declared at"), required=False,
                                 help_text=_("Leave empty for now."))
    health_information_sent = forms.BooleanField(
        label=_("Updated health information and preliminary discharge note sent"),
        required=False)


class WithdrawReadyForm(forms.Form):
    reason = forms.CharField(label=_("Reason for withdrawal"), max_length=300, required=False)


class DischargeForm(forms.Form):
    destination = forms.ChoiceField(label=_("Discharged to"))
    discharge_level = LevelChoiceField(
        label=_("Pyramid level after discharge"), required=False, queryset=None,
        empty_label=_("Not known"),
        help_text=_("Required for municipal rehabilitation (level 2, 3 or 4)."))
    discharged_at = datetime_field(_("Discharged at"), required=False,
                                   help_text=_("Leave empty for now."))
    interdisciplinary_report_ready = forms.BooleanField(
        label=_("Interdisciplinary report ready"), required=False)
    epicrisis_ready = forms.BooleanField(label=_("Epicrisis ready"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["destination"].choices = [("", _("Choose a destination"))] + list(
            DischargeDestination.choices)
        self.fields["discharge_level"].queryset = ServiceLevel.objects.order_by("sort_order")


class TransferForm(forms.Form):
    to_hospital = forms.ModelChoiceField(label=_("To hospital"), queryset=None,
                                         empty_label=_("Choose a hospital"))
    ward = WardChoiceField(label=_("Ward at the receiving hospital"), queryset=None,
                           by_hospital=True)
    transferred_at = datetime_field(_("Transferred at"), required=False,
                                    help_text=_("Leave empty for now."))

    def __init__(self, *args, admission, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_hospital"].queryset = Organization.objects.filter(
            kind=OrganizationKind.HOSPITAL).exclude(pk=admission.hospital_id).order_by("name")
        self.fields["ward"].queryset = Ward.objects.active().exclude(
            hospital_id=admission.hospital_id)

    def clean(self):
        data = super().clean()
        hospital, ward = data.get("to_hospital"), data.get("ward")
        if hospital and ward and ward.hospital_id != hospital.pk:
            self.add_error("ward", _("Choose a ward of %(hospital)s.") % {
                "hospital": hospital.name})
        return data


class DeathForm(forms.Form):
    died_at = datetime_field(_("Time of death"))


class AnswerReadyForm(forms.Form):
    """The municipality's answer to a ready-for-discharge declaration."""

    kind = forms.ChoiceField(label=_("Answer"), widget=forms.RadioSelect)
    receive_on = date_field(_("Can receive on"), required=False,
                            help_text=_("When you can receive the patient."))
    expected_date = date_field(_("Expected date"), required=False,
                               help_text=_("When you expect to be able to receive them."))
    comment = forms.CharField(label=_("Comment"), max_length=500, required=False,
                              widget=text_area(2))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = MunicipalAnswerKind.choices


class EnterInErrorForm(forms.Form):
    """Why the stay never was (the ward's own correction; PLO's cancel of an admission)."""

    reason = forms.CharField(
        label=_("Why was the stay registered in error?"), max_length=300,
        help_text=_("For example: the admission was registered on the wrong patient."))
