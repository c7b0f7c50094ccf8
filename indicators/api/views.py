"""Indicators and capacity over the API (scope `indicators:read`): the catalogue, an
indicator's figures for a period and areas, suppressed as on the screens, and capacity
against the norms. Readers are those indicators.access.scope_for admits (403 for others);
an EPJ system reads as its organisation. Aggregates only: nothing here is audited per read
(no patient), and every answer costs a fixed number of queries."""

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, permissions, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from common.api.operations import error_responses, list_schema, retrieve_schema
from common.api.pagination import CURSOR_PARAM, PortalPagination
from registry.api.scopes import HasClientScope

from ..access import scope_for
from ..capacity import capacity
from ..models import Indicator
from ..periods import FIRST_YEAR, LAST_YEAR, Period
from ..reading import table
from .serializers import CapacitySerializer, FiguresSerializer, IndicatorSerializer

AREA_PARAMETER = OpenApiParameter(
    "area", OpenApiTypes.STR, many=True, explode=True,
    description="Areas as kind:key: municipality:5501, health_trust:<uuid>, "
                "region:helse_nord, hospital:<uuid>; repeat the parameter or separate with "
                "commas. Default: your own areas (your municipality or hospital, its health "
                "trust and the region). An unknown area is a 400 naming `area`.")
PERIOD_PARAMETER = OpenApiParameter(
    "period", OpenApiTypes.STR,
    description="A year (2024), a quarter (2024-Q1) or a month (2024-03); default the "
                "current year. Anything else is a 400 naming `period`.")
DIMENSION_PARAMETER = OpenApiParameter(
    "dimension", OpenApiTypes.STR,
    description="One split of the figures (a pyramid level, a service); without it, all "
                "of them added up.")
YEAR_PARAMETER = OpenApiParameter(
    "year", OpenApiTypes.INT,
    description=f"The year ({FIRST_YEAR}–{LAST_YEAR}); default the current one.")


class CataloguePagination(PortalPagination):
    """Pages like every list; no sync cursor (the catalogue has no UUIDs and changes in the
    admin a few times a year)."""

    def paginate_queryset(self, queryset, request, view=None, **kwargs):
        if CURSOR_PARAM in request.query_params:
            raise exceptions.ValidationError({CURSOR_PARAM: [_(
                "The indicator catalogue is read by page; it has no sync cursor.")]})
        return super().paginate_queryset(queryset, request, view, **kwargs)

    def get_schema_operation_parameters(self, view):
        return [p for p in super().get_schema_operation_parameters(view)
                if p["name"] != CURSOR_PARAM]


class IndicatorReader(permissions.BasePermission):
    """Those indicators.access admits: KE staff, discharge planners, regional planners and
    EPJ systems of a municipality or hospital (PermissionDenied, a 403, for anybody else)."""

    def has_permission(self, request, view):
        request.indicator_scope = scope_for(request.user)
        return True


class _IndicatorView:
    scope_family = "indicators"
    permission_classes = [permissions.IsAuthenticated, HasClientScope, IndicatorReader]
    pagination_class = None  # figures of a few areas, capacity of a few dozen

    def scope(self):
        return self.request.indicator_scope

    def areas_asked(self):
        """The areas of ?area= (repeated or comma-separated), else the reader's own."""
        scope = self.scope()
        refs = [part.strip() for value in self.request.query_params.getlist("area")
                for part in value.split(",")]
        if not refs:
            return list(scope.home_areas)
        found, errors = [], []
        for ref in refs:
            try:
                area = scope.areas.parse(ref)
            except ValueError as error:
                errors.append(str(error))
                continue
            if area not in found:
                found.append(area)
        if errors:
            raise exceptions.ValidationError({"area": errors})
        return found


