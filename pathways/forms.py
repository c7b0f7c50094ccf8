"""Forms of the patient pages. Identity numbers arrive by POST only, never in a URL."""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.capabilities import Capability, roles_with
from registry.models import (
    Membership,
    Organization,
    OrganizationKind,
    ServiceLevel,
    User,
)

from . import access
from .identity import parse_identity_number
from .models import (
    CareRelationshipReason,
    DischargeDestination,
    MunicipalAnswerKind,
    ParticipantKind,
    ParticipantStatus,
)
from .services.notices import FOLLOW_UP_STATUSES

MIN_NAME_LENGTH = 2


class PatientSearchForm(forms.Form):
    """Search by identity number (exact, after normalising) or by name, not both."""

    identity_number = forms.CharField(
        label=_("National identity number"), required=False, max_length=20,
        help_text=_("Fødselsnummer or D-number, 11 digits. Spaces are ignored."),
        widget=forms.TextInput(attrs={
            "inputmode": "numeric", "autocomplete": "off", "spellcheck": "false",
        }),
    )
    name = forms.CharField(
        label=_("Name"), required=False, max_length=100,
        help_text=_("Given name, family name or both."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def clean_identity_number(self) -> str:
        value = self.cleaned_data["identity_number"].strip()
        if not value:
            return ""
        return parse_identity_number(value).number

    def clean_name(self) -> str:
        value = " ".join(self.cleaned_data["name"].split())
        if value and len(value) < MIN_NAME_LENGTH:
            raise ValidationError(
                _("Type at least %(count)d letters of the name."),
                code="name_too_short", params={"count": MIN_NAME_LENGTH},
            )
        return value

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        number, name = cleaned.get("identity_number"), cleaned.get("name")
        if not number and not name:
            raise ValidationError(
                _("Enter a national identity number or a name to search for."), code="empty"
            )
        if number and name:
            raise ValidationError(
                _("Search by national identity number or by name, not both at once."),
                code="both",
            )
        return cleaned


# ---------------------------------------------------------------------------------------
# The pathway forms: the ward board's steps and the KE inbox's answer. They check what a
# form can check (types, formats); the services decide everything else and their refusals
# come back onto these forms' fields (common.htmx.run_step).

DATE_INPUT = {"type": "date"}
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def date_field(label, **kwargs):
    return forms.DateField(label=label, widget=forms.DateInput(attrs=DATE_INPUT,
                                                               format="%Y-%m-%d"), **kwargs)


def datetime_field(label, **kwargs):
    """A datetime-local input, read in the portal's time zone (Europe/Oslo)."""
    return forms.DateTimeField(
        label=label, widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                format=DATETIME_FORMAT), **kwargs)


def text_area(rows=3):
    return forms.Textarea(attrs={"rows": rows})


class LevelChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return _("Level %(code)s: %(name)s") % {"code": obj.code, "name": obj.localized_name}


class PersonChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name()


class PersonField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name()


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
    ward = forms.CharField(label=_("Ward"), max_length=120, widget=forms.TextInput(
        attrs={"list": "known-wards", "autocomplete": "off"}))
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = Organization.objects.municipalities()

    def clean_identity_number(self) -> str:
        return parse_identity_number(self.cleaned_data["identity_number"].strip()).number

    def clean_given_name(self) -> str:
        return " ".join(self.cleaned_data["given_name"].split())

    def clean_family_name(self) -> str:
        return " ".join(self.cleaned_data["family_name"].split())

    def clean_ward(self) -> str:
        return " ".join(self.cleaned_data["ward"].split())

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
    message_status = forms.ChoiceField(
        label=_("What this version does"), required=False,
        help_text=_("A notice was already sent: say how this one relates to it."),
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
            self.fields["message_status"].choices = [("", _("Choose"))] + [
                (status.value, status.label) for status in FOLLOW_UP_STATUSES]
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


class MeetingParticipantsForm(forms.Form):
    """Whom to invite: the municipality's KE staff, a coordinator, hospital staff, the
    patient, next of kin who may be told (consent), the GP. Those already invited to the
    meeting (`invited`) are not offered again."""

    ke_staff = PersonChoiceField(
        label=_("The municipality's coordinating unit (KE)"), required=False, queryset=None,
        widget=forms.CheckboxSelectMultiple)
    coordinators = PersonChoiceField(
        label=_("Coordinator"), required=False, queryset=None,
        widget=forms.CheckboxSelectMultiple)
    hospital_staff = PersonChoiceField(
        label=_("Hospital staff"), required=False, queryset=None,
        widget=forms.CheckboxSelectMultiple)
    invite_patient = forms.BooleanField(label=_("The patient"), required=False)
    next_of_kin = forms.ModelMultipleChoiceField(
        label=_("Next of kin (only those the patient consents to share with)"),
        required=False, queryset=None, widget=forms.CheckboxSelectMultiple)
    gp_name = forms.CharField(label=_("GP's name"), max_length=200, required=False)
    gp_email = forms.EmailField(label=_("GP's e-mail"), required=False)

    PEOPLE = ("ke_staff", "coordinators", "hospital_staff")

    def __init__(self, *args, admission, invited=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.admission = admission
        invited = list(invited)
        invited_users = [p.user_id for p in invited if p.user_id]
        order = ("first_name", "last_name", "username")
        self.fields["ke_staff"].queryset = access.ke_staff_of(admission.municipality) \
            .exclude(pk__in=invited_users).order_by(*order)
        # Coordinators of the municipality, and anyone coordinating this patient.
        coordinating = admission.patient.care_relationships.active().filter(
            reason=CareRelationshipReason.COORDINATION, user__isnull=False).values("user_id")
        members = Membership.objects.filter(
            organization=admission.municipality,
            role__in=roles_with(Capability.COORDINATE)).values("user_id")
        self.fields["coordinators"].queryset = User.objects.filter(
            Q(pk__in=coordinating) | Q(pk__in=members), is_active=True,
        ).exclude(pk__in=invited_users).order_by(*order)
        self.fields["hospital_staff"].queryset = access.planners_of(admission.hospital) \
            .exclude(pk__in=invited_users).order_by(*order)
        self.fields["next_of_kin"].queryset = admission.patient.next_of_kin.filter(
            consent_to_share=True).exclude(
            pk__in=[p.next_of_kin_id for p in invited if p.next_of_kin_id])
        if any(p.kind == ParticipantKind.PATIENT for p in invited):
            del self.fields["invite_patient"]
        else:
            self.fields["invite_patient"].help_text = admission.patient.email or _(
                "No e-mail address registered: the invitation is not sent to the patient.")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("gp_email") and not cleaned.get("gp_name"):
            self.add_error("gp_name", _("Give the GP's name with the e-mail address."))
        return cleaned

    def participants(self) -> list[dict]:
        """The participants as schedule_discharge_meeting and add_participants take them."""
        data, admission = self.cleaned_data, self.admission
        chosen, seen = [], set()
        for field, kind, organization in (
                ("ke_staff", ParticipantKind.COORDINATING_UNIT, admission.municipality),
                ("coordinators", ParticipantKind.COORDINATOR, admission.municipality),
                ("hospital_staff", ParticipantKind.HOSPITAL_STAFF, admission.hospital)):
            for user in data.get(field) or ():
                if user.pk in seen:
                    continue
                seen.add(user.pk)
                chosen.append({"kind": kind, "user": user, "organization": organization})
        if data.get("invite_patient"):  # the service names the patient from the record
            chosen.append({"kind": ParticipantKind.PATIENT})
        for kin in data.get("next_of_kin") or ():
            chosen.append({"kind": ParticipantKind.NEXT_OF_KIN, "next_of_kin": kin})
        if data.get("gp_name"):
            chosen.append({"kind": ParticipantKind.GP, "name": data["gp_name"],
                           "email": data.get("gp_email") or ""})
        return chosen


class AddParticipantsForm(MeetingParticipantsForm):
    def clean(self):
        cleaned = super().clean()
        if not self.errors and not self.participants():
            raise ValidationError(_("Choose whom to invite."), code="nobody")
        return cleaned


class MeetingPlaceForm(forms.Form):
    """When and where a discharge meeting is held (scheduling and rescheduling)."""

    scheduled_at = datetime_field(_("Time"))
    duration_minutes = forms.IntegerField(label=_("Duration (minutes)"), initial=60,
                                          min_value=10, max_value=480)
    location = forms.CharField(label=_("Place"), max_length=200, required=False,
                               help_text=_("A place, a video link or both."))
    video_link = forms.URLField(label=_("Video link"), required=False, assume_scheme="https")

    PLACE_FIELDS = ("scheduled_at", "duration_minutes", "location", "video_link")


class MeetingForm(MeetingPlaceForm, MeetingParticipantsForm):
    """A new discharge meeting and whom to invite."""

    field_order = MeetingPlaceForm.PLACE_FIELDS


class RescheduleMeetingForm(MeetingPlaceForm):
    def __init__(self, *args, meeting, **kwargs):
        kwargs.setdefault("initial", {
            "scheduled_at": timezone.localtime(meeting.scheduled_at).replace(second=0,
                                                                             microsecond=0),
            "duration_minutes": meeting.duration_minutes, "location": meeting.location,
            "video_link": meeting.video_link})
        super().__init__(*args, **kwargs)
        self.meeting = meeting

    def changes(self) -> dict:
        """Only what differs from the meeting, as reschedule_discharge_meeting takes it."""
        changes = {}
        for name in self.PLACE_FIELDS:
            value, current = self.cleaned_data[name], getattr(self.meeting, name)
            if name == "scheduled_at":  # the form shows whole minutes
                current = current.replace(second=0, microsecond=0)
            if value != current:
                changes[name] = value
        return changes


class CancelMeetingForm(forms.Form):
    reason = forms.CharField(label=_("Reason for cancelling"), max_length=180,
                             help_text=_("Sent to no one; kept in the audit trail."))


class AttendedChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.get_kind_display()})"


class MinutesForm(forms.Form):
    minutes = forms.CharField(label=_("Minutes"), widget=text_area(8))
    decisions = forms.CharField(label=_("Decisions"), required=False, widget=text_area(4))
    attended = AttendedChoiceField(label=_("Attended"), required=False, queryset=None,
                                   widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, meeting, **kwargs):
        attended = [p.pk for p in meeting.participants.all()
                    if p.status in (ParticipantStatus.ATTENDED, ParticipantStatus.ACCEPTED)]
        kwargs.setdefault("initial", {"minutes": meeting.minutes,
                                      "decisions": meeting.decisions, "attended": attended})
        super().__init__(*args, **kwargs)
        self.fields["attended"].queryset = meeting.participants.order_by("kind", "name")


class FollowUpTaskForm(forms.Form):
    description = forms.CharField(label=_("What"), max_length=300)
    responsible_name = forms.CharField(
        label=_("Who"), max_length=200, required=False,
        help_text=_("A name, a service or a role. May be left empty when you choose a user."))
    responsible_user = PersonField(
        label=_("Responsible user in the portal"), required=False, queryset=None,
        empty_label=_("Nobody in the portal"),
        help_text=_("They are notified and can mark the task done."))
    due_date = date_field(_("Due"))

    def __init__(self, *args, meeting, **kwargs):
        super().__init__(*args, **kwargs)
        invited = meeting.participants.filter(user__isnull=False).values("user_id")
        self.fields["responsible_user"].queryset = User.objects.filter(
            Q(pk__in=invited) | Q(pk=meeting.organizer_id), is_active=True,
        ).order_by("first_name", "last_name", "username")

    def clean(self):
        cleaned = super().clean()
        user = cleaned.get("responsible_user")
        if not cleaned.get("responsible_name"):
            if user is not None:
                cleaned["responsible_name"] = user.display_name()
            elif "responsible_name" not in self.errors:
                self.add_error("responsible_name", _("Say who is responsible."))
        return cleaned


class TransferForm(forms.Form):
    to_hospital = forms.ModelChoiceField(label=_("To hospital"), queryset=None,
                                         empty_label=_("Choose a hospital"))
    ward = forms.CharField(label=_("Ward at the receiving hospital"), max_length=120)
    transferred_at = datetime_field(_("Transferred at"), required=False,
                                    help_text=_("Leave empty for now."))

    def __init__(self, *args, admission, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_hospital"].queryset = Organization.objects.filter(
            kind=OrganizationKind.HOSPITAL).exclude(pk=admission.hospital_id).order_by("name")

    def clean_ward(self) -> str:
        return " ".join(self.cleaned_data["ward"].split())


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
