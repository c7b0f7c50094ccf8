"""Reference data of the pathway. Patients, admissions, notices and meetings are not in the
admin on purpose: patient data is reached only through views and the API that scope by care
relationship and audit reads."""

from django.contrib import admin

from .models import DailyRate


@admin.register(DailyRate)
class DailyRateAdmin(admin.ModelAdmin):
    list_display = ["year", "amount", "source"]
