from django.contrib import admin

from common.admin import ReadOnlyAdmin

from .models import MunicipalityNumberChange, PopulationFigure


@admin.register(PopulationFigure)
class PopulationFigureAdmin(ReadOnlyAdmin):
    """Read-only: figures come from SSB's files through `manage.py import_population`,
    never typed in."""

    list_display = ["municipality_number", "municipality_name", "year", "kind", "population",
                    "table", "variant", "source", "imported_at"]
    list_filter = ["kind", "table", "year"]
    search_fields = ["municipality_number", "municipality_name", "source"]


@admin.register(MunicipalityNumberChange)
class MunicipalityNumberChangeAdmin(ReadOnlyAdmin):
    """Read-only: the kommunenummer history as imported (`import_population --shipped`)."""

    list_display = ["from_number", "to_number", "year", "kind", "source"]
    list_filter = ["kind", "year"]
    search_fields = ["from_number", "to_number", "source"]
