"""The individual plan three ways: CarePlan (what matters, the measures as activities),
Goal (the patient's goals and how far they got) and CareTeam (the coordinator and the
responsible group)."""

from coordination.models import (
    AchievementStatus,
    Goal,
    IndividualPlan,
    Measure,
    MeasureStatus,
    PlanParticipantKind,
    PlanStatus,
)

from ._common import compact, day, instant, meta, org_ref, patient_ref, ref
from .systems import GOAL_ACHIEVEMENT_SYSTEM, SERVICE_LEVEL_SYSTEM

CAREPLAN_STATUS = {
    PlanStatus.REQUESTED: "draft",
    PlanStatus.IN_PREPARATION: "draft",
    PlanStatus.ACTIVE: "active",
    PlanStatus.UNDER_EVALUATION: "active",
    PlanStatus.CLOSED: "completed",
    PlanStatus.DECLINED: "revoked",
}
CARETEAM_STATUS = {
    PlanStatus.REQUESTED: "proposed",
    PlanStatus.IN_PREPARATION: "proposed",
    PlanStatus.ACTIVE: "active",
    PlanStatus.UNDER_EVALUATION: "active",
    PlanStatus.CLOSED: "inactive",
    PlanStatus.DECLINED: "inactive",
}
ACTIVITY_STATUS = {
    MeasureStatus.PLANNED: "scheduled",
    MeasureStatus.ONGOING: "in-progress",
    MeasureStatus.COMPLETED: "completed",
    MeasureStatus.STOPPED: "stopped",
}
# achievement → (lifecycleStatus, achievementStatus code or None)
GOAL_STATUS = {
    AchievementStatus.NOT_STARTED: ("accepted", None),
    AchievementStatus.IN_PROGRESS: ("active", "in-progress"),
    AchievementStatus.ACHIEVED: ("completed", "achieved"),
    AchievementStatus.NOT_ACHIEVED: ("completed", "not-achieved"),
    AchievementStatus.DROPPED: ("cancelled", None),
}
GOAL_LIFECYCLE = {status: lifecycle for status, (lifecycle, _a) in GOAL_STATUS.items()}


def _period(start, end) -> dict:
    return compact({"start": day(start), "end": day(end)})


def _activity(measure: Measure) -> dict:
    description = measure.description or (measure.service.name if measure.service_id else "")
    if measure.extent:
        description = f"{description} ({measure.extent})" if description else measure.extent
    detail = {
        "status": ACTIVITY_STATUS[measure.status],
        "description": description,
        "scheduledPeriod": _period(measure.starts_on, measure.ends_on),
        "goal": [ref("Goal", measure.goal)] if measure.goal_id else [],
    }
    performers = []
    if measure.responsible_organization_id:
        performers.append(org_ref(measure.responsible_organization))
    if measure.responsible_person:
        performers.append({"display": measure.responsible_person})
    detail["performer"] = performers
    if measure.service_id:
        detail["code"] = {"coding": [{"system": SERVICE_LEVEL_SYSTEM,
                                      "code": measure.service.level.code}],
                          "text": measure.service.name}
    return {"detail": compact(detail)}


def care_plan(plan: IndividualPlan) -> dict:
    return compact({
        "resourceType": "CarePlan",
        "id": str(plan.uuid),
        "meta": meta(plan.updated_at, plan.version),
        "status": CAREPLAN_STATUS[plan.status],
        "intent": "plan",
        "category": [{"text": "Individual plan (individuell plan)"}],
        "title": "Individual plan",
        "description": plan.what_matters,
        "subject": patient_ref(plan.patient),
        "period": _period(plan.period_start, plan.period_end),
        "created": instant(plan.created_at),
        "author": org_ref(plan.municipality),
        "careTeam": [{"reference": f"CareTeam/{plan.uuid}"}],
        "goal": [ref("Goal", goal) for goal in plan.goals.all()],
        "activity": [_activity(measure) for measure in plan.measures.all()],
        "note": [{"text": text} for text in (plan.resources, plan.service_needs) if text],
    })


def goal(g: Goal) -> dict:
    plan = g.plan
    lifecycle, achievement = GOAL_STATUS[g.status]
    resource = {
        "resourceType": "Goal",
        "id": str(g.uuid),
        "meta": meta(plan.updated_at),
        "lifecycleStatus": lifecycle,
        "description": {"text": g.text},
        "subject": patient_ref(plan.patient),
        "target": [{"dueDate": day(g.target_date)}] if g.target_date else [],
        "expressedBy": patient_ref(plan.patient) if g.expressed_by_patient else None,
    }
    if achievement:
        resource["achievementStatus"] = {"coding": [{"system": GOAL_ACHIEVEMENT_SYSTEM,
                                                     "code": achievement}]}
    return compact(resource)


def care_team(plan: IndividualPlan) -> dict:
    participants = []
    if plan.coordinator_id:
        participants.append({"role": [{"text": "Coordinator"}],
                             "member": {"display": plan.coordinator.user.display_name()},
                             "onBehalfOf": org_ref(plan.coordinator.organization)})
    for p in plan.participants.all():
        if p.kind == PlanParticipantKind.PATIENT:
            member = patient_ref(plan.patient)
        elif p.organization_id and not p.name:
            member = org_ref(p.organization)
        else:
            member = {"display": p.name}
        participants.append(compact({
            "role": [{"text": str(p.get_kind_display())}],
            "member": member,
            "onBehalfOf": org_ref(p.organization) if p.organization_id else None,
        }))
    return compact({
        "resourceType": "CareTeam",
        "id": str(plan.uuid),
        "meta": meta(plan.updated_at, plan.version),
        "status": CARETEAM_STATUS[plan.status],
        "name": "Responsible group (ansvarsgruppe)",
        "subject": patient_ref(plan.patient),
        "period": _period(plan.period_start, plan.period_end),
        "participant": participants,
        "managingOrganization": [org_ref(plan.municipality)],
    })
