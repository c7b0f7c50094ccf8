"""The pages coordination's notifications and e-mails link to, built with reverse() (see
pathways.links). Requests and coordinators have no page of their own: the KE decides on a
request and keeps its coordinators in the KE overview, anchored on the row."""

from django.urls import reverse

from pathways import links as pathway_links


def plan_url(plan_uuid) -> str:
    return reverse("coordination:plan_detail", args=[plan_uuid])


def request_url(request_uuid) -> str:
    """For the KE: the request's row in the overview, with its accept and decline buttons."""
    return f"{reverse('coordination:ke_overview')}#request-{request_uuid}"


def submitter_url(patient_uuid) -> str:
    """For whoever sent the request from the patient's page: that page."""
    return pathway_links.patient_url(patient_uuid)


def coordinator_url(coordinator_uuid) -> str:
    return f"{reverse('coordination:ke_overview')}#coordinator-{coordinator_uuid}"
