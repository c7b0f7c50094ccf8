"""One FilterSet per coordination model, for the htmx lists and the API alike."""

import django_filters
from django.utils.translation import gettext_lazy as _

from common.api.filters import updated_since_filter

from .models import (
    Coordinator,
    CoordinatorKind,
    IndividualPlan,
    PlanRequest,
    PlanStatus,
    RequestKind,
    RequestStatus,
)


class _PatientRecordFilter(django_filters.FilterSet):
    """What a municipality's records about a patient are filtered by besides their own."""

    municipality = django_filters.UUIDFilter(field_name="municipality__uuid",
                                             label=_("Municipality"))
    patient = django_filters.UUIDFilter(field_name="patient__uuid", label=_("Patient"))
    updated_since = updated_since_filter()


class PlanRequestFilter(_PatientRecordFilter):
    status = django_filters.MultipleChoiceFilter(choices=RequestStatus.choices,
                                                 label=_("Status"))
    kind = django_filters.ChoiceFilter(choices=RequestKind.choices, label=_("Request for"))

    class Meta:
        model = PlanRequest
        fields = ["status", "municipality", "kind", "patient", "updated_since"]


class IndividualPlanFilter(_PatientRecordFilter):
    status = django_filters.MultipleChoiceFilter(choices=PlanStatus.choices, label=_("Status"))
    coordinator = django_filters.UUIDFilter(field_name="coordinator__uuid",
                                            label=_("Coordinator"))

    class Meta:
        model = IndividualPlan
        fields = ["status", "municipality", "coordinator", "patient", "updated_since"]


class CoordinatorFilter(django_filters.FilterSet):
    organization = django_filters.UUIDFilter(field_name="organization__uuid",
                                             label=_("Organisation"))
    kind = django_filters.ChoiceFilter(choices=CoordinatorKind.choices, label=_("Kind"))
    active = django_filters.BooleanFilter(label=_("Active"))
    updated_since = updated_since_filter()

    class Meta:
        model = Coordinator
        fields = ["organization", "kind", "active", "updated_since"]
