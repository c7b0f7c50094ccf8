"""Writing the audit trail. Services call these for writes; read paths call them for reads."""

import json
from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID

from django.db import connection
from django.utils import timezone

from common import context

from .models import AuditAction, AuditEvent, AuditObjectType, Organization


@dataclass(frozen=True)
class Entry:
    """One thing that was read or written. An object type the trail does not know
    (AuditObjectType) is a ValueError at once, not a new word in the trail; an int object id
    is a TypeError: the trail names a record by its public UUID (an API key by its prefix),
    never by a database id."""

    object_type: AuditObjectType
    object_id: str | UUID = ""  # stored as text
    patient_uuid: UUID | None = None
    organization_id: int | None = None
    role: str = ""
    detail: str = ""

    def __post_init__(self):
        object.__setattr__(self, "object_type", AuditObjectType(self.object_type))
        if isinstance(self.object_id, int):
            raise TypeError(f"The audit names a {self.object_type} by its public UUID, not "
                            f"by the database id {self.object_id!r}.")
        object.__setattr__(self, "object_id", str(self.object_id))


def _default_grounds(user) -> tuple[int | None, str]:
    if user is None or not getattr(user, "is_authenticated", False):
        return None, ""
    from .access import memberships

    rows = sorted(memberships(user), key=lambda m: (m.created_at, m.pk))
    return (rows[0].organization_id, rows[0].role) if rows else (None, "")


def record_many(user, action: AuditAction, entries: Iterable[Entry]) -> None:
    """Append one event per entry in a single INSERT."""
    common, rows = _events(user, action, entries)
    if len(rows) > 1 and connection.vendor == "postgresql":
        _insert(common, rows)
    elif rows:
        _create(common, rows)


def _events(user, action: AuditAction, entries: Iterable[Entry]) -> tuple[dict, list[tuple]]:
    """What the events share (the request's), and per entry the values of _PER_ROW."""
    signed_in = user is not None and user.is_authenticated
    ctx = context.current()
    common = {
        "user_id": user.pk if signed_in else None,
        "user_display": user.display_name() if signed_in else "",
        "action": action,
        "request_id": ctx.request_id if ctx else "",
        "client_address": ctx.client_address if ctx else None,
        "via": ctx.via if ctx else "cli",
    }
    fallback = None
    rows = []
    for entry in entries:
        organization_id, role = entry.organization_id, entry.role
        if organization_id is None:
            fallback = fallback or _default_grounds(user)
            organization_id, role = fallback
        rows.append((organization_id, role, entry.object_type, entry.object_id,
                     entry.patient_uuid, entry.detail[:200]))
    return common, rows


def _create(common: dict, rows: list[tuple]) -> list[AuditEvent]:
    return AuditEvent.objects.bulk_create([
        AuditEvent(**common, **dict(zip(_PER_ROW, row, strict=True))) for row in rows])


# What differs from event to event of one record_many(); the rest is the request's.
_PER_ROW = ("organization_id", "role", "object_type", "object_id", "patient_uuid", "detail")


def _insert(common: dict, rows: list[tuple]) -> None:
    """One INSERT of a page's events: what they share once, the rest as one JSON array of
    rows (jsonb_to_recordset). bulk_create would prepare each of the page's ~1,300 values
    through its field and send as many placeholders (a third of a 100-row API list: make
    bench, profile); an array per column still quotes each value in Python. PostgreSQL
    only."""
    fields = {f.attname: f for f in AuditEvent._meta.concrete_fields}
    quote = connection.ops.quote_name
    shared = ["at", *common]
    columns = ", ".join(quote(fields[name].column) for name in (*shared, *_PER_ROW))
    each = ", ".join(f"{name} {fields[name].db_type(connection)}" for name in _PER_ROW)
    sql = (f"INSERT INTO {quote(AuditEvent._meta.db_table)} ({columns}) "  # noqa: S608 - the model's names
           f"SELECT {', '.join(f'%s::{fields[name].db_type(connection)}' for name in shared)}, "
           f"r.* FROM jsonb_to_recordset(%s::jsonb) AS r({each})")
    payload = json.dumps([dict(zip(_PER_ROW, row, strict=True)) for row in rows], default=str)
    with connection.cursor() as cursor:
        cursor.execute(sql, [timezone.now(), *common.values(), payload])


def record(user, action: AuditAction, object_type: AuditObjectType, object_id="", *,
           patient_uuid=None, organization: Organization | None = None, role: str = "",
           detail: str = ""):
    common, rows = _events(user, action, [Entry(
        object_type=object_type, object_id=object_id, patient_uuid=patient_uuid,
        organization_id=organization.pk if organization else None, role=role, detail=detail,
    )])
    return _create(common, rows)[0]
