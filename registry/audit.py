"""Writing the audit trail. Services call these for writes; read paths call them for reads."""

from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID

from rehab_portal import context

from .models import AuditAction, AuditEvent, Organization


@dataclass(frozen=True)
class Entry:
    """One thing that was read or written."""

    object_type: str
    object_id: str = ""
    patient_uuid: UUID | None = None
    organization_id: int | None = None
    role: str = ""
    detail: str = ""


def _default_grounds(user) -> tuple[int | None, str]:
    if user is None or not getattr(user, "is_authenticated", False):
        return None, ""
    from .access import memberships

    rows = sorted(memberships(user), key=lambda m: (m.created_at, m.pk))
    return (rows[0].organization_id, rows[0].role) if rows else (None, "")


def record_many(user, action: AuditAction, entries: Iterable[Entry]) -> list[AuditEvent]:
    """Append one event per entry in a single INSERT."""
    entries = list(entries)
    if not entries:
        return []
    ctx = context.current()
    fallback = None
    rows = []
    for entry in entries:
        org_id, role = entry.organization_id, entry.role
        if org_id is None:
            fallback = fallback or _default_grounds(user)
            org_id, role = fallback
        rows.append(AuditEvent(
            user=user if user is not None and user.is_authenticated else None,
            user_display=(user.display_name() if user is not None and user.is_authenticated
                          else ""),
            organization_id=org_id,
            role=role,
            action=action,
            object_type=entry.object_type,
            object_id=entry.object_id,
            patient_uuid=entry.patient_uuid,
            request_id=ctx.request_id if ctx else "",
            client_address=ctx.client_address if ctx else None,
            via=ctx.via if ctx else "cli",
            detail=entry.detail[:200],
        ))
    return AuditEvent.objects.bulk_create(rows)


def record(user, action: AuditAction, object_type: str, object_id="", *, patient_uuid=None,
           organization: Organization | None = None, role: str = "", detail: str = ""):
    return record_many(user, action, [Entry(
        object_type=object_type, object_id=str(object_id), patient_uuid=patient_uuid,
        organization_id=organization.pk if organization else None, role=role, detail=detail,
    )])[0]
