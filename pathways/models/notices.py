"""The early notification (tidligmelding) and its later versions, as in PLO messaging."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from common.models import TrackedModel
from registry.capabilities import Capability, organizations_where
from registry.models import Organization, ServiceLevel

from ..deadlines import local_date
from .admissions import Admission
from .patients import PatientScopedQuerySet


class MessageStatus(models.TextChoices):
    """PLO's message status: the first notice is new; a later one is a change unless it says
    it adds, replaces or cancels. Named as PLO names them ("Endring", "Tillegg",
    "Annullering", "Erstatter"); PLO's "Ny" reads as "unread" beside "Acknowledged", so the
    first one is "First notice". The cancellation is a noun, never the panel's "Cancel"
    button ("Avbryt")."""

    NEW = "new", _("First notice")
    CHANGE = "change", _("Change")
    ADDITION = "addition", _("Addition")
    CANCEL = "cancel", _("Cancellation")
    REPLACES = "replaces", _("Replaces")


class NoticeState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent")


class EarlyNotificationQuerySet(PatientScopedQuerySet):
    patient_path = "admission__patient"

    def visible_to(self, user):
        """The notices of the patients the user may see; a draft only to the admitting
        hospital (it is the ward's work in progress), in every channel alike."""
        hospitals = [organization.pk for organization in
                     organizations_where(user, Capability.ACT_FOR_HOSPITAL)]
        return super().visible_to(user).filter(
            Q(state=NoticeState.SENT) | Q(admission__hospital_id__in=hospitals))

    def sent(self):
        return self.filter(state=NoticeState.SENT)


class EarlyNotification(TrackedModel):
    """One version of the hospital's notice to the municipality. Nothing in it is required
    to send: a notice on time with unknowns beats a complete one too late."""

    admission = models.ForeignKey(Admission, on_delete=models.PROTECT,
                                  related_name="early_notifications")
    # Whom the notice is to: the admission's municipality when it was written. Kept on the
    # notice so that a municipality's unacknowledged notices are found by an index of their
    # own (the KE inbox archive), not among the whole region's.
    municipality = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+",
                                     editable=False, verbose_name=_("municipality"))
    sequence = models.PositiveSmallIntegerField(_("version"), default=1)
    message_status = models.CharField(_("message status"), max_length=10,
                                      choices=MessageStatus.choices, default=MessageStatus.NEW)
    state = models.CharField(_("state"), max_length=10, choices=NoticeState.choices,
                             default=NoticeState.DRAFT)
    expected_course = models.TextField(_("expected course"), blank=True)
    estimated_discharge_date = models.DateField(_("estimated discharge date"), null=True,
                                                blank=True)
    municipal_services_assessment = models.TextField(
        _("preliminary assessment of need for municipal services"), blank=True)
    functional_level = models.TextField(_("functional level"), blank=True)
    barthel_index = models.PositiveSmallIntegerField(
        _("Barthel index (0–100)"), null=True, blank=True, validators=[MaxValueValidator(100)])
    modified_rankin = models.PositiveSmallIntegerField(
        _("modified Rankin Scale (0–6)"), null=True, blank=True,
        validators=[MaxValueValidator(6)])
    rehabilitation_need = models.TextField(_("rehabilitation need"), blank=True)
    proposed_level = models.ForeignKey(
        ServiceLevel, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("proposed pyramid level"),
    )
    information_given_to_patient = models.TextField(_("information given to the patient"),
                                                    blank=True)
    next_of_kin_informed = models.BooleanField(_("next of kin informed"), null=True,
                                               blank=True)
    requests_individual_plan = models.BooleanField(
        _("the patient may need an individual plan or a coordinator"), default=False)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    late = models.BooleanField(_("sent after the deadline"), default=False)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                        on_delete=models.PROTECT, related_name="+")

    objects = EarlyNotificationQuerySet.as_manager()

    class Meta:
        ordering = ["admission", "sequence"]
        verbose_name = _("early notification")
        verbose_name_plural = _("early notifications")
        constraints = [
            models.UniqueConstraint(fields=["admission", "sequence"],
                                    name="unique_notice_version"),
            models.UniqueConstraint(fields=["admission"], condition=Q(state="draft"),
                                    name="one_draft_notice_per_admission"),
        ]
        indexes = [
            models.Index(fields=["updated_at", "uuid"], name="notice_sync_idx"),
            models.Index(fields=["sent_at"], name="notice_unacknowledged_idx",
                         condition=Q(state="sent", acknowledged_at__isnull=True)),
            models.Index(fields=["municipality", "-sent_at", "-id"],
                         name="notice_unacknowledged_muni_idx",
                         condition=Q(state="sent", acknowledged_at__isnull=True)),
        ]

    def __str__(self):
        return f"{self.admission} v{self.sequence} ({self.get_message_status_display()})"

    @property
    def expected_discharge_date(self):
        """The estimated discharge date to show: the notice's, else the admission's (given
        at admission or changed since), else None ("not known yet")."""
        return self.estimated_discharge_date or self.admission.estimated_discharge_date

    def clean(self):
        if self.estimated_discharge_date and self.admission_id and \
                self.estimated_discharge_date < local_date(self.admission.admitted_at):
            raise ValidationError({"estimated_discharge_date": _(
                "The estimated discharge date lies before the admission.")})


class NoticeAssignment(models.Model):
    """The KE worker who has taken an admission's notices ("mine"), so that two colleagues
    do not work the same one. One per admission: a new version of the notice stays with
    whoever took the earlier one."""

    admission = models.OneToOneField(Admission, on_delete=models.CASCADE,
                                     related_name="notice_assignment",
                                     verbose_name=_("admission"))
    ke_worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+", verbose_name=_("KE worker"))
    taken_at = models.DateTimeField(_("taken at"))

    class Meta:
        verbose_name = _("notice assignment")
        verbose_name_plural = _("notice assignments")
        indexes = [models.Index(fields=["ke_worker"], name="notice_assignment_worker_idx")]

    def __str__(self):
        return f"{self.admission} → {self.ke_worker}"
