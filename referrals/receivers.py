"""What referrals does when other apps' steps happen (they do not import referrals)."""

from . import services


def leave_waiting_lists(sender, *, patient, by, **kwargs) -> None:
    """pathways.signals.patient_died: the patient leaves every list and every open
    referral ends."""
    services.end_referrals_of_deceased(patient, by=by)
