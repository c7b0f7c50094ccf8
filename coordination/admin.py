"""Coordinator profiles are listed for administrators, read-only: appointing, changing and
deactivating a coordinator goes through coordination.services (checked and audited).
Requests and plans are not here on purpose: patient data is reached only through views and
the API that scope by care relationship and audit reads."""

from django.contrib import admin

from common.admin import ReadOnlyAdmin

from .models import Coordinator


@admin.register(Coordinator)
class CoordinatorAdmin(ReadOnlyAdmin):
    list_display = ["user", "organization", "kind", "capacity", "active", "training_completed_on"]
    list_filter = ["kind", "active"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "profession"]
    list_select_related = ["user", "organization"]
