"""Filters shared by the apps' FilterSets (the htmx lists and the API alike)."""

import datetime

import django_filters
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters.fields import IsoDateTimeField
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import exceptions


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


SYNC_HELP = gettext_lazy("Only records changed at or after this time (ISO 8601), for sync.")


def updated_since_filter(*, help_text=SYNC_HELP):
    """`updated_since`: the rows changed at or after a time, for a client's sync (help_text
    None: the filter is described by its label alone)."""
    described = {"help_text": help_text} if help_text is not None else {}
    return IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte",
                             label=gettext_lazy("Updated since"), **described)


class StrictFilterBackend(DjangoFilterBackend):
    """The API's filters: an empty value of a filter that is not free text (a date, a time,
    a UUID, a choice, a number: `?updated_since=`) is a 400 naming the parameter. django-filter
    reads it as "no filter", which suits the HTML lists (an empty select) but turns a client's
    bug into a silently unfiltered answer. Malformed values are a 400 already."""

    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        if filterset is not None:
            errors = {}
            for name, filter_ in filterset.filters.items():
                values = request.query_params.getlist(name)
                if not isinstance(filter_, django_filters.CharFilter) and "" in values:
                    errors[name] = [_("Give a value, or leave the parameter out.")]
                elif isinstance(filter_, django_filters.BooleanFilter) and any(
                        value not in _BOOLEANS for value in values):
                    # django-filter reads anything else (`?active=yes`) as no filter.
                    errors[name] = [_("Give true or false.")]
            if errors:
                raise exceptions.ValidationError(errors)
        return filterset


_BOOLEANS = {"true", "false", "True", "False", "1", "0"}
