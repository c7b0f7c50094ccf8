"""Who and what exists: organisations, coordinating units, services on the pyramid, staff,
API clients, the audit trail and notifications. One module per concern; everything is
importable from registry.models."""

from .api_clients import ApiClient, ApiKey, ApiScope, default_api_scopes, validate_api_scopes
from .audit import AuditAction, AuditEvent, AuditEventQuerySet, AuditObjectType
from .channels import WEBHOOK_STEPS, ChannelChoice, ChannelStep, StepChannel
from .notifications import DeliveryStatus, Notification, NotificationChannel, NotificationQuerySet
from .offerings import ServiceLevel, ServiceOffering, ServiceOfferingQuerySet, TargetGroup
from .organizations import (
    CooperationAgreement,
    CoordinatingUnit,
    CoordinatingUnitScope,
    Membership,
    Organization,
    OrganizationKind,
    OrganizationQuerySet,
    Region,
    Role,
)
from .users import User
from .wards import Department, Ward, WardQuerySet

__all__ = [
    "ApiClient", "ApiKey", "ApiScope", "AuditAction", "AuditEvent", "AuditEventQuerySet",
    "AuditObjectType", "ChannelChoice", "ChannelStep", "CooperationAgreement",
    "CoordinatingUnit", "CoordinatingUnitScope", "DeliveryStatus", "Department", "Membership",
    "Notification", "NotificationChannel", "NotificationQuerySet", "Organization",
    "OrganizationKind", "OrganizationQuerySet", "Region", "Role", "ServiceLevel",
    "ServiceOffering", "ServiceOfferingQuerySet", "StepChannel", "TargetGroup", "User",
    "WEBHOOK_STEPS", "Ward", "WardQuerySet", "default_api_scopes", "validate_api_scopes",
]
