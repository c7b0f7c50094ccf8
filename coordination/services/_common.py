"""Helpers the coordination services share: audit, notification, time checks, and the plan's
version history (every write bumps IndividualPlan.version by a conditional UPDATE and stores
a PlanVersion snapshot of the whole plan)."""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from common.exceptions import StaleVersion, StateConflict
from pathways import access as pathway_access
from registry import audit
from registry.models import AuditAction
from registry.notifications import Message, notify
from webhooks.events import emit as emit_webhook

from .. import diff, links
from ..access import require_can_edit_plan
from ..models import (
    OPEN_PLAN_STATUSES,
    IndividualPlan,
    PlanVersion,
)

CLOCK_SKEW = datetime.timedelta(minutes=5)


def not_in_future(moment, field: str) -> None:
    now = timezone.now()
    if isinstance(moment, datetime.datetime):
        if moment > now + CLOCK_SKEW:
            raise ValidationError({field: _("The time lies in the future.")})
    elif moment is not None and moment > timezone.localdate(now):
        raise ValidationError({field: _("The date lies in the future.")})


def record(by, action: AuditAction, obj, patient, detail: str = "", object_type: str = ""):
    audit.record(by, action, object_type or type(obj).__name__.lower(), obj.uuid,
                 patient_uuid=patient.uuid if patient is not None else None,
                 detail=detail[:200])


def plan_url(plan: IndividualPlan) -> str:
    return links.plan_url(plan.uuid)


def request_url(request) -> str:
    return links.request_url(request.uuid)


def notify_users(users, *, kind: str, title: str, body: str = "", url: str = "", subject,
                 patient, dedupe: str | None = None) -> None:
    """Bodies name no patient and carry no health data: e-mail gets them too."""
    notify(users, Message(kind=kind, title=title, body=body, url=url,
                          subject_type=type(subject).__name__.lower(),
                          subject_uuid=subject.uuid, patient_uuid=patient.uuid), dedupe=dedupe)


def ke_staff_of(organization):
    return pathway_access.ke_staff_of(organization)


# -- The plan's versions ------------------------------------------------------------------

def _date(value) -> str | None:
    return value.isoformat() if value else None


def snapshot(plan: IndividualPlan) -> dict:
    """The whole plan as JSON: fields, goals, measures, participants, consents, evaluations.
    Related objects appear by name (what a reader of the diff understands); items and the
    goals they refer to by their public UUID (what the diff matches on), never a database
    id."""
    coordinator = plan.coordinator
    fields = {
        "status": plan.status,
        "coordinator": (coordinator.user.display_name() if coordinator else None),
        "what_matters": plan.what_matters,
        "resources": plan.resources,
        "service_needs": plan.service_needs,
        "other_agencies": plan.other_agencies,
        "period_start": _date(plan.period_start),
        "period_end": _date(plan.period_end),
        "next_evaluation_on": _date(plan.next_evaluation_on),
    }
    goal_rows = list(plan.goals.order_by("position", "pk"))
    goal_uuid = {g.pk: str(g.uuid) for g in goal_rows}
    goals = [{
        "id": str(g.uuid), "parent": goal_uuid.get(g.parent_id), "text": g.text,
        "expressed_by_patient": g.expressed_by_patient,
        "written_by_patient": g.written_by_patient, "target_date": _date(g.target_date),
        "status": g.status, "position": g.position,
    } for g in goal_rows]
    measures = [{
        "id": str(m.uuid), "goal": goal_uuid.get(m.goal_id),
        "service": m.service.name if m.service_id else None,
        "level": m.service.level.code if m.service_id else None,
        "description": m.description, "responsible_person": m.responsible_person,
        "responsible_organization": (m.responsible_organization.name
                                     if m.responsible_organization_id else None),
        "extent": m.extent, "starts_on": _date(m.starts_on), "ends_on": _date(m.ends_on),
        "status": m.status, "position": m.position,
    } for m in plan.measures.select_related("service__level", "responsible_organization")
        .order_by("position", "pk")]
    participants = [{
        "id": str(p.uuid), "kind": p.kind, "name": p.name,
        "organization": p.organization.name if p.organization_id else None,
        "contribution": p.contribution,
    } for p in plan.participants.select_related("organization").order_by("pk")]
    consents = [{
        "id": str(c.uuid), "organization": c.organization.name, "scope": c.scope,
        "method": c.method, "given_at": c.given_at.isoformat(),
        "revoked_at": c.revoked_at.isoformat() if c.revoked_at else None,
    } for c in plan.consents.select_related("organization").order_by("pk")]
    evaluations = [{
        "id": str(e.uuid), "evaluated_on": _date(e.evaluated_on), "summary": e.summary,
        "goal_achievement": e.goal_achievement,
    } for e in plan.evaluations.order_by("evaluated_on", "pk")]
    return {"plan": fields, "goals": goals, "measures": measures,
            "participants": participants, "consents": consents, "evaluations": evaluations}


