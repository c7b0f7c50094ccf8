"""Organisations, services and wards over the API: public UUIDs and codes, never integer
keys."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from common.api.fields import SlugRelatedField, UuidRelatedField
from common.api.serializers import ValidatedModelSerializer

from ..models import (
    CoordinatingUnit,
    Organization,
    ServiceLevel,
    ServiceOffering,
    TargetGroup,
    Ward,
)


class CoordinatingUnitSerializer(serializers.ModelSerializer):
    class Meta:
        model = CoordinatingUnit
        fields = ["uuid", "name", "scope", "phone", "email", "inbox_address", "address",
                  "opening_hours"]
        read_only_fields = fields


class OrganizationSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="organization-detail", lookup_field="uuid")
    parent = UuidRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = Organization
        fields = ["uuid", "url", "kind", "name", "orgnr", "her_id", "municipality_number",
                  "population", "population_source", "parent", "region", "address", "phone",
                  "email", "created_at", "updated_at"]
        read_only_fields = fields


class OrganizationDetailSerializer(OrganizationSerializer):
    coordinating_unit = CoordinatingUnitSerializer(
        read_only=True, allow_null=True,
        help_text="The organisation's coordinating unit (KE), if it has one.",
    )

    class Meta(OrganizationSerializer.Meta):
        fields = [*OrganizationSerializer.Meta.fields, "coordinating_unit"]
        read_only_fields = fields


class ServiceOfferingSerializer(ValidatedModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="service-detail", lookup_field="uuid")
    provider = UuidRelatedField(queryset=Organization.objects.all())
    level = SlugRelatedField(slug_field="code", queryset=ServiceLevel.objects.all())
    target_groups = SlugRelatedField(
        slug_field="code", queryset=TargetGroup.objects.all(), many=True, required=False
    )
    municipalities_served = UuidRelatedField(
        queryset=Organization.objects.municipalities(), many=True, required=False
    )

    class Meta:
        model = ServiceOffering
        fields = ["uuid", "url", "provider", "level", "name", "description", "target_groups",
                  "municipalities_served", "capacity", "waiting_days",
                  "waiting_days_computed_at", "contact", "active", "created_at", "updated_at"]
        # The waiting time is computed from the service's waiting list and recent starts
        # (referrals.waiting), never typed in.
        read_only_fields = ["uuid", "waiting_days", "waiting_days_computed_at", "created_at",
                            "updated_at"]


class WardSerializer(serializers.ModelSerializer):
    """A hospital's ward: what an admission's `ward` names, by `code` or `uuid`."""

    url = serializers.HyperlinkedIdentityField(view_name="ward-detail", lookup_field="uuid")
    code = serializers.CharField(read_only=True, help_text=_(
        "Unique within the hospital, in capitals: send it (any case) or the UUID as an "
        "admission's ward."))
    department = UuidRelatedField(read_only=True, help_text=_("UUID of the ward's department."))
    department_name = serializers.CharField(source="department.name", read_only=True)
    hospital = UuidRelatedField(read_only=True, help_text=_("UUID of the ward's hospital."))
    hospital_name = serializers.CharField(source="hospital.name", read_only=True)
    active = serializers.BooleanField(read_only=True, help_text=_(
        "An inactive ward keeps its admissions but takes no new ones."))

    class Meta:
        model = Ward
        fields = ["uuid", "url", "code", "name", "department", "department_name", "hospital",
                  "hospital_name", "active", "created_at", "updated_at"]
        read_only_fields = fields
