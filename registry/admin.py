"""Django admin for reference data. Patient data is deliberately absent: it is reached only
through the scoped, audited views and API."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from common.admin import ReadOnlyAdmin

from . import services
from .models import (
    ApiClient,
    ApiKey,
    AuditEvent,
    CooperationAgreement,
    CoordinatingUnit,
    Department,
    Membership,
    Notification,
    Organization,
    ServiceLevel,
    ServiceOffering,
    TargetGroup,
    User,
    Ward,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["organization", "ward"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = [MembershipInline]
    list_display = ["username", "first_name", "last_name", "is_active", "is_service_account"]
    fieldsets = [
        *BaseUserAdmin.fieldsets,
        (_("Health personnel"), {"fields": ["hpr_number", "is_service_account"]}),
    ]


class CoordinatingUnitInline(admin.StackedInline):
    model = CoordinatingUnit
    extra = 0


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "orgnr", "municipality_number", "population", "region"]
    list_filter = ["kind", "region"]
    search_fields = ["name", "orgnr", "municipality_number", "her_id"]
    autocomplete_fields = ["parent"]
    inlines = [CoordinatingUnitInline]


@admin.register(CoordinatingUnit)
class CoordinatingUnitAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "scope", "inbox_address"]
    list_filter = ["organization__kind"]
    search_fields = ["name", "organization__name"]
    autocomplete_fields = ["organization"]


class WardInline(admin.TabularInline):
    model = Ward
    extra = 0
    fields = ["name", "code", "active"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    """A hospital's departments with their wards: registry data, also imported with
    `manage.py import_wards`."""

    list_display = ["name", "hospital", "code"]
    list_filter = ["hospital"]
    search_fields = ["name", "code", "hospital__name"]
    autocomplete_fields = ["hospital"]
    list_select_related = ["hospital"]
    inlines = [WardInline]


@admin.register(Ward)
class WardAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "department", "hospital", "active"]
    list_filter = ["active", "hospital"]
    search_fields = ["name", "code", "department__name", "hospital__name"]
    autocomplete_fields = ["department"]
    readonly_fields = ["hospital"]
    list_select_related = ["department", "hospital"]


@admin.register(ServiceLevel)
class ServiceLevelAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en", "sort_order"]


@admin.register(TargetGroup)
class TargetGroupAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "name_en"]
    search_fields = ["code", "name", "name_en"]


@admin.register(ServiceOffering)
class ServiceOfferingAdmin(admin.ModelAdmin):
    list_display = ["name", "provider", "level", "capacity", "waiting_days", "active"]
    list_filter = ["level", "active", "target_groups"]
    search_fields = ["name", "provider__name"]
    autocomplete_fields = ["provider", "municipalities_served"]
    filter_horizontal = ["target_groups"]
    list_select_related = ["provider", "level"]


class ApiKeyInline(admin.TabularInline):
    model = ApiKey
    extra = 0
    fields = ["prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "created_at", "last_used_at", "revoked_at"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "active"]
    list_filter = ["active"]
    readonly_fields = ["user"]
    inlines = [ApiKeyInline]
    actions = ["revoke_all_keys"]

    def has_add_permission(self, request):
        # Clients are created with `manage.py create_api_client`, which shows the key once.
        return False

    @admin.action(description=_("Revoke all keys of the selected clients"))
    def revoke_all_keys(self, request, queryset):
        for key in ApiKey.objects.filter(client__in=queryset, revoked_at__isnull=True):
            services.revoke_api_key(key, by=request.user)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Read-only: nobody edits or deletes the trail, superusers included."""

    list_display = ["at", "user_display", "organization", "role", "action", "object_type",
                    "object_id", "via"]
    list_filter = ["action", "via", "object_type"]
    search_fields = ["user_display", "object_id", "request_id"]
    list_select_related = ["organization"]


@admin.register(CooperationAgreement)
class CooperationAgreementAdmin(admin.ModelAdmin):
    list_display = ["health_trust", "municipality", "early_notification_hours"]
    list_filter = ["health_trust"]
    autocomplete_fields = ["health_trust", "municipality"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    """Delivery state for administrators; the text itself is for the recipient."""

    list_display = ["created_at", "kind", "channel", "recipient", "recipient_email",
                    "delivery_status", "attempts", "last_error"]
    list_filter = ["delivery_status", "channel", "kind"]
    fields = ["created_at", "kind", "channel", "recipient", "recipient_email",
              "delivery_status", "attempts", "last_error", "next_attempt_at", "delivered_at"]
    readonly_fields = fields
    list_select_related = ["recipient"]
    rows_deletable = True
