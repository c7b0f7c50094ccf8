"""Shared steps for the pathway service tests."""

import datetime

from django.utils import timezone

from pathways import services


def admit(cast, patient=None, hours_ago=2, **fields):
    return services.admit_patient(
        by=cast.planner, patient=patient or cast.shared, hospital=cast.unn, ward="Slag",
        admitted_at=timezone.now() - datetime.timedelta(hours=hours_ago), **fields)
