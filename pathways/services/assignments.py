"""Who in the coordinating unit works an admission's notices ("mine"): a KE worker takes
them, so that two colleagues do not work the same one, and releases them again. A colleague's
assignment is never overwritten by a plain take: taking over names whom it is taken from.

An assignment holds only while its KE worker is KE staff of the admission's municipality:
if the admission moves to another municipality, the old assignment is ignored there (shown to
nobody, taken as if free), so it never leaks across municipalities."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from common import dates
from common.exceptions import StateConflict
from registry import audit
from registry.capabilities import Capability, can, roles_with
from registry.models import AuditAction, AuditObjectType, Membership

from ..models import Admission, NoticeAssignment


def require_ke_worker(user, admission: Admission) -> None:
    """Only a person in the coordinating unit of the admission's municipality takes its
    notices (an EPJ system acts for the municipality but works no inbox)."""
    if not can(user, Capability.WORK_IN_COORDINATING_UNIT, admission.municipality):
        raise PermissionDenied(_(
            "Only the coordinating unit of %(municipality)s may take this early notification."
        ) % {"municipality": admission.municipality.name})


def holds(assignment: NoticeAssignment | None, admission: Admission) -> bool:
    """Whether the assignment stands: its KE worker is KE staff of the admission's
    municipality today (one query)."""
    return assignment is not None and Membership.objects.filter(
        user_id=assignment.ke_worker_id, organization_id=admission.municipality_id,
        role__in=roles_with(Capability.WORK_IN_COORDINATING_UNIT)).exists()


def assignment_holds(admission_path: str = "admission"):
    """An annotation for a queryset of notices (or admissions, with admission_path "pk"
    names): whether the admission's assignment stands, by holds()'s rule, in the same query."""
    prefix = "" if admission_path == "pk" else f"{admission_path}__"
    return Exists(Membership.objects.filter(
        user_id=OuterRef(f"{prefix}notice_assignment__ke_worker_id"),
        organization_id=OuterRef(f"{prefix}municipality_id"),
        role__in=roles_with(Capability.WORK_IN_COORDINATING_UNIT)))


def _audit(by, admission: Admission, detail: str) -> None:
    audit.record(by, AuditAction.UPDATE, AuditObjectType.ADMISSION, admission.uuid,
                 patient_uuid=admission.patient.uuid, detail=detail)


@transaction.atomic
def take_notice(admission: Admission, *, by, take_over_from: str = "") -> NoticeAssignment:
    """`by` takes the admission's notices. Taken by a colleague already, it is refused
    (StateConflict naming the colleague) unless `take_over_from` names that colleague's user
    name: taking over is a second, explicit step, and a third colleague who took it in the
    meantime is never overwritten by it."""
    require_ke_worker(by, admission)
    # Lock the admission: two colleagues taking at once take turns, the second sees the first.
    Admission.objects.select_for_update().filter(pk=admission.pk).first()
    current = (NoticeAssignment.objects.select_related("ke_worker")
               .filter(admission=admission).first())
    if current is not None and current.ke_worker_id == by.pk:
        return current  # already theirs: nothing changes, nothing to audit
    now = timezone.now()
    if current is not None and holds(current, admission):
        colleague = current.ke_worker
        if take_over_from != colleague.username:
            raise StateConflict(_(
                "%(name)s took this early notification at %(time)s. Take it over only if "
                "you have agreed with them.") % {
                    "name": colleague.display_name(),
                    "time": dates.when(current.taken_at)},
                code="taken_by_colleague")
        detail = f"notice taken over from {colleague.username}"
    else:
        detail = "notice taken"
    if current is None:
        current = NoticeAssignment(admission=admission)
    current.ke_worker, current.taken_at = by, now
    current.save()
    _audit(by, admission, detail)
    return current


@transaction.atomic
def release_notice(admission: Admission, *, by) -> None:
    """`by` gives the admission's notices back to the unit; only their own."""
    require_ke_worker(by, admission)
    Admission.objects.select_for_update().filter(pk=admission.pk).first()
    current = (NoticeAssignment.objects.select_related("ke_worker")
               .filter(admission=admission).first())
    if current is None or not holds(current, admission):
        raise StateConflict(_("Nobody has taken this early notification."), code="not_taken")
    if current.ke_worker_id != by.pk:
        raise StateConflict(_("%(name)s has taken this early notification, not you.") % {
            "name": current.ke_worker.display_name()}, code="taken_by_colleague")
    current.delete()
    _audit(by, admission, "notice released")