def _period(request) -> Period:
    key = request.query_params.get("period", "").strip()
    if not key:
        if "period" in request.query_params:
            raise exceptions.ValidationError({"period": [
                _("Give a value, or leave the parameter out.")]})
        return Period.current("year", timezone.localdate())
    try:
        return Period.parse(key)
    except ValueError as error:
        raise exceptions.ValidationError({"period": [str(error)]}) from error


@extend_schema_view(
    list=list_schema(IndicatorSerializer, "The indicator catalogue",
                     "Every published indicator: its definition, numerator and denominator, "
                     "unit, direction, target, source and caveats, in bokmål and English.",
                     errors=(400, 401, 403, 404)),
    retrieve=retrieve_schema(IndicatorSerializer, "An indicator, by its code",
                             errors=(401, 403, 404)),
)
class IndicatorViewSet(_IndicatorView, viewsets.ReadOnlyModelViewSet):
    """The catalogue and each indicator's figures."""

    queryset = Indicator.objects.filter(published=True).order_by("sort_order", "code")
    serializer_class = IndicatorSerializer
    pagination_class = CataloguePagination
    lookup_field = "code"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"
    filter_backends = []

    @extend_schema(
        summary="An indicator's figures for a period and areas",
        description="The indicator's value for each area in the period, as the portal's "
                    "screens show it. Counts of 1–4 are suppressed (`suppressed`, display "
                    "`<5`, no value, numerator, denominator or count), and within a column "
                    "of sibling areas one more where a total would reveal them; your own "
                    "municipality's figures are not suppressed for you.",
        parameters=[PERIOD_PARAMETER, AREA_PARAMETER, DIMENSION_PARAMETER],
        responses={200: FiguresSerializer, **error_responses(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["get"], url_path="figures")
    def figures(self, request, code=None):
        indicator = self.get_object()
        period = _period(request)
        wanted = self.areas_asked()
        dimension = request.query_params.get("dimension")
        scope = self.scope()
        cells = table([indicator], period, wanted, exempt_numbers=scope.exempt_numbers,
                      dimension=dimension, within=scope.areas)
        results = []
        for area in wanted:
            cell = cells[(indicator.code, area.kind, area.key)]
            results.append({"area": area, **vars(cell)})
        data = {"indicator": indicator.code, "unit": indicator.unit, "period": period,
                "dimension": dimension, "results": results}
        return Response(FiguresSerializer(data).data)


@extend_schema_view(
    list=extend_schema(
        summary="Capacity against the norms",
        description="Per area, for the year: level-4 beds against 1 per 3 000 inhabitants on "
                    "the registered population, and specialised places (5.1–5.3, private "
                    "institutions included) against 1 per 7 000 on SSB's projection for the "
                    "year where imported, else the registered population (each row says "
                    "which, with its source and year). Default: every health-trust area and "
                    "region (seed 001's Table 6).",
        parameters=[YEAR_PARAMETER, AREA_PARAMETER],
        responses={200: CapacitySerializer, **error_responses(400, 401, 403)},
    ),
)
class CapacityViewSet(_IndicatorView, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = CapacitySerializer
    filter_backends = []

    def get_queryset(self):  # pragma: no cover - not a model list; for the schema only
        return Indicator.objects.none()

    def list(self, request, *args, **kwargs):
        year = self._year()
        scope = self.scope()
        wanted = self.areas_asked() if request.query_params.getlist("area") else None
        rows = capacity(year, wanted, within=scope.areas)
        return Response(CapacitySerializer({"year": year, "results": rows}).data)

    def _year(self) -> int:
        raw = self.request.query_params.get("year", "").strip()
        if not raw and "year" not in self.request.query_params:
            return timezone.localdate().year
        if not (raw.isascii() and raw.isdigit()) or not FIRST_YEAR <= int(raw) <= LAST_YEAR:
            raise exceptions.ValidationError({"year": [
                _("Give a year from %(first)s to %(last)s.") % {
                    "first": FIRST_YEAR, "last": LAST_YEAR}]})
        return int(raw)
