"""What every citizen page shares: the sign-in requirement, the door to one patient (404
outside it) and the audit of what was read through it."""

import functools

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.cache import never_cache

from pathways import citizen_access
from pathways.citizen_access import CitizenAccess
from registry import audit
from registry.models import AuditAction, AuditObjectType

SESSION_SEEN = "citizen_seen"


def citizen_required(view):
    """A signed-in citizen, active within CITIZEN_SESSION_IDLE_SECONDS; otherwise to the
    sign-in page (with the page to come back to). Never cached."""

    @functools.wraps(view)
    @never_cache
    def wrapper(request, *args, **kwargs):
        user = request.user
        now = int(timezone.now().timestamp())
        seen = request.session.get(SESSION_SEEN) if user.is_authenticated else None
        if user.is_authenticated and seen is not None and \
                now - seen > settings.CITIZEN_SESSION_IDLE_SECONDS:
            logout(request)
        if not (request.user.is_authenticated and request.user.is_citizen):
            response = redirect("citizen:sign_in")
            response["Location"] += "?" + _next_query(request)
            return response
        request.session[SESSION_SEEN] = now
        return view(request, *args, **kwargs)

    return wrapper


def _next_query(request) -> str:
    from django.utils.http import urlencode

    return urlencode({"next": request.get_full_path()})


def door(request, patient_uuid, part: str | None = None) -> CitizenAccess:
    """The signed-in citizen's door to this patient (and part), or 404."""
    access = citizen_access.access_to(request.user, patient_uuid, part)
    request.citizen_access = access
    return access


def audit_read(request, access: CitizenAccess, object_type: AuditObjectType,
               object_id="") -> None:
    """Log the citizen's read of the patient's data, as every read of patient data is; the
    detail says whether the patient or a representative read it (the patient's access log
    shows it so)."""
    audit.record(request.user, AuditAction.VIEW, object_type, object_id,
                 patient_uuid=access.patient.uuid, detail=detail_for(access))


def audit_rows(request, access: CitizenAccess, object_type: AuditObjectType, rows) -> None:
    """Log the read of each record a page shows (one INSERT), or of the page itself when it
    shows none: that the patient looked is in the log either way."""
    detail = detail_for(access)
    audit.record_many(request.user, AuditAction.VIEW, [
        audit.Entry(object_type, object_id, patient_uuid=access.patient.uuid, detail=detail)
        for object_id in [row.uuid for row in rows] or [""]])


def detail_for(access: CitizenAccess) -> str:
    if access.is_patient:
        return "patient"
    return f"representative: {access.representation.kind}"
