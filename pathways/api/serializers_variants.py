"""Pathway variants over the API (early supported discharge, the cancer pathway home ...).
Validation only: enrolling, planning, recording, the handover and the end go through
pathways.services.variants. Variants and their activities are named by their codes (data an
administrator keeps); enrolments and activities by their public UUID."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from common.api.fields import (
    NamedChoiceField,
    ScopedUuidRelatedField,
    SlugRelatedField,
    UuidRelatedField,
    visible,
)
from common.api.serializers import InputSerializer, StrictFieldsMixin

from ..models import (
    ActivityStatus,
    EnrolmentStatus,
    PathwayActivity,
    PathwayEnrolment,
    PathwayVariant,
    ProviderSide,
    VariantActivityKind,
)
from .common import admission_field, display_name_field

SIDE = {"enum_name": "ProviderSide"}


class ActivityKindSerializer(serializers.ModelSerializer):
    side = NamedChoiceField(ProviderSide.choices, read_only=True, **SIDE)

    class Meta:
        model = VariantActivityKind
        fields = ["code", "name", "name_en", "side", "sort_order", "active"]
        read_only_fields = fields


class PathwayVariantSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="pathway-variant-detail",
                                               lookup_field="code")
    activity_kinds = ActivityKindSerializer(many=True, read_only=True, help_text=_(
        "What may be planned in the variant, and which side provides each."))

    class Meta:
        model = PathwayVariant
        fields = ["code", "url", "name", "name_en", "description", "description_en", "active",
                  "activity_kinds"]
        read_only_fields = fields


class PathwayEnrolmentSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="pathway-enrolment-detail",
                                               lookup_field="uuid")
    admission = admission_field(_("UUID of the admission whose patient follows the variant."))
    patient = serializers.UUIDField(source="admission.patient.uuid", read_only=True)
    variant = SlugRelatedField(slug_field="code", queryset=PathwayVariant.objects.all(),
                               help_text=_("The variant's code, e.g. tidlig-stottet-utskriving "
                                           "(GET /api/v1/pathway-variants/)."))
    variant_name = serializers.CharField(source="variant.localized_name", read_only=True)
    team_organization = UuidRelatedField(read_only=True, help_text=_(
        "The hospital whose team provides the team's activities: the admitting hospital."))
    municipality = UuidRelatedField(read_only=True, help_text=_(
        "The municipality that provides its activities and takes the plan over."))
    status = NamedChoiceField(EnrolmentStatus.choices, enum_name="EnrolmentStatus",
                              read_only=True)
    handed_over_by = display_name_field("handed_over_by")
    ended_by = display_name_field("ended_by")
    activities = serializers.SerializerMethodField(help_text=_(
        "The enrolment's activities: the list of pathway activities filtered by it."))

    class Meta:
        model = PathwayEnrolment
        fields = ["uuid", "url", "admission", "patient", "variant", "variant_name",
                  "team_organization", "municipality", "started_at", "status",
                  "handed_over_at", "handed_over_by", "handover_note", "ended_at", "ended_by",
                  "end_note", "version", "activities", "created_at", "updated_at"]
        read_only_fields = ["uuid", "handed_over_at", "handover_note", "ended_at", "end_note",
                            "version", "created_at", "updated_at"]
        extra_kwargs = {"started_at": {"required": False, "help_text": _(
            "When the pathway starts; now if left out. Not before the admission.")}}
        # Not the validator DRF derives from one_live_enrolment_per_admission: enrol() says
        # which variant the patient already follows.
        validators = []

    @extend_schema_field(OpenApiTypes.URI)
    def get_activities(self, enrolment) -> str:
        url = f"{reverse('pathway-activity-list')}?enrolment={enrolment.uuid}"
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url


class PathwayActivitySerializer(StrictFieldsMixin, serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="pathway-activity-detail",
                                               lookup_field="uuid")
    enrolment = ScopedUuidRelatedField(
        queryset=PathwayEnrolment.objects.all(), scope=visible,
        help_text=_("UUID of the enrolment whose plan the activity belongs to."))
    patient = serializers.UUIDField(source="enrolment.admission.patient.uuid", read_only=True)
    kind = serializers.SlugField(
        source="kind.code", help_text=_("The code of one of the variant's activity kinds; "
                                        "only the side that provides it may plan it."))
    kind_name = serializers.CharField(source="kind.localized_name", read_only=True)
    side = NamedChoiceField(ProviderSide.choices, source="kind.side", read_only=True, **SIDE)
    provider = UuidRelatedField(read_only=True, help_text=_(
        "The organisation that provides it: the hospital or the municipality."))
    status = NamedChoiceField(ActivityStatus.choices, enum_name="ActivityStatus",
                              read_only=True)
    recorded_by = display_name_field("recorded_by")

    class Meta:
        model = PathwayActivity
        fields = ["uuid", "url", "enrolment", "patient", "kind", "kind_name", "side",
                  "provider", "scheduled_at", "status", "done_at", "recorded_at",
                  "recorded_by", "note", "version", "created_at", "updated_at"]
        read_only_fields = ["uuid", "done_at", "recorded_at", "version", "created_at",
                            "updated_at"]

    def validate(self, attrs):
        enrolment, code = attrs["enrolment"], attrs.pop("kind")["code"]
        kind = VariantActivityKind.objects.filter(variant=enrolment.variant_id, code=code).first()
        if kind is None:
            raise serializers.ValidationError({"kind": [_(
                "%(variant)s has no activity with the code %(code)s.") % {
                    "variant": enrolment.variant.localized_name, "code": code}]})
        attrs["kind"] = kind
        return attrs


class RecordActivitySerializer(InputSerializer):
    status = NamedChoiceField([(ActivityStatus.DONE, ActivityStatus.DONE.label),
                               (ActivityStatus.CANCELLED, ActivityStatus.CANCELLED.label)],
                              enum_name="ActivityOutcome")
    done_at = serializers.DateTimeField(required=False, help_text=_(
        "When it was done; now if left out. Not for a cancelled activity."))
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000,
                                 help_text=_("What happened, or why it was cancelled."))


class HandOverSerializer(InputSerializer):
    handed_over_at = serializers.DateTimeField(required=False, help_text=_(
        "When the municipality took over; now if left out."))
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class EndEnrolmentSerializer(InputSerializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=500,
                                 help_text=_("Why the pathway ends."))
