"""Deadline arithmetic. Hours are elapsed time, days are calendar days in Europe/Oslo.

Python adds a timedelta to an aware datetime in wall-clock time of its own zone (an Oslo
time + 24 h across the spring change is 23 real hours), so elapsed time is added in UTC.
"""

import datetime

from django.conf import settings

from common.sweeps import OSLO, local_date
from registry.models import CooperationAgreement, Organization

__all__ = ["OSLO", "add_hours", "add_local_days", "early_notification_deadline",
           "early_notification_hours", "local_date"]


def early_notification_hours(hospital: Organization, municipality: Organization) -> int:
    """The agreed period between the hospital's health trust and the municipality, or the
    default from the regulation (24 hours)."""
    agreed = CooperationAgreement.objects.filter(
        health_trust_id=hospital.parent_id, municipality=municipality
    ).values_list("early_notification_hours", flat=True).first()
    return agreed or settings.PATHWAY_DEADLINES["EARLY_NOTIFICATION_HOURS"]


def add_hours(moment: datetime.datetime, hours: float) -> datetime.datetime:
    """Elapsed hours, whatever the clocks do in between."""
    return moment.astimezone(datetime.UTC) + datetime.timedelta(hours=hours)


def early_notification_deadline(admitted_at: datetime.datetime, hospital: Organization,
                                municipality: Organization) -> datetime.datetime:
    return add_hours(admitted_at, early_notification_hours(hospital, municipality))


def add_local_days(moment: datetime.datetime, days: int) -> datetime.datetime:
    """The same wall-clock time `days` calendar days later in Oslo."""
    local = moment.astimezone(OSLO)
    naive = local.replace(tzinfo=None) + datetime.timedelta(days=days)
    return naive.replace(tzinfo=OSLO).astimezone(datetime.UTC)
