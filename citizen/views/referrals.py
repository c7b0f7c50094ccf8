"""The patient's referrals: where they have been referred for rehabilitation, and where each
stands, in the patient's words: being assessed (and by when the answer comes), accepted and
waiting (the expected start, the waiting time there now, and for a patient with the right to
necessary specialised care the date care must start by, and the places they may choose
among), started, sent on, declined (the reason and how to complain) or ended.

Only the patient sees them (pathways.citizen_access: an own-only part): a representative's
grant names the plan, meetings and messages, never referrals. Every read is audited, one
event a referral."""

from collections import defaultdict

from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext_lazy as _

from referrals.models import Referral, ReferralStatus, WithdrawalReason
from referrals.services import choice_options
from registry.models import AuditObjectType

from .common import audit_rows, citizen_required, door

PART = "referrals"

# Why a referral ended, as the patient reads it.
ENDED = {
    WithdrawalReason.PATIENT_DECLINED: _("You said no to the place."),
    WithdrawalReason.PATIENT_DIED: "",
    WithdrawalReason.REFERRER_WITHDREW: _("The one who referred you withdrew the referral."),
    WithdrawalReason.STARTED_ELSEWHERE: _("You started at another place."),
}


def _referrals_of(patient) -> list[Referral]:
    """The patient's referrals, newest first, with everything the page names: one query."""
    return list(Referral.objects.filter(patient=patient).select_related(
        "patient__municipality", "service__provider", "service__level", "receiver", "referrer",
        "allocated_service__provider", "allocated_service__level", "forwarded_from__service",
    ).order_by("-received_at", "-pk"))


def _choices(referrals) -> dict[int, list]:
    """For each accepted referral with the right, the places the patient may choose among:
    one query per level asked for (at most the pyramid's seven), not per referral."""
    by_level = defaultdict(list)
    for referral in referrals:
        if referral.status == ReferralStatus.ACCEPTED and referral.has_right:
            by_level[referral.service.level_id].append(referral)
    choices = {}
    for group in by_level.values():
        # Every referral of a patient has the same municipality: one list serves the level.
        options = list(choice_options(group[0]))
        for referral in group:
            choices[referral.pk] = options
    return choices


@citizen_required
def referrals(request, patient):
    access = door(request, patient, PART)
    rows = _referrals_of(access.patient)
    choices = _choices(rows)
    for referral in rows:
        referral.place = referral.allocated_service or referral.service
        referral.choices = choices.get(referral.pk, [])
        referral.ended_because = ENDED.get(referral.withdrawal_reason, "")
    audit_rows(request, access, AuditObjectType.REFERRAL, rows)
    return render(request, "citizen/referrals.html", {
        "access": access, "patient": access.patient, "referrals": rows,
        "open": [r for r in rows if r.is_open], "closed": [r for r in rows if not r.is_open],
    })


urls = [
    path("p/<uuid:patient>/referrals/", referrals, name="referrals"),
]
