"""One FilterSet per coordination model, for the htmx lists and the API alike."""

import django_filters
from django.utils.translation import gettext_lazy as _

from common.api.filters import IsoDateTimeFilter

from .models import (
    Coordinator,
    CoordinatorKind,
    IndividualPlan,
    PlanRequest,
    PlanStatus,
    RequestKind,
    RequestStatus,
)


def _updated_since():
    return IsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", label=_("Updated since"),
        help_text=_("Only records changed at or after this time (ISO 8601), for sync."),
    )


class PlanRequestFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=RequestStatus.choices,
                                                 label=_("Status"))
    municipality = django_filters.UUIDFilter(field_name="municipality__uuid",
                                             label=_("Municipality"))
    kind = django_filters.ChoiceFilter(choices=RequestKind.choices, label=_("Request for"))
    patient = django_filters.UUIDFilter(field_name="patient__uuid", label=_("Patient"))
    updated_since = _updated_since()

    class Meta:
        model = PlanRequest
        fields = ["status", "municipality", "kind", "patient", "updated_since"]


class IndividualPlanFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=PlanStatus.choices, label=_("Status"))
    municipality = django_filters.UUIDFilter(field_name="municipality__uuid",
                                             label=_("Municipality"))
    coordinator = django_filters.UUIDFilter(field_name="coordinator__uuid",
                                            label=_("Coordinator"))
    patient = django_filters.UUIDFilter(field_name="patient__uuid", label=_("Patient"))
    updated_since = _updated_since()

    class Meta:
        model = IndividualPlan
        fields = ["status", "municipality", "coordinator", "patient", "updated_since"]


class CoordinatorFilter(django_filters.FilterSet):
    organization = django_filters.UUIDFilter(field_name="organization__uuid",
                                             label=_("Organisation"))
    kind = django_filters.ChoiceFilter(choices=CoordinatorKind.choices, label=_("Kind"))
    active = django_filters.BooleanFilter(label=_("Active"))
    updated_since = _updated_since()

    class Meta:
        model = Coordinator
        fields = ["organization", "kind", "active", "updated_since"]
