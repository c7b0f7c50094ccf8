"""Who and what exists: organisations, coordinating units, services on the pyramid, staff."""

import enum
import uuid

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from common.models import TrackedModel

from .validators import validate_her_id, validate_municipality_number, validate_orgnr


class User(AbstractUser):
    """A person (or an EPJ system's service account) who signs in."""

    hpr_number = models.CharField(_("HPR number"), max_length=9, blank=True)
    is_service_account = models.BooleanField(
        _("service account"), default=False,
        help_text=_("An EPJ system's account; it signs in with an API key, never a password."),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def display_name(self) -> str:
        return self.get_full_name() or self.username


class Region(models.TextChoices):
    NORTH = "helse_nord", _("Helse Nord")
    CENTRAL = "helse_midt_norge", _("Helse Midt-Norge")
    WEST = "helse_vest", _("Helse Vest")
    SOUTH_EAST = "helse_sor_ost", _("Helse Sør-Øst")


class OrganizationKind(models.TextChoices):
    MUNICIPALITY = "municipality", _("Municipality")
    HEALTH_TRUST = "health_trust", _("Health trust")
    HOSPITAL = "hospital", _("Hospital")
    REGIONAL_HEALTH_AUTHORITY = "regional_health_authority", _("Regional health authority")
    PRIVATE_INSTITUTION = "private_institution", _("Private rehabilitation institution")
    GP_OFFICE = "gp_office", _("GP office")


class OrganizationQuerySet(models.QuerySet):
    def municipalities(self):
        return self.filter(kind=OrganizationKind.MUNICIPALITY)


class Organization(TrackedModel):
    kind = models.CharField(_("kind"), max_length=32, choices=OrganizationKind.choices)
    name = models.CharField(_("name"), max_length=200)
    orgnr = models.CharField(
        _("organisation number"), max_length=9, unique=True, validators=[validate_orgnr]
    )
    her_id = models.CharField(
        _("HER-id"), max_length=9, blank=True, validators=[validate_her_id]
    )
    municipality_number = models.CharField(
        _("municipality number"), max_length=4, blank=True,
        validators=[validate_municipality_number],
    )
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    population_source = models.CharField(_("source of population figure"), max_length=200,
                                         blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
        verbose_name=_("parent organisation"),
    )
    region = models.CharField(_("region"), max_length=32, choices=Region.choices)
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality_number"], condition=~models.Q(municipality_number=""),
                name="unique_municipality_number",
            ),
            models.UniqueConstraint(
                fields=["her_id"], condition=~models.Q(her_id=""), name="unique_her_id"
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        if self.kind == OrganizationKind.MUNICIPALITY:
            if not self.municipality_number:
                errors["municipality_number"] = _("A municipality needs its municipality number.")
            if self.population is None:
                errors["population"] = _("A municipality needs its population.")
        elif self.municipality_number:
            errors["municipality_number"] = _("Only municipalities have a municipality number.")
        if self.kind == OrganizationKind.HOSPITAL:
            if self.parent_id is None or self.parent.kind != OrganizationKind.HEALTH_TRUST:
                errors["parent"] = _("A hospital belongs to a health trust.")
        elif self.kind == OrganizationKind.HEALTH_TRUST and self.parent_id is not None:
            if self.parent.kind != OrganizationKind.REGIONAL_HEALTH_AUTHORITY:
                errors["parent"] = _("A health trust belongs to a regional health authority.")
        if self.parent_id is not None and self.parent_id == self.pk:
            errors["parent"] = _("An organisation cannot be its own parent.")
        if errors:
            raise ValidationError(errors)

    @property
    def is_municipality(self) -> bool:
        return self.kind == OrganizationKind.MUNICIPALITY


class CoordinatingUnitScope(models.TextChoices):
    MUNICIPAL = "municipal", _("Municipal")
    HEALTH_TRUST = "health_trust", _("Health trust")
    REGIONAL = "regional", _("Regional")


_SCOPE_FOR_KIND = {
    OrganizationKind.MUNICIPALITY: CoordinatingUnitScope.MUNICIPAL,
    OrganizationKind.HEALTH_TRUST: CoordinatingUnitScope.HEALTH_TRUST,
    OrganizationKind.REGIONAL_HEALTH_AUTHORITY: CoordinatingUnitScope.REGIONAL,
}


class CoordinatingUnit(TrackedModel):
    """The KE: one per municipality and per health trust, plus one per region."""

    organization = models.OneToOneField(
        Organization, on_delete=models.PROTECT, related_name="coordinating_unit",
        verbose_name=_("organisation"),
    )
    name = models.CharField(_("name"), max_length=200)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    inbox_address = models.EmailField(
        _("inbox address"), help_text=_("Where notices and requests are delivered.")
    )
    address = models.CharField(_("visiting address"), max_length=200, blank=True)
    opening_hours = models.CharField(_("opening hours"), max_length=100, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("coordinating unit")
        verbose_name_plural = _("coordinating units")

    def __str__(self):
        return self.name

    @property
    def scope(self) -> str:
        return _SCOPE_FOR_KIND.get(self.organization.kind, "")

    def clean(self):
        if self.organization_id is not None and self.organization.kind not in _SCOPE_FOR_KIND:
            raise ValidationError({"organization": _(
                "Only municipalities, health trusts and regional health authorities have a "
                "coordinating unit."
            )})


class ServiceLevel(models.Model):
    """A level of the rehabilitation pyramid; names and descriptions are data, not code."""

    code = models.CharField(_("code"), max_length=4, unique=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), unique=True)
    name = models.CharField(_("name (bokmål)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)
    description = models.TextField(_("description (bokmål)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    typical_provider = models.CharField(_("typical provider"), max_length=200, blank=True)

    class Meta:
        ordering = ["sort_order"]
        verbose_name = _("service level")
        verbose_name_plural = _("service levels")

    def __str__(self):
        return f"{self.code} {self.localized_name}"

    @property
    def localized_name(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") and self.name_en \
            else self.name

    @property
    def localized_description(self) -> str:
        if (get_language() or "").startswith("en") and self.description_en:
            return self.description_en
        return self.description

    @property
    def is_specialist(self) -> bool:
        return self.code.startswith("5")


class TargetGroup(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name (bokmål)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("target group")
        verbose_name_plural = _("target groups")

    def __str__(self):
        return self.localized_name

    @property
    def localized_name(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") and self.name_en \
            else self.name


class ServiceOfferingQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)

    def for_municipality(self, municipality):
        """Services a resident of the municipality can use: its own or ones that serve it."""
        return self.filter(
            models.Q(provider=municipality) | models.Q(municipalities_served=municipality)
        ).distinct()


class ServiceOffering(TrackedModel):
    """A service (tilbud) on one level of the pyramid."""

    provider = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="services",
        verbose_name=_("provider"),
    )
    level = models.ForeignKey(
        ServiceLevel, on_delete=models.PROTECT, related_name="services",
        verbose_name=_("pyramid level"),
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    target_groups = models.ManyToManyField(
        TargetGroup, blank=True, related_name="services", verbose_name=_("target groups")
    )
    municipalities_served = models.ManyToManyField(
        Organization, blank=True, related_name="services_available",
        limit_choices_to={"kind": OrganizationKind.MUNICIPALITY},
        verbose_name=_("municipalities served"),
        help_text=_("Besides the provider itself, when the provider is a municipality."),
    )
    capacity = models.PositiveIntegerField(
        _("capacity (places or beds)"), null=True, blank=True,
        validators=[MaxValueValidator(100_000)],
    )
    waiting_days = models.PositiveIntegerField(
        _("current waiting time (days)"), null=True, blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(3650)],
    )
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ServiceOfferingQuerySet.as_manager()

    class Meta:
        ordering = ["level__sort_order", "name"]
        verbose_name = _("service")
        verbose_name_plural = _("services")
        indexes = [models.Index(fields=["level", "active"])]

    def __str__(self):
        return f"{self.name} ({self.provider})"


class Role(models.TextChoices):
    KE_STAFF = "ke_staff", _("KE staff")
    DISCHARGE_PLANNER = "discharge_planner", _("Discharge planner")
    COORDINATOR = "coordinator", _("Coordinator")
    ORG_ADMIN = "org_admin", _("Organisation administrator")
    API_CLIENT = "api_client", _("EPJ system")



class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="memberships",
        verbose_name=_("organisation"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    ward = models.CharField(_("ward"), max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "organization", "role"],
                                    name="unique_membership_role"),
        ]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} @ {self.organization}"


class ApiScope(models.TextChoices):
    """What an API client may do, per resource family; `write` includes `read`."""

    REGISTRY_READ = "registry:read", _("Read organisations and services")
    REGISTRY_WRITE = "registry:write", _("Change services")
    PATIENTS_READ = "patients:read", _("Read patients")
    PATIENTS_WRITE = "patients:write", _("Register and change patients")
    PATHWAYS_READ = "pathways:read", _("Read admissions, early notifications and meetings")
    PATHWAYS_WRITE = "pathways:write", _("Admit, notify, declare and schedule")
    COORDINATION_READ = "coordination:read", _("Read requests, coordinators and plans")
    COORDINATION_WRITE = "coordination:write", _("Submit requests and edit plans")
    NOTIFICATIONS_READ = "notifications:read", _("Read the client's notifications")
    NOTIFICATIONS_WRITE = "notifications:write", _("Mark notifications read")
    WEBHOOKS_READ = "webhooks:read", _("Read webhook subscriptions and deliveries")
    WEBHOOKS_WRITE = "webhooks:write", _("Manage webhook subscriptions, replay deliveries")


def default_api_scopes() -> list[str]:
    """A new client reads everything and writes nothing until its administrator says so."""
    return [scope.value for scope in ApiScope if scope.value.endswith(":read")]


def validate_api_scopes(value) -> None:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError(_("Scopes are a list of names."))
    unknown = sorted(set(value) - set(ApiScope.values))
    if unknown:
        raise ValidationError(_("Unknown scopes: %(scopes)s.") % {"scopes": ", ".join(unknown)})


class ApiClient(TrackedModel):
    """An EPJ system acting for one organisation; it sees what that organisation may see,
    and does what its scopes allow."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="api_clients",
        verbose_name=_("organisation"),
    )
    name = models.CharField(_("name"), max_length=120)
    user = models.OneToOneField(
        User, on_delete=models.PROTECT, related_name="api_client", editable=False
    )
    active = models.BooleanField(_("active"), default=True)
    scopes = models.JSONField(_("scopes"), default=default_api_scopes,
                              validators=[validate_api_scopes],
                              help_text=_("What the client may read and write."))

    class Meta:
        ordering = ["name"]
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")

    def __str__(self):
        return f"{self.name} ({self.organization})"

    def allows(self, family: str, *, write: bool) -> bool:
        granted = set(self.scopes or ())
        if f"{family}:write" in granted:
            return True
        return not write and f"{family}:read" in granted


class ApiKey(models.Model):
    """A key of an API client. Only a SHA-256 digest is stored; several keys allow rotation."""

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="keys")
    name = models.CharField(_("name"), max_length=80, blank=True,
                            help_text=_("Which system or installation holds the key."))
    prefix = models.CharField(max_length=12, unique=True, editable=False)
    digest = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self):
        return f"{self.client.name}: {self.prefix}…"


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
    # Pages that show several patients, each read recorded under the page's name.
    PATHWAY = "pathway"
    ACCESS_LOG = "access_log"
    KE_INBOX = "ke_inbox"
    KE_INBOX_ARCHIVE = "ke_inbox_archive"
    KE_OVERVIEW = "ke_overview"
    MY_PLANS = "my_plans"
    WARD_BOARD = "ward_board"
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


class CooperationAgreement(models.Model):
    """The health trust–municipality agreement's terms that the portal enforces.

    Without an agreement the settings' defaults apply (e.g. 24 hours for the early
    notification, from forskrift om kommunal betaling for utskrivningsklare pasienter).
    """

    health_trust = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="agreements_as_trust",
        limit_choices_to={"kind": OrganizationKind.HEALTH_TRUST}, verbose_name=_("health trust"),
    )
    municipality = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="agreements_as_municipality",
        limit_choices_to={"kind": OrganizationKind.MUNICIPALITY}, verbose_name=_("municipality"),
    )
    early_notification_hours = models.PositiveSmallIntegerField(
        _("early notification deadline (hours after admission)"),
        validators=[MinValueValidator(1), MaxValueValidator(24 * 14)],
    )

    class Meta:
        verbose_name = _("cooperation agreement")
        verbose_name_plural = _("cooperation agreements")
        constraints = [
            models.UniqueConstraint(fields=["health_trust", "municipality"],
                                    name="unique_agreement_per_trust_and_municipality"),
        ]

    def __str__(self):
        return f"{self.health_trust} – {self.municipality}"

    def clean(self):
        errors = {}
        if self.health_trust_id and self.health_trust.kind != OrganizationKind.HEALTH_TRUST:
            errors["health_trust"] = _("Choose a health trust.")
        if self.municipality_id and self.municipality.kind != OrganizationKind.MUNICIPALITY:
            errors["municipality"] = _("Choose a municipality.")
        if errors:
            raise ValidationError(errors)


class NotificationChannel(models.TextChoices):
    IN_APP = "in_app", _("In the portal")
    EMAIL = "email", _("E-mail")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed, will retry")
    UNDELIVERABLE = "undeliverable", _("Undeliverable")


class NotificationQuerySet(models.QuerySet):
    def unread(self):
        return self.filter(channel=NotificationChannel.IN_APP, read_at__isnull=True)

    def undelivered(self):
        return self.filter(delivery_status__in=[DeliveryStatus.FAILED,
                                                DeliveryStatus.UNDELIVERABLE])


class Notification(models.Model):
    """A message to one person on one channel; never silently lost.

    `dedupe_key` is unique: a sweep that runs twice, or two workers, create one row.
    E-mail carries no health data, only a pointer into the portal.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    recipient = models.ForeignKey(User, null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="notifications")
    # For people without an account (a GP, the patient, next of kin): e-mail only.
    recipient_email = models.EmailField(_("recipient e-mail"), blank=True)
    kind = models.CharField(_("kind"), max_length=60)
    channel = models.CharField(_("channel"), max_length=10, choices=NotificationChannel.choices)
    subject_type = models.CharField(_("subject type"), max_length=40, blank=True)
    subject_uuid = models.UUIDField(_("subject"), null=True, blank=True)
    patient_uuid = models.UUIDField(_("patient"), null=True, blank=True)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    attachment_name = models.CharField(max_length=100, blank=True)
    attachment = models.TextField(blank=True, help_text=_("e.g. an iCalendar invitation"))
    dedupe_key = models.CharField(max_length=200, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    delivery_status = models.CharField(_("delivery status"), max_length=15,
                                       choices=DeliveryStatus.choices,
                                       default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["recipient", "channel", "read_at"]),
            models.Index(fields=["delivery_status", "next_attempt_at"]),
            # The ward board's receipts: the notifications a notice made (subject lookup).
            models.Index(fields=["subject_uuid", "subject_type"], name="notification_subject_idx"),
        ]

    def __str__(self):
        return f"{self.kind} → {self.recipient or self.recipient_email}"

    def clean(self):
        if self.recipient_id is None and not self.recipient_email:
            raise ValidationError(_("A notification needs a recipient or an e-mail address."))
        if self.channel == NotificationChannel.IN_APP and self.recipient_id is None:
            raise ValidationError(_("Only a user can receive a notification in the portal."))
