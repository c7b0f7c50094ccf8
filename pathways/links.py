"""The pages notifications and e-mails link to, built with reverse(): a renamed or removed
route breaks a test (tests/test_notification_links.py), never a link in someone's inbox."""

from django.urls import reverse


def pathway_url(patient_uuid) -> str:
    """The patient's pathway: admissions, notices, declarations and meetings."""
    return reverse("pathways:patient_pathway", args=[patient_uuid])


def meeting_url(meeting_uuid) -> str:
    return reverse("pathways:meeting_detail", args=[meeting_uuid])


def patient_url(patient_uuid) -> str:
    return reverse("pathways:patient_detail", args=[patient_uuid])
