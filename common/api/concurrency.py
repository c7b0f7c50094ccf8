"""Optimistic locking: If-Match names the version a client read; a write compares it with the
row's version under the row's lock (locked_for_update), so nobody writes in between."""

import re

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, status
from rest_framework.response import Response


class PreconditionFailed(exceptions.APIException):
    """412: the If-Match version is not the current one; `etag` tells the client which is."""

    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = gettext_lazy("The record has changed since you read it.")
    default_code = "precondition_failed"

    def __init__(self, detail=None, *, etag: str | None = None):
        super().__init__(detail)
        self.etag = etag



class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = gettext_lazy("This request needs an If-Match header.")
    default_code = "precondition_required"


_ETAG = re.compile(r'^(?:W/)?"(\d+)"$|^(\d+)$')


ANY_VERSION = "*"



def parse_if_match(header: str | None) -> list[int] | str | None:
    """Versions named in If-Match (`W/"3"`, `"3"` or `3`, comma-separated); ANY_VERSION for
    `*` (RFC 9110 13.1.1: true whenever the resource exists); None if absent.

    Raises PreconditionFailed for a header that cannot name a version.
    """
    if header is None or not header.strip():
        return None
    if header.strip() == ANY_VERSION:
        return ANY_VERSION
    versions = []
    for part in header.split(","):
        match = _ETAG.match(part.strip())
        if match is None:
            raise PreconditionFailed(
                _('If-Match must carry the ETag from your last read, e.g. W/"3".')
            )
        versions.append(int(match.group(1) or match.group(2)))
    return versions



def version_etag(version: int) -> str:
    return f'W/"{version}"'


def versioned_response(data, version: int, status_code=status.HTTP_200_OK, **headers):
    """An answer that shows one versioned record, with the ETag of its version (what the
    client sends back in If-Match)."""
    return Response(data, status=status_code, headers={"ETag": version_etag(version), **headers})



def require_if_match(request, current_version: int) -> None:
    """428 without If-Match, 412 (with the current ETag) when it names another version.

    Compare with a version read under the row's lock (locked_for_update), not before it."""
    versions = parse_if_match(request.headers.get("If-Match"))
    if versions is None:
        raise PreconditionRequired(_(
            'Send the ETag from your last read in If-Match (e.g. If-Match: W/"%(version)s")'
            " so that you do not overwrite someone else's change."
        ) % {"version": current_version})
    if versions != ANY_VERSION and current_version not in versions:
        raise stale(current_version)



def locked_for_update(instance, request, *, version_field: str = "version", conflict=None):
    """The instance's row, locked until the transaction ends, once the request's If-Match
    names its current version: 428 without If-Match, 412 with the current ETag when stale
    (or `conflict(current, versions)`, an exception that says more). Every API write to a
    versioned document goes through here, inside the transaction that makes the change, so
    that nobody can write between the comparison and the change."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("locked_for_update() must run inside transaction.atomic().")
    current = type(instance)._base_manager.select_for_update().get(pk=instance.pk)
    version = getattr(current, version_field)
    versions = parse_if_match(request.headers.get("If-Match"))
    if conflict is not None and versions not in (None, ANY_VERSION) and version not in versions:
        raise conflict(current, versions)
    require_if_match(request, version)
    return current



def stale(current_version: int) -> PreconditionFailed:
    return PreconditionFailed(
        _("Someone changed the record since you read it; it is now at version %(version)s. "
          "Read it again and reapply your change.") % {"version": current_version},
        etag=version_etag(current_version),
    )
