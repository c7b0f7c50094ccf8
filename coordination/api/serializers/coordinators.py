"""Coordinators: a registry of people with their load, not patient data."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from common.api.fields import NamedChoiceField, UuidRelatedField
from common.api.serializers import InputSerializer, ValidatedModelSerializer
from registry.models import Organization

from ... import services
from ...models import Coordinator, CoordinatorKind
from ._common import ColleagueField


class CoordinatorSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="coordinator-detail",
                                               lookup_field="uuid")
    user = serializers.CharField(source="user.username", read_only=True)
    name = serializers.CharField(source="user.display_name", read_only=True)
    organization = UuidRelatedField(read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    kind = NamedChoiceField(CoordinatorKind.choices, enum_name="CoordinatorKind",
                            read_only=True)
    load = serializers.IntegerField(read_only=True, help_text=_(
        "Open plans the coordinator coordinates now."))
    over_capacity = serializers.BooleanField(read_only=True)

    class Meta:
        model = Coordinator
        fields = ["uuid", "url", "user", "name", "organization", "organization_name", "kind",
                  "profession", "training_completed_on", "capacity", "active", "load",
                  "over_capacity", "created_at", "updated_at"]
        read_only_fields = fields


class CoordinatorCreateSerializer(InputSerializer):
    user = ColleagueField(help_text=_("Username of a staff member of the organisation."))
    organization = UuidRelatedField(queryset=Organization.objects.all())
    kind = NamedChoiceField(CoordinatorKind.choices, enum_name="CoordinatorKind",
                            default=CoordinatorKind.GENERAL)
    profession = serializers.CharField(max_length=100, required=False, allow_blank=True)
    training_completed_on = serializers.DateField(required=False, allow_null=True)
    capacity = serializers.IntegerField(min_value=1, max_value=32767, default=10)


class CoordinatorUpdateSerializer(ValidatedModelSerializer):
    kind = NamedChoiceField(CoordinatorKind.choices, enum_name="CoordinatorKind",
                            required=False)

    class Meta:
        model = Coordinator
        fields = list(services.coordinators.PROFILE_FIELDS)
