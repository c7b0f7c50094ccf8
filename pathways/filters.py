import uuid

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from common.api.filters import IsoDateTimeFilter, updated_since_filter
from registry.models.wards import normalize_code

from .models import (
    ActivityStatus,
    Admission,
    AdmissionStatus,
    DischargeMeeting,
    EarlyNotification,
    EnrolmentStatus,
    MeetingStatus,
    MessageStatus,
    NoticeState,
    PathwayActivity,
    PathwayEnrolment,
    Patient,
    ProviderSide,
)


class PatientFilter(django_filters.FilterSet):
    """Name search and sync; identity numbers are searched by POST, never in a URL."""

    name = django_filters.CharFilter(method="search_name", label=_("Name"))
    updated_since = updated_since_filter(help_text=None)

    class Meta:
        model = Patient
        fields = ["name", "updated_since"]

    def search_name(self, queryset, name, value):
        """Each word starts a given or family name ("tind" finds Tindvik), case-blind: a
        prefix is read from an index (pathways migration 0006), a substring of a million
        names is not."""
        for word in value.split()[:4]:
            queryset = queryset.filter(
                Q(given_name__istartswith=word) | Q(family_name__istartswith=word)
            )
        return queryset


class AdmissionFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=AdmissionStatus.choices,
                                                 label=_("Status"))
    hospital = django_filters.UUIDFilter(field_name="hospital__uuid", label=_("Hospital"))
    municipality = django_filters.UUIDFilter(field_name="municipality__uuid",
                                             label=_("Responsible municipality"))
    ward = django_filters.CharFilter(method="filter_ward", label=_("Ward"), help_text=_(
        "The ward's short code (any case) or its UUID."))
    patient = django_filters.UUIDFilter(field_name="patient__uuid", label=_("Patient"))
    updated_since = updated_since_filter()

    class Meta:
        model = Admission
        fields = ["status", "hospital", "municipality", "ward", "patient", "updated_since"]

    def filter_ward(self, queryset, name, value):
        try:
            return queryset.filter(ward__uuid=uuid.UUID(value.strip()))
        except ValueError:
            return queryset.filter(ward__code=normalize_code(value))


class _AdmissionRecordFilter(django_filters.FilterSet):
    """What the records of an admission (its notices, its meetings) are filtered by."""

    admission = django_filters.UUIDFilter(field_name="admission__uuid", label=_("Admission"))
    patient = django_filters.UUIDFilter(field_name="admission__patient__uuid",
                                        label=_("Patient"))
    updated_since = updated_since_filter()


class EarlyNotificationFilter(_AdmissionRecordFilter):
    """`admission=<uuid>` gives the notice's version history, oldest version first."""

    state = django_filters.ChoiceFilter(choices=NoticeState.choices, label=_("State"))
    message_status = django_filters.ChoiceFilter(choices=MessageStatus.choices,
                                                 label=_("Message status"))
    acknowledged = django_filters.BooleanFilter(field_name="acknowledged_at",
                                                lookup_expr="isnull", exclude=True,
                                                label=_("Acknowledged"))

    class Meta:
        model = EarlyNotification
        fields = ["admission", "patient", "state", "message_status", "acknowledged",
                  "updated_since"]


class DischargeMeetingFilter(_AdmissionRecordFilter):
    status = django_filters.ChoiceFilter(choices=MeetingStatus.choices, label=_("Status"))
    scheduled_after = IsoDateTimeFilter(field_name="scheduled_at", lookup_expr="gte",
                                        label=_("Scheduled at or after"))
    scheduled_before = IsoDateTimeFilter(field_name="scheduled_at", lookup_expr="lt",
                                         label=_("Scheduled before"))

    class Meta:
        model = DischargeMeeting
        fields = ["admission", "patient", "status", "scheduled_after", "scheduled_before",
                  "updated_since"]


# Pathway variants' shared plans (early supported discharge ...): the enrolments and their
# activities, filtered alike in the API.
class PathwayEnrolmentFilter(_AdmissionRecordFilter):
    status = django_filters.ChoiceFilter(choices=EnrolmentStatus.choices, label=_("Status"))
    variant = django_filters.CharFilter(field_name="variant__code", label=_("Variant"),
                                        help_text=_("The variant's code."))

    class Meta:
        model = PathwayEnrolment
        fields = ["admission", "patient", "status", "variant", "updated_since"]


class PathwayActivityFilter(django_filters.FilterSet):
    enrolment = django_filters.UUIDFilter(field_name="enrolment__uuid", label=_("Enrolment"))
    patient = django_filters.UUIDFilter(field_name="enrolment__admission__patient__uuid",
                                        label=_("Patient"))
    status = django_filters.ChoiceFilter(choices=ActivityStatus.choices, label=_("Status"))
    side = django_filters.ChoiceFilter(field_name="kind__side", choices=ProviderSide.choices,
                                       label=_("Provided by"))
    scheduled_after = IsoDateTimeFilter(field_name="scheduled_at", lookup_expr="gte",
                                        label=_("Scheduled at or after"))
    scheduled_before = IsoDateTimeFilter(field_name="scheduled_at", lookup_expr="lt",
                                         label=_("Scheduled before"))
    updated_since = updated_since_filter()

    class Meta:
        model = PathwayActivity
        fields = ["enrolment", "patient", "status", "side", "scheduled_after",
                  "scheduled_before", "updated_since"]
