"""State changes in the registry: API clients and their keys."""

import secrets

from django.db import transaction
from django.utils import timezone

from . import audit
from .api.authentication import KEY_PREFIX, digest
from .models import ApiClient, ApiKey, AuditAction, Membership, Organization, Role, User


@transaction.atomic
def create_api_client(organization: Organization, name: str, *, by=None) -> tuple[ApiClient, str]:
    """A client with its service account and a first key; the key is shown only once."""
    base = f"api-{organization.orgnr}-{secrets.token_hex(4)}"
    user = User(username=base, first_name=name[:150], is_service_account=True)
    user.set_unusable_password()
    user.save()
    Membership.objects.create(user=user, organization=organization, role=Role.API_CLIENT)
    client = ApiClient.objects.create(organization=organization, name=name, user=user,
                                      created_by=by, updated_by=by)
    audit.record(by, AuditAction.CREATE, "api_client", client.uuid, organization=organization)
    return client, issue_api_key(client, by=by)


def issue_api_key(client: ApiClient, *, by=None) -> str:
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    ApiKey.objects.create(client=client, prefix=prefix, digest=digest(secret))
    audit.record(by, AuditAction.CREATE, "api_key", prefix, organization=client.organization)
    return f"{KEY_PREFIX}{prefix}_{secret}"


def revoke_api_key(key: ApiKey, *, by=None) -> None:
    ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    audit.record(by, AuditAction.UPDATE, "api_key", key.prefix,
                 organization=key.client.organization, detail="revoked")
