"""The interdisciplinary discharge meeting, its participants, minutes and follow-up tasks."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from common.models import TrackedModel
from registry.models import Organization

from .admissions import Admission
from .patients import NextOfKin, PatientScopedQuerySet


class MeetingStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


class MeetingQuerySet(PatientScopedQuerySet):
    patient_path = "admission__patient"


class DischargeMeeting(TrackedModel):
    admission = models.ForeignKey(Admission, on_delete=models.PROTECT,
                                  related_name="discharge_meetings")
    organizer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+", verbose_name=_("organiser"))
    scheduled_at = models.DateTimeField(_("time"))
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"), default=60,
        validators=[MinValueValidator(10), MaxValueValidator(480)])
    location = models.CharField(_("place"), max_length=200, blank=True)
    video_link = models.URLField(_("video link"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=MeetingStatus.choices,
                              default=MeetingStatus.SCHEDULED)
    minutes = models.TextField(_("minutes"), blank=True)
    decisions = models.TextField(_("decisions"), blank=True)
    minutes_recorded_at = models.DateTimeField(_("minutes recorded at"), null=True, blank=True)
    minutes_for_patient = models.TextField(
        _("minutes for the patient"), blank=True,
        help_text=_("What the patient (and the next of kin they chose) read of the meeting, "
                    "in plain language."))
    # The iCalendar SEQUENCE: raised on each reschedule or cancellation.
    sequence = models.PositiveIntegerField(default=0, editable=False)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        ordering = ["scheduled_at", "id"]
        verbose_name = _("discharge meeting")
        verbose_name_plural = _("discharge meetings")
        indexes = [
            models.Index(fields=["status", "scheduled_at"]),
            models.Index(fields=["scheduled_at", "id"], name="meeting_scheduled_idx"),
            models.Index(fields=["updated_at", "uuid"], name="meeting_sync_idx"),
        ]

    def __str__(self):
        return f"{self.admission.patient} {self.scheduled_at:%Y-%m-%d %H:%M}"

    def clean(self):
        if not self.location and not self.video_link:
            raise ValidationError({"location": _("Give a place or a video link.")})


class ParticipantKind(models.TextChoices):
    HOSPITAL_STAFF = "hospital_staff", _("Hospital staff")
    COORDINATING_UNIT = "coordinating_unit", _("Coordinating unit (KE)")
    COORDINATOR = "coordinator", _("Coordinator")
    MUNICIPAL_SERVICES = "municipal_services", _("Municipal services")
    PATIENT = "patient", _("Patient")
    NEXT_OF_KIN = "next_of_kin", _("Next of kin")
    GP = "gp", _("GP")


class ParticipantStatus(models.TextChoices):
    INVITED = "invited", _("Invited")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    ATTENDED = "attended", _("Attended")


class MeetingParticipant(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    meeting = models.ForeignKey(DischargeMeeting, on_delete=models.CASCADE,
                                related_name="participants")
    kind = models.CharField(_("role in the meeting"), max_length=20,
                            choices=ParticipantKind.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.PROTECT, related_name="meeting_invitations")
    organization = models.ForeignKey(Organization, null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    next_of_kin = models.ForeignKey(NextOfKin, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail"), blank=True)
    status = models.CharField(_("invitation"), max_length=10, choices=ParticipantStatus.choices,
                              default=ParticipantStatus.INVITED)
    responded_at = models.DateTimeField(null=True, blank=True)
    topics = models.TextField(
        _("what I want discussed"), blank=True, max_length=2000,
        help_text=_("Written by the patient or their representative before the meeting."))

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("meeting participant")
        verbose_name_plural = _("meeting participants")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "user"], condition=models.Q(
                user__isnull=False), name="unique_user_per_meeting"),
        ]

    def __str__(self):
        return f"{self.name} ({self.get_kind_display()})"

    def clean(self):
        if self.next_of_kin_id is not None and self.kind != ParticipantKind.NEXT_OF_KIN:
            raise ValidationError({"next_of_kin": _(
                "A next of kin takes part as next of kin, with the patient's consent.")})
        if self.kind == ParticipantKind.NEXT_OF_KIN:
            if self.next_of_kin_id is None:
                raise ValidationError({"next_of_kin": _("Choose the patient's next of kin.")})
            if not self.next_of_kin.consent_to_share:
                raise ValidationError({"next_of_kin": _(
                    "Next of kin take part only with the patient's consent to share "
                    "information.")})


class FollowUpTask(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    meeting = models.ForeignKey(DischargeMeeting, on_delete=models.CASCADE,
                                related_name="tasks")
    description = models.CharField(_("what"), max_length=300)
    responsible_name = models.CharField(_("who"), max_length=200)
    responsible_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                         on_delete=models.PROTECT, related_name="+")
    due_date = models.DateField(_("due"))
    done_at = models.DateTimeField(_("done"), null=True, blank=True)

    class Meta:
        ordering = ["due_date", "pk"]
        verbose_name = _("follow-up task")
        verbose_name_plural = _("follow-up tasks")

    def __str__(self):
        return self.description
