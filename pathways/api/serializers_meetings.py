"""Discharge meetings over the API. Validation only: scheduling, invitations, answers,
minutes and tasks go through pathways.services.

Participants and tasks are named by their public UUID, within their meeting's URL. People
with an account are named by username (users carry no public UUID)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from common.api.fields import (
    NamedChoiceField,
    ScopedUuidRelatedField,
    SlugRelatedField,
    UuidRelatedField,
)
from common.api.serializers import InputSerializer, StrictFieldsMixin
from registry.models import Organization, User

from ..models import (
    DischargeMeeting,
    FollowUpTask,
    MeetingParticipant,
    MeetingStatus,
    NextOfKin,
    ParticipantKind,
    ParticipantStatus,
    Patient,
)
from .common import AdmissionRecordFields, admission_field, display_name_field


def _active_users():
    return User.objects.filter(is_active=True)


def _kin_of_visible_patients(queryset, user):
    return queryset.filter(patient__in=Patient.objects.visible_to(user))


class ParticipantSerializer(serializers.ModelSerializer):
    kind = NamedChoiceField(ParticipantKind.choices, enum_name="ParticipantKind")
    status = NamedChoiceField(ParticipantStatus.choices, enum_name="ParticipantStatus",
                              read_only=True)
    user = SlugRelatedField(
        slug_field="username", queryset=_active_users(), required=False, allow_null=True,
        help_text=_("Username of a portal user; they are notified and may see the patient "
                    "until two weeks after the meeting."))
    organization = UuidRelatedField(queryset=Organization.objects.all(), required=False,
                                    allow_null=True)
    next_of_kin = ScopedUuidRelatedField(
        queryset=NextOfKin.objects.all(), scope=_kin_of_visible_patients, required=False,
        allow_null=True, help_text=_("UUID of the patient's next of kin; only with the "
                                     "patient's consent to share information."))

    class Meta:
        model = MeetingParticipant
        fields = ["uuid", "kind", "user", "name", "email", "organization", "next_of_kin",
                  "status", "responded_at"]
        read_only_fields = ["uuid", "status", "responded_at"]
        extra_kwargs = {
            "name": {"required": False, "help_text": _(
                "Required unless user or next_of_kin gives it; the patient (kind patient) "
                "is named, and their e-mail address taken, from the patient's record.")},
        }

    def validate(self, attrs):
        if attrs.get("kind") == ParticipantKind.PATIENT:
            return attrs
        if not (attrs.get("name") or attrs.get("user") or attrs.get("next_of_kin")):
            raise serializers.ValidationError({"name": _(
                "Name the participant, or choose a user or next of kin.")})
        return attrs


class FollowUpTaskSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    responsible_user = SlugRelatedField(
        slug_field="username", queryset=_active_users(), required=False, allow_null=True,
        help_text=_("Username of the responsible person, who is notified and may mark the "
                    "task done."))

    class Meta:
        model = FollowUpTask
        fields = ["uuid", "description", "responsible_name", "responsible_user", "due_date",
                  "done_at"]
        read_only_fields = ["uuid", "done_at"]


class DischargeMeetingSerializer(StrictFieldsMixin, AdmissionRecordFields,
                                 serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="discharge-meeting-detail",
                                               lookup_field="uuid")
    admission = admission_field(_("UUID of the admission the meeting prepares the discharge from."))
    status = NamedChoiceField(MeetingStatus.choices, enum_name="MeetingStatus", read_only=True)
    organizer = display_name_field("organizer")
    participants = ParticipantSerializer(many=True, required=False)
    tasks = FollowUpTaskSerializer(many=True, read_only=True)

    class Meta:
        model = DischargeMeeting
        fields = ["uuid", "url", "admission", "patient", "scheduled_at", "duration_minutes",
                  "location", "video_link", "status", "organizer", "sequence", "participants",
                  "minutes", "decisions", "minutes_recorded_at", "tasks", "created_at",
                  "updated_at"]
        read_only_fields = ["uuid", "status", "sequence", "minutes", "decisions",
                            "minutes_recorded_at", "created_at", "updated_at"]


class RescheduleSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    class Meta:
        model = DischargeMeeting
        fields = ["scheduled_at", "duration_minutes", "location", "video_link"]


class CancelSerializer(InputSerializer):
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True)


class AddParticipantsSerializer(InputSerializer):
    participants = ParticipantSerializer(many=True, allow_empty=False)


class RespondSerializer(InputSerializer):
    status = NamedChoiceField([
        (ParticipantStatus.ACCEPTED, ParticipantStatus.ACCEPTED.label),
        (ParticipantStatus.DECLINED, ParticipantStatus.DECLINED.label),
    ], enum_name="InvitationAnswer")
    participant = serializers.UUIDField(required=False, help_text=_(
        "Organisers only: the UUID of the participant to record the answer for. Without "
        "it, the answer is your own."))


class MinutesSerializer(InputSerializer):
    minutes = serializers.CharField()
    decisions = serializers.CharField(required=False, allow_blank=True)
    attended = serializers.ListField(
        child=serializers.UUIDField(), required=False, default=list,
        help_text=_("UUIDs of the participants who attended."))
