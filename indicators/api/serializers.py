"""The indicator catalogue, figures and capacity over the API: aggregates only, a suppressed
cell with no value, numerator or denominator."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from ..models import Indicator


class IndicatorSerializer(serializers.ModelSerializer):
    """A catalogue entry in both languages, as an administrator wrote it."""

    url = serializers.HyperlinkedIdentityField(view_name="indicator-detail", lookup_field="code")
    figures = serializers.HyperlinkedIdentityField(
        view_name="indicator-figures", lookup_field="code",
        help_text=_("The indicator's figures: add ?period= and ?area=."))

    class Meta:
        model = Indicator
        fields = ["code", "url", "figures", "name", "name_en", "definition", "definition_en",
                  "numerator", "numerator_en", "denominator", "denominator_en", "unit",
                  "direction", "target", "target_text", "target_text_en", "source", "caveats",
                  "caveats_en", "computation", "parameters"]
        read_only_fields = fields


class AreaSerializer(serializers.Serializer):
    kind = serializers.CharField(read_only=True, help_text=_(
        "municipality, health_trust, region or hospital."))
    key = serializers.CharField(read_only=True, help_text=_(
        "The kommunenummer, the health trust's or hospital's UUID, or the region's code."))
    ref = serializers.CharField(read_only=True, help_text=_(
        "kind:key, as the area parameter takes it."))
    name = serializers.CharField(read_only=True)
    municipality_numbers = serializers.ListField(
        child=serializers.CharField(), read_only=True,
        help_text=_("The municipalities (current numbers) the area sums."))


class PeriodSerializer(serializers.Serializer):
    key = serializers.CharField(read_only=True, help_text=_("2024, 2024-Q1 or 2024-03."))
    kind = serializers.CharField(read_only=True, help_text=_("month, quarter or year."))
    label = serializers.CharField(read_only=True)
    start = serializers.DateField(read_only=True, help_text=_("The first day."))
    end = serializers.DateField(read_only=True, help_text=_("The first day after it."))


def _decimal(help_text, **kwargs):
    return serializers.DecimalField(max_digits=16, decimal_places=1, coerce_to_string=False,
                                    allow_null=True, read_only=True, help_text=help_text,
                                    **kwargs)


class CellSerializer(serializers.Serializer):
    """One area's figure. Suppressed: value, numerator, denominator and count are null and
    display is "<5"."""

    area = AreaSerializer(read_only=True)
    value = _decimal(_("By the unit: a share in per cent, a median, a rate or NOK; null when "
                       "there is nothing to show or the cell is suppressed."))
    display = serializers.CharField(read_only=True, help_text=_(
        "The value as the portal shows it, in the request's language (\"62,5 %\", \"<5\", "
        "\"–\")."))
    suppressed = serializers.BooleanField(read_only=True, help_text=_(
        "A count of 1–4, or the second cell suppressed so that a total cannot reveal one."))
    numerator = serializers.IntegerField(read_only=True, allow_null=True)
    denominator = serializers.IntegerField(read_only=True, allow_null=True)
    count = serializers.IntegerField(read_only=True, allow_null=True, help_text=_(
        "The count suppression looks at: the denominator of a share, the number of values of "
        "a median, the numerator of a count or rate."))
    population = serializers.IntegerField(read_only=True, allow_null=True, help_text=_(
        "The population a rate is divided by."))
    population_year = serializers.IntegerField(read_only=True, allow_null=True)
    population_source = serializers.CharField(read_only=True)


class FiguresSerializer(serializers.Serializer):
    indicator = serializers.CharField(read_only=True, help_text=_("The indicator's code."))
    unit = serializers.CharField(read_only=True)
    period = PeriodSerializer(read_only=True)
    dimension = serializers.CharField(read_only=True, allow_null=True)
    results = CellSerializer(many=True, read_only=True)


class NormSerializer(serializers.Serializer):
    levels = serializers.CharField(read_only=True)
    inhabitants_per_bed = serializers.IntegerField(read_only=True)
    population = serializers.IntegerField(read_only=True, allow_null=True)
    population_year = serializers.IntegerField(read_only=True, allow_null=True)
    population_kind = serializers.CharField(read_only=True, help_text=_(
        "registered or projected: the population the need rests on."))
    population_source = serializers.CharField(read_only=True)
    population_table = serializers.CharField(read_only=True, help_text=_(
        "SSB's table: 07459 (registered) or 13600 (projections)."))
    need = _decimal(_("Beds or places the norm asks for."))
    registered = serializers.IntegerField(read_only=True, help_text=_(
        "The capacity of active services in the service catalogue."))
    gap = _decimal(_("Registered minus need: negative is a shortfall."))
    share = _decimal(_("Registered as a share of need, in per cent."))


class CapacityRowSerializer(serializers.Serializer):
    area = AreaSerializer(read_only=True)
    year = serializers.IntegerField(read_only=True)
    municipal = NormSerializer(read_only=True, help_text=_(
        "Level 4: earmarked municipal rehabilitation beds, 1 per 3 000 inhabitants."))
    specialised = NormSerializer(read_only=True, help_text=_(
        "5.1–5.3: specialised inpatient places, 1 per 7 000 inhabitants."))


@extend_schema_serializer(many=False)  # the list action answers one object, not an array
class CapacitySerializer(serializers.Serializer):
    year = serializers.IntegerField(read_only=True)
    results = CapacityRowSerializer(many=True, read_only=True)
