from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from common.admin import ReadOnlyAdmin

from .models import (
    ComputationRun,
    Figure,
    Indicator,
    MunicipalityNumberChange,
    PopulationFigure,
)


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


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    """The catalogue, which an administrator reads and extends without code: a new entry
    picks a known computation and sets its parameters (checked by Indicator.clean, which
    the form's full_clean calls); the nightly run recomputes a changed entry in full."""

    list_display = ["code", "name", "computation", "unit", "direction", "published",
                    "sort_order", "updated_at"]
    list_filter = ["computation", "unit", "published"]
    search_fields = ["code", "name", "name_en"]
    readonly_fields = ["updated_at"]
    fieldsets = [
        (None, {"fields": ["code", "sort_order", "published", "computation", "parameters",
                           "unit", "direction", "target", "updated_at"]}),
        (_("Bokmål"), {"fields": ["name", "definition", "numerator", "denominator",
                                  "target_text", "caveats"]}),
        (_("English"), {"fields": ["name_en", "definition_en", "numerator_en",
                                   "denominator_en", "target_text_en", "caveats_en"]}),
        (_("Source"), {"fields": ["source"]}),
    ]


@admin.register(Figure)
class FigureAdmin(ReadOnlyAdmin):
    """Read-only: the nightly computation writes the figures (indicators.services)."""

    list_display = ["indicator", "month", "municipality_number", "hospital", "dimension",
                    "numerator", "denominator", "computed_at"]
    list_filter = ["indicator", "month"]
    search_fields = ["municipality_number", "indicator__code"]
    list_select_related = ["indicator", "hospital"]


@admin.register(ComputationRun)
class ComputationRunAdmin(ReadOnlyAdmin):
    """Read-only: each run of the computation, its watermark and any error."""

    list_display = ["started_at", "finished_at", "full", "months", "rows", "watermark",
                    "error"]
    list_filter = ["full"]
