"""The discharge meeting's steps: call it, invite, change, cancel, minutes and follow-up tasks."""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.forms import date_field, datetime_field, text_area
from registry.capabilities import Capability, roles_with
from registry.models import (
    Membership,
    User,
)

from .. import access
from ..models import (
    CareRelationshipReason,
    ParticipantKind,
    ParticipantStatus,
)
from .fields import PersonChoiceField, PersonField


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
    """The meeting's participants, ticked by their public UUID."""

    def __init__(self, **kwargs):
        super().__init__(to_field_name="uuid", **kwargs)

    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.get_kind_display()})"


class MinutesForm(forms.Form):
    minutes = forms.CharField(label=_("Minutes"), widget=text_area(8))
    decisions = forms.CharField(label=_("Decisions"), required=False, widget=text_area(4))
    attended = AttendedChoiceField(label=_("Attended"), required=False, queryset=None,
                                   widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, meeting, **kwargs):
        attended = [p.uuid for p in meeting.participants.all()
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
