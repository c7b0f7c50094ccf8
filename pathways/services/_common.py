"""What the pathway's steps share: the time check, notifying the other side, telling the
subscribed EPJ systems, and auditing a step."""

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from registry import audit
from registry.notifications import Message, notify
from webhooks.events import emit as emit_webhook

from .. import access, links
from ..models import (
    Admission,
    Patient,
)
from ..signals import step_recorded

CLOCK_SKEW = datetime.timedelta(minutes=5)


def not_in_future(moment: datetime.datetime, field: str) -> None:
    if moment > timezone.now() + CLOCK_SKEW:
        raise ValidationError({field: _("The time lies in the future.")})


def pathway_url(admission: Admission) -> str:
    return links.pathway_url(admission.patient.uuid)


def notify_municipality(admission: Admission, kind: str, title: str, body: str = "",
                        subject=None) -> None:
    """Tell the KE of the admission's municipality about the admission (or `subject`)."""
    _notify(access.ke_staff_of(admission.municipality), admission, kind, title, body, subject)


def notify_hospital(admission: Admission, kind: str, title: str, body: str = "",
                    subject=None) -> None:
    """Tell the discharge planners of the admission's ward."""
    _notify(access.planners_of(admission.hospital, admission.ward), admission, kind, title,
            body, subject)


def _notify(users, admission: Admission, kind: str, title: str, body: str, subject) -> None:
    subject = subject or admission
    notify(users, Message(
        kind=kind, title=title, body=body, url=pathway_url(admission),
        subject_type=type(subject).__name__.lower(), subject_uuid=subject.uuid,
        patient_uuid=admission.patient.uuid,
    ))


def emit(event: str, obj, patient: Patient, url_name: str = "admission-detail") -> None:
    """Tell the subscribed EPJ systems of the organisations caring for the patient (queued
    for after the commit; nothing if the transaction rolls back)."""
    emit_webhook(event, resource=url_name.removesuffix("-detail"), uuid=obj.uuid,
                 url_name=url_name, patient_uuid=patient.uuid,
                 recipients_org_ids=access.organizations_caring_for(patient))


def audit_step(by, action, obj, admission: Admission, detail: str = "") -> None:
    audit.record(by, action, type(obj).__name__.lower(), obj.uuid,
                 patient_uuid=admission.patient.uuid, detail=detail)


def step(name: str, obj, admission: Admission, by) -> None:
    """Tell the apps further up that a step was recorded (pathways.signals.step_recorded)."""
    step_recorded.send(sender=type(obj), step=name, obj=obj, patient=admission.patient, by=by)
