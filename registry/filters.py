"""One FilterSet per model; the htmx pages and the API both use them."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from common.api.filters import updated_since_filter

from .models import (
    Organization,
    OrganizationKind,
    Region,
    ServiceOffering,
    TargetGroup,
    Ward,
)
from .models.wards import normalize_code


@extend_schema_field(OpenApiTypes.UUID)
class UuidModelChoiceFilter(django_filters.ModelChoiceFilter):
    """Chooses an object by its public UUID (and says so in the OpenAPI schema)."""


class OrganizationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    kind = django_filters.ChoiceFilter(choices=OrganizationKind.choices, label=_("Kind"))
    region = django_filters.ChoiceFilter(choices=Region.choices, label=_("Region"))
    municipality_number = django_filters.CharFilter(label=_("Municipality number"))
    orgnr = django_filters.CharFilter(label=_("Organisation number"))
    updated_since = updated_since_filter(help_text=None)

    class Meta:
        model = Organization
        fields = ["q", "kind", "region", "municipality_number", "orgnr", "updated_since"]

    def search(self, queryset, name, value):
        return queryset.filter(name__icontains=value)


class ServiceOfferingFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    level = django_filters.CharFilter(field_name="level__code", label=_("Pyramid level"))
    municipality = UuidModelChoiceFilter(
        queryset=Organization.objects.municipalities(), to_field_name="uuid",
        method="filter_municipality", label=_("Municipality"),
    )
    target_group = django_filters.ModelChoiceFilter(
        queryset=TargetGroup.objects.all(), to_field_name="code",
        field_name="target_groups", label=_("Target group"),
    )
    provider = django_filters.UUIDFilter(field_name="provider__uuid", label=_("Provider"))
    active = django_filters.BooleanFilter(label=_("Active"))
    updated_since = updated_since_filter(help_text=None)

    class Meta:
        model = ServiceOffering
        fields = ["q", "level", "municipality", "target_group", "provider", "active",
                  "updated_since"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(description__icontains=value))

    def filter_municipality(self, queryset, name, value):
        return queryset.for_municipality(value) if value else queryset


class WardFilter(django_filters.FilterSet):
    """A hospital's wards, for EPJ systems that name the ward of an admission by its code."""

    hospital = UuidModelChoiceFilter(
        queryset=Organization.objects.filter(kind=OrganizationKind.HOSPITAL),
        to_field_name="uuid", label=_("Hospital"),
        error_messages={"invalid_choice": _("No hospital has this UUID.")},
    )
    active = django_filters.BooleanFilter(label=_("Active"))
    code = django_filters.CharFilter(method="filter_code", label=_("Short code"),
                                     help_text=_("The ward's short code, in any case."))
    updated_since = updated_since_filter(help_text=None)

    class Meta:
        model = Ward
        fields = ["hospital", "active", "code", "updated_since"]

    def filter_code(self, queryset, name, value):
        return queryset.filter(code=normalize_code(value))
