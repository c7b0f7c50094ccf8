"""Filters shared by the apps' FilterSets (the htmx lists and the API alike)."""

import datetime

import django_filters
from django.core.exceptions import ValidationError
from django_filters.fields import IsoDateTimeField


class UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 time, compared in UTC. PostgreSQL refuses UTC offsets beyond ±15:59 that
    ISO 8601 (and Python) allow, and a time next to year 1 or 9999 overflows once moved to
    UTC: both are "not a valid time" (400) here instead of a database error (500)."""

    def to_python(self, value):
        result = super().to_python(value)
        if result is None:
            return None
        try:
            return result.astimezone(datetime.UTC)
        except OverflowError as exc:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from exc


class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField
