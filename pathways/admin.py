"""Reference data of the pathway. Patients, admissions, notices and meetings are not in the
admin on purpose: patient data is reached only through views and the API that scope by care
relationship and audit reads."""

from django.contrib import admin

from .models import DailyRate, PathwayVariant, VariantActivityKind


@admin.register(DailyRate)
class DailyRateAdmin(admin.ModelAdmin):
    list_display = ["year", "amount", "source"]


class VariantActivityKindInline(admin.TabularInline):
    model = VariantActivityKind
    extra = 1
    fields = ["code", "name", "name_en", "side", "sort_order", "active"]


@admin.register(PathwayVariant)
class PathwayVariantAdmin(admin.ModelAdmin):
    """A new pathway variant (and its activities, each with the side that provides it) is
    added here, as data: the pathway page and the API offer it at once. Enrolments are the
    patients' and stay out of the admin."""

    list_display = ["name", "code", "active"]
    list_filter = ["active"]
    search_fields = ["name", "name_en", "code"]
    inlines = [VariantActivityKindInline]
