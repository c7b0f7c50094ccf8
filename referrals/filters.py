"""One FilterSet per referrals model, for the API's lists (and the screens, if they want one)."""

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.api.filters import updated_since_filter
from common.sweeps import local_date

from .models import (
    AWAITING_ASSESSMENT,
    AssessmentStatus,
    NeedsAssessment,
    Referral,
    ReferralStatus,
)


def overdue_condition(today) -> Q:
    """A referral past a deadline that still binds the receiving unit: awaiting assessment
    after the day it was to be assessed by, or waiting for a start after the date necessary
    care was to start at the latest."""
    return (Q(status__in=AWAITING_ASSESSMENT, assessment_due__lt=today)
            | Q(status=ReferralStatus.ACCEPTED, care_start_deadline__lt=today))


class ReferralFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=ReferralStatus.choices,
                                                 label=_("Status"))
    receiver = django_filters.UUIDFilter(field_name="receiver__uuid", label=_("Receiving unit"))
    referrer = django_filters.UUIDFilter(field_name="referrer__uuid", label=_("Referred by"))
    service = django_filters.UUIDFilter(method="filter_service", label=_("Service"), help_text=_(
        "The service asked for, or the one where the patient was given a place."))
    patient = django_filters.UUIDFilter(field_name="patient__uuid", label=_("Patient"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Overdue"),
                                           help_text=_(
        "true: awaiting assessment after its deadline, or waiting for a start after the date "
        "necessary care was to start; false: the others."))
    updated_since = updated_since_filter()

    class Meta:
        model = Referral
        fields = ["status", "receiver", "referrer", "service", "patient", "overdue",
                  "updated_since"]

    def filter_service(self, queryset, name, value):
        return queryset.filter(Q(service__uuid=value) | Q(allocated_service__uuid=value))

    def filter_overdue(self, queryset, name, value):
        late = overdue_condition(local_date(timezone.now()))
        return queryset.filter(late if value else ~late)


class NeedsAssessmentFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=AssessmentStatus.choices, label=_("Status"))
    patient = django_filters.UUIDFilter(field_name="patient__uuid", label=_("Patient"))
    organization = django_filters.UUIDFilter(field_name="organization__uuid",
                                             label=_("Assessed by (unit)"))
    updated_since = updated_since_filter()

    class Meta:
        model = NeedsAssessment
        fields = ["status", "patient", "organization", "updated_since"]


class WaitingListFilter(django_filters.FilterSet):
    service = django_filters.UUIDFilter(field_name="allocated_service__uuid",
                                        label=_("Service"), help_text=_(
        "The service whose waiting list to read (default: every list you keep)."))
    patient = django_filters.UUIDFilter(field_name="patient__uuid", label=_("Patient"))
    updated_since = updated_since_filter()

    class Meta:
        model = Referral
        fields = ["service", "patient", "updated_since"]
