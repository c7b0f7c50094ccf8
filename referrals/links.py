"""The pages referrals' notifications link to (see pathways.links)."""

from django.urls import reverse


def referral_url(referral_uuid) -> str:
    return reverse("referrals:referral", args=[referral_uuid])


def inbox_url() -> str:
    return reverse("referrals:inbox")


def waiting_list_url(service_uuid) -> str:
    return reverse("referrals:waiting_list", args=[service_uuid])


def assessment_url(assessment_uuid) -> str:
    return reverse("referrals:assessment", args=[assessment_uuid])
