"""The append-only audit trail: who did what to which record, on what grounds."""

import enum

from django.db import models
from django.utils.translation import gettext_lazy as _

from .organizations import Organization, Role
from .users import User


class AuditAction(models.TextChoices):
    VIEW = "view", _("viewed")
    CREATE = "create", _("created")
    UPDATE = "update", _("updated")
    DELETE = "delete", _("deleted")
    EXPORT = "export", _("exported")
    PRINT = "print", _("printed")
    SEARCH = "search", _("searched")



class AuditObjectType(enum.StrEnum):
    """What an audit event is about: a kind of record (its public UUID is the event's
    object id), or a page that shows several patients at once (the patient's UUID). The
    values are the trail's: never rename one, add a new one."""

    # Records.
    PATIENT = "patient"
    NEXT_OF_KIN = "next_of_kin"
    CARE_RELATIONSHIP = "care_relationship"
    ADMISSION = "admission"
    EARLY_NOTIFICATION = "earlynotification"
    READY_FOR_DISCHARGE = "readyfordischarge"
    MUNICIPAL_ANSWER = "municipalanswer"
    DISCHARGE_MEETING = "dischargemeeting"
    MEETING_PARTICIPANT = "meetingparticipant"
    FOLLOW_UP_TASK = "followuptask"
    TASK = "task"  # FHIR Task: a declaration's or an answer's
    PLAN_REQUEST = "planrequest"
    INDIVIDUAL_PLAN = "individualplan"
    GOAL = "goal"
    MEASURE = "measure"
    EVALUATION = "evaluation"
    CONSENT = "consent"
    PLAN_PARTICIPANT = "planparticipant"
    COORDINATOR = "coordinator"
    COORDINATOR_ASSIGNMENT = "coordinatorassignment"
    API_CLIENT = "api_client"
    API_KEY = "api_key"
    SERVICE_OFFERING = "service_offering"
    WEBHOOK_SUBSCRIPTION = "webhooksubscription"
    WEBHOOK_DELIVERY = "webhookdelivery"
    IDEMPOTENT_REPLAY = "idempotent_replay"
    # The patient's own door (the citizen app) and what the patient adds to the plan.
    CITIZEN = "citizen"
    REPRESENTATION = "representation"
    GOAL_PROPOSAL = "goalproposal"
    MEASURE_COMMENT = "measurecomment"
    SELF_REPORT = "selfreport"
    PLAN_MESSAGE = "planmessage"
    NEEDS_ASSESSMENT = "needsassessment"
    REFERRAL = "referral"
    ADMISSION_REPORT = "admissionreport"  # the municipality's innleggelsesrapport
    DISCHARGE_REPORT = "dischargereport"  # the hospital's utskrivningsrapport
    PLO_MESSAGE = "plomessage"  # a PLO message as stored (plo.models.PloMessage)
    # Early supported discharge and the other pathway variants (pathways.models.variants).
    PATHWAY_ENROLMENT = "pathwayenrolment"
    PATHWAY_ACTIVITY = "pathwayactivity"
    PATHWAY_QUESTION = "pathwayquestion"  # a question on the pathway and its answer
    # Pages that show several patients, each read recorded under the page's name.
    PATHWAY = "pathway"
    ACCESS_LOG = "access_log"
    KE_INBOX = "ke_inbox"
    KE_INBOX_ARCHIVE = "ke_inbox_archive"
    KE_OVERVIEW = "ke_overview"
    MY_PLANS = "my_plans"
    WARD_BOARD = "ward_board"
    REFERRAL_INBOX = "referral_inbox"  # a receiving unit's referrals awaiting assessment
    WAITING_LIST = "waiting_list"  # a service's waiting list
    CITIZEN_HOME = "citizen_home"  # the patient's own front page
    # Aggregates (indicators and capacity), no patient: their exports are recorded.
    INDICATORS = "indicators"
    # Written before 0009653 by the plan PDF, which now writes INDIVIDUAL_PLAN.
    LEGACY_INDIVIDUAL_PLAN = "individual_plan"



class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("Audit events are append-only.")

    def delete(self):
        raise PermissionError("Audit events are append-only.")



class AuditEvent(models.Model):
    """Append-only record of who read or wrote what, and on which grounds.

    The patient is kept as its public UUID rather than a foreign key: the trail must outlive
    any change to the patient's row, and registry sits below pathways in the import order.
    The user and organisation are foreign keys without a database constraint: PROTECT keeps
    their rows while events name them, and the database does not check each of a page's
    hundred new events against both tables at commit (a third of the audit's INSERT, make
    bench).
    """

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("user"), db_constraint=False,
    )
    user_display = models.CharField(_("user name"), max_length=200, blank=True)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("organisation"), db_constraint=False,
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True)
    action = models.CharField(_("action"), max_length=10, choices=AuditAction.choices)
    object_type = models.CharField(_("object type"), max_length=60)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    # Indexed by the two indexes that start with it (Meta.indexes).
    patient_uuid = models.UUIDField(_("patient"), null=True, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    client_address = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    via = models.CharField(_("channel"), max_length=10, blank=True)
    detail = models.CharField(_("detail"), max_length=200, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        # A patient's trail newest first (the access log), and a patient's trail of one kind
        # of object (the pathway page's meeting changes): a patient's reads grow with every
        # page view, so the second must not walk them.
        indexes = [models.Index(fields=["patient_uuid", "-at"]),
                   models.Index(fields=["patient_uuid", "object_type", "-at"],
                                name="audit_patient_object_idx")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.user_display} {self.action} {self.object_type}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit events are append-only.")
