"""One FilterSet per coordination model, for the htmx lists and the API alike."""

import datetime

import django_filters
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.api.filters import updated_since_filter

from .models import (
    Coordinator,
    CoordinatorKind,
    IndividualPlan,
    Measure,
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


class PlanDue(models.TextChoices):
    OVERDUE = "overdue", _("Evaluation overdue")
    WITHIN_30_DAYS = "within_30_days", _("Evaluation due within 30 days")
    NOT_SCHEDULED = "not_scheduled", _("No evaluation scheduled")


NO_COORDINATOR = "none"
EVALUATION_DUE_WITHIN = datetime.timedelta(days=30)
EVALUATED_STATUSES = (PlanStatus.ACTIVE, PlanStatus.UNDER_EVALUATION)


class PlanListFilter(django_filters.FilterSet):
    """The KE's list of its municipalities' plans (coordination.views.plan_list): search by
    the patient's name and four facets. The coordinators and levels are the choices the view
    passes; a value outside the choices is a form error and filters nothing (no 500)."""

    q = django_filters.CharFilter(method="search_name", label=_("Patient's name"))
    coordinator = django_filters.ChoiceFilter(method="by_coordinator", label=_("Coordinator"),
                                              empty_label=_("All coordinators"))
    status = django_filters.ChoiceFilter(choices=PlanStatus.choices, label=_("Status"),
                                         empty_label=_("All statuses"))
    due = django_filters.ChoiceFilter(choices=PlanDue.choices, method="by_due",
                                      label=_("Evaluation"), empty_label=_("Any evaluation"))
    level = django_filters.ChoiceFilter(method="by_level", label=_("Pyramid level"),
                                        empty_label=_("All levels"),
                                        help_text=_("Plans with a measure on the level."))

    FACETS = ("coordinator", "status", "due", "level")

    class Meta:
        model = IndividualPlan
        fields = ["q", "coordinator", "status", "due", "level"]

    def __init__(self, data=None, *args, coordinators=(), levels=(), **kwargs):
        super().__init__(data, *args, **kwargs)
        self.form.fields["coordinator"].choices = [
            (NO_COORDINATOR, _("No coordinator")),
            *((str(c.uuid), c.user.display_name()) for c in coordinators)]
        self.form.fields["level"].choices = [
            (level.code, f"{level.code} {level.localized_name}") for level in levels]
        self.form.fields["q"].widget.input_type = "search"

    def search_name(self, queryset, name, value):
        """Each word starts the patient's given or family name, as the patient search."""
        for word in value.split():
            queryset = queryset.filter(Q(patient__given_name__istartswith=word)
                                       | Q(patient__family_name__istartswith=word))
        return queryset

    def by_coordinator(self, queryset, name, value):
        if value == NO_COORDINATOR:
            return queryset.filter(coordinator__isnull=True)
        return queryset.filter(coordinator__uuid=value)

    def by_due(self, queryset, name, value):
        return queryset.filter(due_condition(value, timezone.localdate()))

    def by_level(self, queryset, name, value):
        return queryset.filter(Exists(Measure.objects.filter(
            plan=OuterRef("pk"), service__level__code=value)))

    def without(self, facet: str):
        """The queryset filtered by every valid filter but `facet`: what that facet's counts
        count (choosing one status shows how many plans each other status would give)."""
        self.form.is_valid()
        queryset = self.queryset.all()
        for name, value in self.form.cleaned_data.items():
            if name != facet and value not in (None, ""):
                queryset = self.filters[name].filter(queryset, value)
        return queryset


def due_condition(value: str, today: datetime.date) -> Q:
    """Plans due for evaluation: only active plans and plans under evaluation are evaluated."""
    evaluated = Q(status__in=EVALUATED_STATUSES)
    if value == PlanDue.OVERDUE:
        return evaluated & Q(next_evaluation_on__lt=today)
    if value == PlanDue.WITHIN_30_DAYS:
        return evaluated & Q(next_evaluation_on__lte=today + EVALUATION_DUE_WITHIN)
    return evaluated & Q(next_evaluation_on__isnull=True)