def store_version(plan: IndividualPlan, by, summary: str) -> PlanVersion:
    return PlanVersion.objects.create(plan=plan, number=plan.version, snapshot=snapshot(plan),
                                      created_by=by, summary=summary[:200])


def lock_plan(plan: IndividualPlan, by, *, expected_version: int | None = None,
              allow_closed: bool = False) -> IndividualPlan:
    """The plan's current row, locked, after the permission, read-only and version checks."""
    require_can_edit_plan(by, plan)
    current = IndividualPlan.objects.select_for_update(of=("self",)).select_related(
        "coordinator__user", "municipality", "patient").get(pk=plan.pk)
    if current.is_closed and not allow_closed:
        raise StateConflict(_("The plan is %(status)s and can no longer be changed.") % {
            "status": current.get_status_display().lower()}, code="closed", field="status")
    if expected_version is not None and current.version != expected_version:
        raise plan_conflict(current, expected_version)
    return current


def plan_conflict(current: IndividualPlan, expected_version: int) -> StaleVersion:
    """The lost update refused, with what changed from the editor's version to the current
    one (coordination.diff.Change) and the names of the fields and sections it touches."""
    older = PlanVersion.objects.filter(plan=current, number=expected_version).first()
    changes = diff.diff_snapshots(older.snapshot, snapshot(current)) if older else []
    return StaleVersion(
        current.version,
        _("Someone changed the plan since you read it (now version %(version)s).")
        % {"version": current.version}, current=current, changes=changes,
        changed_fields=sorted({c.field if c.section == "plan" else c.section
                               for c in changes}))


def bump(plan: IndividualPlan, by, *, action: AuditAction, obj, summary: str,
         allow_closed: bool = False, only_from=None, **changes) -> IndividualPlan:
    """Write `changes` to the plan row, raise its version by one, snapshot it and audit.

    The UPDATE is conditional on the version read under the lock (and on the plan being
    open, or in one of `only_from` for a status change), so a concurrent writer that got past
    the lock on a database without row locks still cannot overwrite silently; the unique
    (plan, number) of PlanVersion backs it up."""
    rows = IndividualPlan.objects.filter(pk=plan.pk, version=plan.version)
    if not allow_closed:
        rows = rows.filter(status__in=OPEN_PLAN_STATUSES)
    if only_from is not None:
        rows = rows.filter(status__in=only_from)
    now = timezone.now()
    if not rows.update(version=F("version") + 1, updated_by=by, updated_at=now, **changes):
        raise StateConflict(_("The plan changed at the same moment; reload and try again."),
                            code="stale", field="version")
    plan.refresh_from_db()
    try:
        with transaction.atomic():
            store_version(plan, by, summary)
    except IntegrityError as exc:
        raise StateConflict(_("The plan changed at the same moment; reload and try again."),
                            code="stale", field="version") from exc
    record(by, action, obj, plan.patient, f"v{plan.version} {summary}")
    emit_webhook("individual_plan.updated", resource="individual-plan", uuid=plan.uuid,
                 url_name="individual-plan-detail", patient_uuid=plan.patient.uuid,
                 recipients_org_ids=pathway_access.organizations_caring_for(plan.patient))
    return plan
