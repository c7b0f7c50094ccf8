"""The pages referrals' notifications link to (see pathways.links), and the "Refer" link
other pages offer (pathways.record_actions)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from coordination.models import IndividualPlan
from pathways.models import Admission
from pathways.record_actions import Action
from registry.capabilities import Capability, organizations_where


def referral_url(referral_uuid) -> str:
    return reverse("referrals:referral", args=[referral_uuid])


def inbox_url() -> str:
    return reverse("referrals:inbox")


def waiting_list_url(service_uuid) -> str:
    return reverse("referrals:waiting_list", args=[service_uuid])


def assessment_url(assessment_uuid) -> str:
    return reverse("referrals:assessment", args=[assessment_uuid])


def refer_actions(request, patient, record) -> list:
    """"Refer" on a stay's pathway page and on a plan's page (pathways.record_actions), for
    those who may refer: the referral form, tied to the stay or the plan. No query."""
    param = {Admission: "admission", IndividualPlan: "plan"}.get(type(record))
    if param is None or not organizations_where(request.user, Capability.REFER):
        return []
    url = f"{reverse('referrals:new_referral', args=[patient.uuid])}?{param}={record.uuid}"
    return [Action(_("Refer the patient"), url, f"refer-from-{param}")]
