"""Scopes: an API client does only what its administrator granted, per resource family.

Every API view names its family (`scope_family`); a view without one is closed to API
clients (deny by default). Safe methods need `<family>:read`, the others `<family>:write`,
except the actions a view lists in `scope_read_actions` (a search sent by POST to keep an
identity number out of the URL is a read).
People signed in with a session are not limited by scopes: their roles and care
relationships decide, as everywhere else.
"""

from django.utils.translation import gettext as _
from rest_framework import exceptions, permissions

from ..models import ApiKey


def api_client_of(request):
    """The ApiClient behind the request's key, or None for a person's session."""
    auth = getattr(request, "auth", None)
    return auth.client if isinstance(auth, ApiKey) else None


def require_scope(request, family: str | None, *, write: bool) -> None:
    client = api_client_of(request)
    if client is None:
        return
    if family is None or not client.allows(family, write=write):
        needed = f"{family}:{'write' if write else 'read'}" if family else _("a scope")
        raise exceptions.PermissionDenied(
            _("The API client lacks the scope %(scope)s.") % {"scope": needed})


class HasClientScope(permissions.BasePermission):
    def has_permission(self, request, view):
        if getattr(view, "scope_public", False):  # the API root: links only
            return True
        reading = (request.method in permissions.SAFE_METHODS
                   or getattr(view, "action", None) in getattr(view, "scope_read_actions", ()))
        require_scope(request, getattr(view, "scope_family", None), write=not reading)
        return True
