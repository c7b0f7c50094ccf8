"""Idempotency-Key for the portal's callers (the mechanism: common.idempotency): the caller is
an API key's service account or the session's user, a key's access stamp is the caller's
scopes and memberships, and every replay is audited."""

import hashlib

from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from common import idempotency

from . import audit
from .api.authentication import ApiKeyAuthentication
from .models import ApiClient, AuditAction, AuditObjectType, Membership


class IdempotencyMiddleware(idempotency.IdempotencyMiddleware):
    def caller(self, request):
        """The authenticated caller as DRF will see it: an API key's service account, else
        the session's user."""
        try:
            found = ApiKeyAuthentication().authenticate(Request(request))
        except AuthenticationFailed:
            return None
        if found is not None:
            return found[0]
        return super().caller(request)

    def access_stamp(self, owner) -> str:
        """An API client's scopes, a person's memberships: a replay after they changed would
        hand back what the caller may no longer see."""
        client = ApiClient.objects.filter(user=owner).values_list("scopes", "active").first()
        memberships = sorted(Membership.objects.filter(user=owner).values_list(
            "organization_id", "role"))
        return hashlib.sha256(repr((client, memberships)).encode()).hexdigest()

    def replayed(self, owner, key, request):
        audit.record(owner, AuditAction.VIEW, AuditObjectType.IDEMPOTENT_REPLAY, key[:64],
                     detail=f"{request.method} {request.path}"[:200])
