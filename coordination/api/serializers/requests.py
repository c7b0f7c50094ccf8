"""Requests for an individual plan or a coordinator, and the coordinating unit's decisions."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from common.api.fields import NamedChoiceField, ScopedUuidRelatedField, UuidRelatedField, visible
from common.api.serializers import InputSerializer
from pathways.api.common import display_name_field
from pathways.models import Patient
from registry.models import Organization

from ... import services
from ...models import PlanRequest, RequestKind, RequestSource, RequestStatus
from ._common import MunicipalRecordSerializer, coordinator_field


class PlanRequestSerializer(MunicipalRecordSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="plan-request-detail",
                                               lookup_field="uuid")
    kind = NamedChoiceField(RequestKind.choices, enum_name="PlanRequestKind", read_only=True)
    source = NamedChoiceField(RequestSource.choices, enum_name="PlanRequestSource",
                              read_only=True)
    status = NamedChoiceField(RequestStatus.choices, enum_name="PlanRequestStatus",
                              read_only=True)
    early_notification = UuidRelatedField(read_only=True, allow_null=True)
    decided_by = display_name_field("decided_by")
    waiting_days = serializers.SerializerMethodField(help_text=_(
        "Calendar days (Europe/Oslo) from receipt to the decision, or to today."))
    plan = serializers.SerializerMethodField(help_text=_(
        "UUID of the plan the request opened, if any."))

    class Meta:
        model = PlanRequest
        fields = ["uuid", "url", "patient", "patient_name", "municipality",
                  "municipality_name", "kind", "source", "submitter_name",
                  "early_notification", "description", "received_at", "status",
                  "waiting_days", "decided_at", "decided_by", "decline_reason",
                  "coordinator_offered", "appeal_received_at", "appeal_note", "plan",
                  "version", "created_at", "updated_at"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.INT)
    def get_waiting_days(self, obj) -> int:
        return services.waiting_days(obj)

    @extend_schema_field(serializers.UUIDField(allow_null=True))
    def get_plan(self, obj):
        plan = getattr(obj, "plan", None)
        return plan.uuid if plan is not None else None


class PlanRequestCreateSerializer(InputSerializer):
    patient = ScopedUuidRelatedField(queryset=Patient.objects.all(), scope=visible,
                                     help_text=_("UUID of a patient you may see."))
    municipality = UuidRelatedField(queryset=Organization.objects.municipalities(),
                                    help_text=_("UUID of the municipality whose coordinating "
                                                "unit receives the request."))
    kind = NamedChoiceField(RequestKind.choices, enum_name="PlanRequestKind")
    source = NamedChoiceField(RequestSource.choices, enum_name="PlanRequestSource")
    submitter_name = serializers.CharField(max_length=200, required=False, allow_blank=True,
                                           help_text=_("Default: your name."))
    description = serializers.CharField(required=False, allow_blank=True)
    received_at = serializers.DateTimeField(required=False, help_text=_("Default: now."))


class AcceptSerializer(InputSerializer):
    coordinator = coordinator_field(required=False, allow_null=True, help_text=_(
        "UUID of a coordinator of the request's municipality; required for a plan or "
        "coordinator request."))
    patient_wishes = serializers.CharField(required=False, allow_blank=True)
    allow_over_capacity = serializers.BooleanField(default=False)


class DeclineSerializer(InputSerializer):
    reason = serializers.CharField(allow_blank=True)
    coordinator_offered = serializers.BooleanField(default=False)
    coordinator = coordinator_field(required=False, allow_null=True, help_text=_(
        "The coordinator the patient accepted instead of a plan, if any."))
    patient_wishes = serializers.CharField(required=False, allow_blank=True)
    allow_over_capacity = serializers.BooleanField(default=False)


class AppealSerializer(InputSerializer):
    note = serializers.CharField(allow_blank=True)
    received_at = serializers.DateTimeField(required=False, help_text=_("Default: now."))
