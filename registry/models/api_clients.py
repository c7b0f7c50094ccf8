"""EPJ systems' API clients, their scopes and keys."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from common.models import TrackedModel

from .organizations import Organization
from .users import User


class ApiScope(models.TextChoices):
    """What an API client may do, per resource family; `write` includes `read`."""

    REGISTRY_READ = "registry:read", _("Read organisations, services and wards")
    REGISTRY_WRITE = "registry:write", _("Change services")
    PATIENTS_READ = "patients:read", _("Read patients")
    PATIENTS_WRITE = "patients:write", _("Register and change patients")
    PATHWAYS_READ = "pathways:read", _(
        "Read admissions, early notifications, meetings and home rehabilitation")
    PATHWAYS_WRITE = "pathways:write", _("Admit, notify, declare and schedule")
    COORDINATION_READ = "coordination:read", _(
        "Read requests, coordinators, plans, needs assessments, referrals and waiting lists")
    COORDINATION_WRITE = "coordination:write", _(
        "Submit requests, edit plans, refer, and assess and decide referrals")
    NOTIFICATIONS_READ = "notifications:read", _("Read the client's notifications")
    NOTIFICATIONS_WRITE = "notifications:write", _("Mark notifications read")
    WEBHOOKS_READ = "webhooks:read", _("Read webhook subscriptions and deliveries")
    WEBHOOKS_WRITE = "webhooks:write", _("Manage webhook subscriptions, replay deliveries")
    INDICATORS_READ = "indicators:read", _("Read indicators and capacity (aggregates only)")



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
