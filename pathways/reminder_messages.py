"""Building a pathway reminder's messages: one factory per subject whose stages vary the
kind, title and body; the link goes to the patient's pathway or a meeting's page."""

from registry.notifications import Message, Outgoing

from . import links


def outgoing_to(users, message: Message, dedupe: str, emails=()) -> Outgoing:
    return Outgoing(list(users), message, dedupe, external_emails=tuple(emails))


def message_about(admission_like, subject_type: str, subject_uuid, *, url: bool | str = True):
    """A Message factory for one subject: kind, title and body vary by stage. The link goes
    to the patient's pathway, or to the page given (a discharge meeting's)."""
    patient_uuid = admission_like.patient_uuid
    link = url if isinstance(url, str) else links.pathway_url(patient_uuid) if url else ""

    def message(kind: str, title: str, body: str) -> Message:
        return Message(kind=kind, title=title, body=body, url=link,
                       subject_type=subject_type, subject_uuid=subject_uuid,
                       patient_uuid=patient_uuid)
    return message
