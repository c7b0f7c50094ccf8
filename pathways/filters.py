import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import Patient


class PatientFilter(django_filters.FilterSet):
    """Name search and sync; identity numbers are searched by POST, never in a URL."""

    name = django_filters.CharFilter(method="search_name", label=_("Name"))
    updated_since = django_filters.IsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", label=_("Updated since")
    )

    class Meta:
        model = Patient
        fields = ["name", "updated_since"]

    def search_name(self, queryset, name, value):
        for word in value.split()[:4]:
            queryset = queryset.filter(
                Q(given_name__icontains=word) | Q(family_name__icontains=word)
            )
        return queryset
