"""Server-rendered referral pages, one module a screen (and its steps)."""

from .assessment import assessment_detail
from .inbox import inbox
from .referral import referral_detail
from .waiting_list import waiting_list

__all__ = ["assessment_detail", "inbox", "referral_detail", "waiting_list"]
