"""What referrals does when other apps' steps happen (they do not import referrals)."""

from . import services


def leave_waiting_lists(sender, *, patient, by, **kwargs) -> None:
    """pathways.signals.patient_died: the patient leaves every list and every open
    referral ends."""
    services.end_referrals_of_deceased(patient, by=by)


def rejoin_waiting_lists(sender, *, patient, by, died_at, **kwargs) -> None:
    """pathways.signals.death_entered_in_error: the referrals that ended with the death are
    open again where they stood."""
    services.reopen_referrals_of_living(patient, by=by, died_at=died_at)
