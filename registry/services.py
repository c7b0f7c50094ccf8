"""State changes in the registry: services on the pyramid, API clients and their keys."""

import secrets

from django.db import transaction
from django.utils import timezone

from common.exceptions import StaleVersion

from . import audit
from .access import require_admin_of
from .api.authentication import KEY_PREFIX, digest
from .models import (
    ApiClient,
    ApiKey,
    AuditAction,
    AuditObjectType,
    Membership,
    Organization,
    Role,
    ServiceOffering,
    User,
)

SERVICE_M2M_FIELDS = ("target_groups", "municipalities_served")


@transaction.atomic
def create_api_client(organization: Organization, name: str, *, by=None,
                      scopes: list[str] | None = None) -> tuple[ApiClient, str]:
    """A client with its service account and a first key; the key is shown only once. Without
    `scopes` it may read every family and write none."""
    base = f"api-{organization.orgnr}-{secrets.token_hex(4)}"
    user = User(username=base, first_name=name[:150], is_service_account=True)
    user.set_unusable_password()
    user.save()
    Membership.objects.create(user=user, organization=organization, role=Role.API_CLIENT)
    client = ApiClient(organization=organization, name=name, user=user, created_by=by,
                       updated_by=by)
    if scopes is not None:
        client.scopes = sorted(set(scopes))
    client.full_clean(exclude=["user"])
    client.save()
    audit.record(by, AuditAction.CREATE, AuditObjectType.API_CLIENT, client.uuid,
                 organization=organization)
    return client, issue_api_key(client, by=by)


def set_api_client_scopes(client: ApiClient, scopes: list[str], *, by=None) -> ApiClient:
    """Grant exactly these scopes (see ApiScope); audited with the old and new lists."""
    before = sorted(client.scopes or ())
    client.scopes = sorted(set(scopes))
    client.updated_by = by
    client.full_clean()
    client.save(update_fields=["scopes", "updated_by", "updated_at"])
    audit.record(by, AuditAction.UPDATE, AuditObjectType.API_CLIENT, client.uuid,
                 organization=client.organization,
                 detail=f"scopes {','.join(before)} -> {','.join(client.scopes)}"[:200])
    return client


def issue_api_key(client: ApiClient, *, by=None, name: str = "") -> str:
    """A new key for rotation: the old ones work until revoked. Shown only once."""
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    ApiKey.objects.create(client=client, prefix=prefix, digest=digest(secret), name=name)
    audit.record(by, AuditAction.CREATE, AuditObjectType.API_KEY, prefix,
                 organization=client.organization)
    return f"{KEY_PREFIX}{prefix}_{secret}"


def revoke_api_key(key: ApiKey, *, by=None) -> None:
    ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    audit.record(by, AuditAction.UPDATE, AuditObjectType.API_KEY, key.prefix,
                 organization=key.client.organization, detail="revoked")


@transaction.atomic
def create_service_offering(*, by, provider: Organization, **fields) -> ServiceOffering:
    """Add a service; only the provider's organisation administrators may."""
    require_admin_of(by, provider)
    related = {name: fields.pop(name) for name in SERVICE_M2M_FIELDS if name in fields}
    offering = ServiceOffering(provider=provider, created_by=by, updated_by=by, **fields)
    offering.full_clean()
    offering.save()
    for name, values in related.items():
        getattr(offering, name).set(values)
    audit.record(by, AuditAction.CREATE, AuditObjectType.SERVICE_OFFERING, offering.uuid,
                 organization=provider, role=Role.ORG_ADMIN, detail=offering.name)
    return offering


@transaction.atomic
def update_service_offering(offering: ServiceOffering, *, by, expected_version: int | None = None,
                            **changes) -> ServiceOffering:
    """Change a service; moving it to another provider needs admin rights in both. With
    `expected_version`, a service changed since is a StaleVersion."""
    require_admin_of(by, offering.provider, changes.get("provider", offering.provider))
    current = ServiceOffering.objects.select_for_update().get(pk=offering.pk)
    if expected_version is not None and current.version != expected_version:
        raise StaleVersion(current.version)
    offering.version = current.version + 1
    related = {name: changes.pop(name) for name in SERVICE_M2M_FIELDS if name in changes}
    for name, value in changes.items():
        setattr(offering, name, value)
    offering.updated_by = by
    offering.full_clean()
    offering.save()
    for name, values in related.items():
        getattr(offering, name).set(values)
    audit.record(by, AuditAction.UPDATE, AuditObjectType.SERVICE_OFFERING, offering.uuid,
                 organization=offering.provider, role=Role.ORG_ADMIN,
                 detail=", ".join(sorted([*changes, *related]))[:200])
    return offering
