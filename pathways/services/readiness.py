"""Ready for discharge (utskrivningsklar): the hospital declares or withdraws it, the
municipality answers whether it can receive the patient. The declaration starts the
municipality's payment period; see the admission steps' rules in admissions.py."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common import dates
from common.exceptions import StateConflict
from registry.models import (
    AuditAction,
)

from .. import access, deadlines
from ..models import (
    Admission,
    MunicipalAnswer,
    MunicipalAnswerKind,
    ReadyForDischarge,
)
from ._common import (
    audit_step,
    emit,
    not_in_future,
    notify_hospital,
    notify_municipality,
    step,
)
from .admissions import S, transition


def active_declaration(admission: Admission) -> ReadyForDischarge | None:
    return admission.ready_declarations.filter(withdrawn_at__isnull=True).order_by(
        "-declared_at").first()


@transaction.atomic
def declare_ready_for_discharge(admission: Admission, *, by, physician: str,
                                declared_at: datetime.datetime | None = None,
                                health_information_sent: bool = False) -> ReadyForDischarge:
    access.require_hospital_staff(by, admission)
    declared_at = declared_at or timezone.now()
    not_in_future(declared_at, "declared_at")
    if declared_at < admission.admitted_at:
        raise ValidationError({"declared_at": _("The declaration cannot come before admission.")})
    if not physician.strip():
        raise ValidationError({"physician": _("Name the physician who declared the patient.")})
    transition(admission, "declare_ready", by=by)
    declaration = ReadyForDischarge.objects.create(
        admission=admission, declared_at=declared_at, physician=physician.strip(),
        health_information_sent=health_information_sent, created_by=by, updated_by=by,
    )
    audit_step(by, AuditAction.CREATE, declaration, admission)
    emit("admission.ready_for_discharge", admission, admission.patient)
    step("admission.ready_for_discharge", declaration, admission, by)
    notify_municipality(
        admission, "ready_for_discharge.declared",
        _("A patient is ready for discharge: answer whether you can receive them"),
        _("Declared ready %(time)s at %(hospital)s, ward %(ward)s.") % {
            "time": dates.when(declared_at),
            "hospital": admission.hospital.name, "ward": admission.ward},
        subject=declaration,
    )
    return declaration


@transaction.atomic
def withdraw_ready_for_discharge(admission: Admission, *, by, reason: str = "",
                                 at: datetime.datetime | None = None) -> ReadyForDischarge:
    """Avmelding: the patient is no longer ready; the payment period ends."""
    access.require_hospital_staff(by, admission)
    declaration = active_declaration(admission)
    at = at or timezone.now()
    not_in_future(at, "at")
    if declaration is not None and at < declaration.declared_at:
        raise ValidationError({"at": _("The withdrawal cannot come before the declaration.")})
    transition(admission, "withdraw_ready", by=by)
    ReadyForDischarge.objects.filter(pk=declaration.pk).update(
        withdrawn_at=at, withdrawn_by=by, withdrawal_reason=reason[:300],
        updated_at=timezone.now(), updated_by=by)
    declaration.refresh_from_db()
    audit_step(by, AuditAction.UPDATE, declaration, admission, "withdrawn")
    step("ready_for_discharge.withdrawn", declaration, admission, by)
    notify_municipality(admission, "ready_for_discharge.withdrawn",
                         _("A ready-for-discharge declaration was withdrawn"),
                         subject=declaration)
    return declaration


@transaction.atomic
def answer_ready_for_discharge(declaration: ReadyForDischarge, *, by, kind: str,
                               receive_on: datetime.date | None = None,
                               expected_date: datetime.date | None = None,
                               comment: str = "") -> MunicipalAnswer:
    """The municipality says it can receive the patient (from a date) or cannot yet."""
    access.require_municipal_ke(by, declaration.admission)
    # Lock and re-read: a withdrawal a moment ago must win over this answer.
    declaration = ReadyForDischarge.objects.select_for_update().select_related(
        "admission__patient", "admission__hospital").get(pk=declaration.pk)
    admission = declaration.admission
    if declaration.withdrawn_at is not None or admission.status != S.READY_FOR_DISCHARGE:
        raise StateConflict(_("The declaration is no longer in force; there is nothing to "
                              "answer."), code="not_ready")
    if kind == MunicipalAnswerKind.CAN_RECEIVE and receive_on and \
            receive_on < deadlines.local_date(declaration.declared_at):
        raise ValidationError({"receive_on": _(
            "The date lies before the patient was declared ready.")})
    if expected_date and expected_date < deadlines.local_date(declaration.declared_at):
        raise ValidationError({"expected_date": _(
            "The date lies before the patient was declared ready.")})
    answer = MunicipalAnswer(
        declaration=declaration, kind=kind, receive_on=receive_on, expected_date=expected_date,
        comment=comment, answered_at=timezone.now(), answered_by=by,
    )
    answer.full_clean()
    answer.save()
    audit_step(by, AuditAction.CREATE, answer, admission, kind)
    emit("admission.municipal_answer", admission, admission.patient)
    step("admission.municipal_answer", answer, admission, by)
    notify_hospital(admission, "ready_for_discharge.answered",
                     _("The municipality answered a ready-for-discharge declaration"),
                     subject=declaration)
    return answer


# -- Corrections: a declaration sent in error (issue 16: PLO's change and cancel) ------------

def _correctable(declaration: ReadyForDischarge, by) -> ReadyForDischarge:
    access.require_hospital_staff(by, declaration.admission)
    declaration = ReadyForDischarge.objects.select_for_update().select_related(
        "admission__patient", "admission__hospital", "admission__municipality",
        "admission__ward").get(pk=declaration.pk)
    if declaration.entered_in_error:
        raise StateConflict(_("The declaration was registered in error already."),
                            code="entered_in_error")
    if declaration.admission.status == S.ENTERED_IN_ERROR:
        raise StateConflict(_("The stay was registered in error."), code="entered_in_error")
    return declaration


@transaction.atomic
def enter_declaration_in_error(declaration: ReadyForDischarge, *, by,
                               reason: str = "") -> ReadyForDischarge:
    """The patient was never declared ready (a PLO cancel of LOG_UTSKRIVNINGSKLAR): the
    declaration is entered in error and no payment day follows from it (pathways.billing);
    a stay that is ready because of it is admitted again. Its period is made empty
    (withdrawn when it was declared), so that nothing reading declarations in force counts it.
    """
    declaration = _correctable(declaration, by)
    admission = declaration.admission
    in_force = declaration.withdrawn_at is None
    if in_force and admission.status == S.READY_FOR_DISCHARGE:
        transition(admission, "withdraw_ready", by=by)
    changes = {"entered_in_error": True, "updated_at": timezone.now(), "updated_by": by}
    if in_force:
        changes.update(withdrawn_at=declaration.declared_at, withdrawn_by=by,
                       withdrawal_reason=reason[:300])
    ReadyForDischarge.objects.filter(pk=declaration.pk).update(**changes)
    declaration.refresh_from_db()
    audit_step(by, AuditAction.UPDATE, declaration, admission,
               f"entered in error: {reason}"[:200])
    step("ready_for_discharge.entered_in_error", declaration, admission, by)
    notify_municipality(admission, "ready_for_discharge.entered_in_error",
                         _("A ready-for-discharge declaration was registered in error"),
                         _("%(hospital)s says the patient was never declared ready: no payment "
                           "day follows from it.") % {"hospital": admission.hospital.name},
                         subject=declaration)
    return declaration


@transaction.atomic
def correct_declaration(declaration: ReadyForDischarge, *, by,
                        declared_at: datetime.datetime | None = None,
                        physician: str | None = None) -> ReadyForDischarge:
    """When the patient was declared ready, or by whom, corrected (a PLO change of
    LOG_UTSKRIVNINGSKLAR); the payment days follow the corrected time."""
    declaration = _correctable(declaration, by)
    admission = declaration.admission
    changes = {}
    if declared_at is not None and declared_at != declaration.declared_at:
        not_in_future(declared_at, "declared_at")
        if declared_at < admission.admitted_at:
            raise ValidationError({"declared_at": _(
                "The declaration cannot come before admission.")})
        if declaration.withdrawn_at is not None and declared_at > declaration.withdrawn_at:
            raise ValidationError({"declared_at": _(
                "The withdrawal cannot come before the declaration.")})
        if admission.discharged_at is not None and declared_at > admission.discharged_at:
            raise ValidationError({"declared_at": _(
                "The declaration cannot come after the discharge.")})
        changes["declared_at"] = declared_at
    if physician is not None and physician.strip() and physician.strip() != \
            declaration.physician:
        changes["physician"] = physician.strip()[:200]
    if not changes:
        return declaration
    ReadyForDischarge.objects.filter(pk=declaration.pk).update(
        updated_at=timezone.now(), updated_by=by, **changes)
    declaration.refresh_from_db()
    audit_step(by, AuditAction.UPDATE, declaration, admission,
               f"corrected: {', '.join(sorted(changes))}")
    step("ready_for_discharge.corrected", declaration, admission, by)
    notify_municipality(admission, "admission.corrected",
                         _("A ready-for-discharge declaration was corrected"),
                         _("Declared ready %(time)s by %(physician)s.") % {
                             "time": dates.when(declaration.declared_at),
                             "physician": declaration.physician},
                         subject=declaration)
    return declaration


@transaction.atomic
def correct_withdrawal(declaration: ReadyForDischarge, *, by,
                       at: datetime.datetime | None = None,
                       reason: str | None = None) -> ReadyForDischarge:
    """When, or why, the declaration was withdrawn, corrected (a PLO change of
    LOG_AVMELDING); the payment period ends at the corrected time."""
    declaration = _correctable(declaration, by)
    if declaration.withdrawn_at is None:
        raise StateConflict(_("The declaration has not been withdrawn."), code="not_withdrawn")
    changes = {}
    if at is not None and at != declaration.withdrawn_at:
        not_in_future(at, "at")
        if at < declaration.declared_at:
            raise ValidationError({"at": _(
                "The withdrawal cannot come before the declaration.")})
        changes["withdrawn_at"] = at
    if reason is not None and reason.strip() and reason.strip() != \
            declaration.withdrawal_reason:
        changes["withdrawal_reason"] = reason.strip()[:300]
    if not changes:
        return declaration
    ReadyForDischarge.objects.filter(pk=declaration.pk).update(
        updated_at=timezone.now(), updated_by=by, **changes)
    declaration.refresh_from_db()
    audit_step(by, AuditAction.UPDATE, declaration, declaration.admission,
               f"withdrawal corrected: {', '.join(sorted(changes))}")
    step("ready_for_discharge.corrected", declaration, declaration.admission, by)
    notify_municipality(declaration.admission, "admission.corrected",
                         _("A withdrawal of a ready-for-discharge declaration was corrected"),
                         subject=declaration)
    return declaration


@transaction.atomic
def cancel_withdrawal(declaration: ReadyForDischarge, *, by,
                      reason: str = "") -> ReadyForDischarge:
    """The withdrawal was sent in error (a PLO cancel of LOG_AVMELDING): the patient is
    ready again, and the payment period runs on from the declaration as if never ended.
    Only the stay's latest declaration, while the stay is still open and not declared anew."""
    declaration = _correctable(declaration, by)
    admission = declaration.admission
    if declaration.withdrawn_at is None:
        raise StateConflict(_("The declaration has not been withdrawn."), code="not_withdrawn")
    if admission.ready_declarations.filter(declared_at__gt=declaration.declared_at,
                                           entered_in_error=False).exists():
        raise StateConflict(_("The patient has been declared ready again since: the "
                              "withdrawal can no longer be cancelled."), code="declared_since")
    transition(admission, "reinstate_ready", by=by)
    ReadyForDischarge.objects.filter(pk=declaration.pk).update(
        withdrawn_at=None, withdrawn_by=None, withdrawal_reason="", updated_at=timezone.now(),
        updated_by=by)
    declaration.refresh_from_db()
    audit_step(by, AuditAction.UPDATE, declaration, admission,
               f"withdrawal cancelled: {reason}"[:200])
    step("ready_for_discharge.corrected", declaration, admission, by)
    notify_municipality(admission, "admission.corrected",
                         _("A withdrawal was cancelled: the patient is ready for discharge "
                           "again"), reason[:300], subject=declaration)
    return declaration
