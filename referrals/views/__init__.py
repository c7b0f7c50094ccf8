"""Server-rendered referral pages, one module a screen (and its steps): the inbox, a
referral, the referral form, a waiting list, a needs assessment."""

from .assessment import (
    assessment_detail,
    assessment_suggestion,
    revise_assessment,
    save_assessment,
    start_assessment,
)
from .inbox import inbox
from .refer import new_referral
from .referral import (
    decide,
    forward,
    give_information,
    record_choice,
    record_start,
    referral_detail,
    request_information,
    set_expected_start,
    withdraw,
)
from .waiting_list import waiting_list

__all__ = [
    "assessment_detail", "assessment_suggestion", "decide", "forward", "give_information",
    "inbox", "new_referral", "record_choice", "record_start", "referral_detail",
    "request_information", "revise_assessment", "save_assessment", "set_expected_start",
    "start_assessment", "waiting_list", "withdraw",
]
