"""The indicator catalogue (data an administrator edits), population figures from SSB with the
history of municipality numbers, and the monthly aggregates the nightly task computes.

Aggregates are kept per month, current municipality number and (where the hospital answers
for it) hospital, as a numerator and a denominator (and, for medians, a histogram): a
quarter, a year, a health-trust area or the region is their sum, so every dashboard reads
a bounded number of rows whatever the number of admissions behind them.
"""

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from registry.models import Organization
from registry.validators import validate_municipality_number


def _localized(obj, field: str) -> str:
    english = getattr(obj, f"{field}_en", "")
    if english and (get_language() or "").startswith("en"):
        return english
    return getattr(obj, field)


class Unit(models.TextChoices):
    SHARE = "share", _("Share (per cent)")
    HOURS = "hours", _("Hours (median)")
    DAYS = "days", _("Days (median)")
    DAYS_PER_1000 = "days_per_1000", _("Days per 1 000 inhabitants")
    NOK = "nok", _("NOK")
    PER_1000 = "per_1000", _("Per 1 000 inhabitants")
    PER_10000 = "per_10000", _("Per 10 000 inhabitants")
    # Means of what patients report (reading.POINT_UNITS): the numerator is the sum of the
    # values in hundredths of a point (a respondent's own mean of several answers stays a
    # whole number), the denominator the number of values (goals, respondents).
    POINTS = "points", _("Points (mean)")
    POINTS_CHANGE = "points_change", _("Change in points (mean)")


class Direction(models.TextChoices):
    HIGHER_IS_BETTER = "higher", _("Higher is better")
    LOWER_IS_BETTER = "lower", _("Lower is better")
    NEITHER = "neither", _("Neither higher nor lower is better")


class Computation(models.TextChoices):
    """How a catalogue entry is computed: each is a function in indicators.computations;
    an entry picks one and may set its parameters, so a new indicator of a known shape
    (another level group, another deadline) needs no code."""

    NOTICE_ON_TIME = "notice_on_time", _("Early notifications sent within the deadline")
    NOTICE_HOURS = "notice_hours", _("Hours from admission to early notification")
    NOTICE_ACKNOWLEDGED = "notice_acknowledged", _("Notices acknowledged in time")
    READY_DAYS = "ready_days", _("Ready-for-discharge days")
    READY_COST = "ready_cost", _("Cost of ready-for-discharge days")
    MEETING_BEFORE_DISCHARGE = "meeting_before_discharge", _(
        "Discharge meeting before discharge")
    PLAN_SHARE = "plan_share", _("Patients with an individual plan")
    PLAN_COORDINATOR = "plan_coordinator", _("Plans with a coordinator")
    REQUEST_DAYS_TO_DECISION = "request_days_to_decision", _(
        "Days from a request to its decision")
    REQUEST_DAYS_TO_COORDINATOR = "request_days_to_coordinator", _(
        "Days from a request to a coordinator")
    WAITING_DAYS = "waiting_days", _("Waiting time per service and level")
    LEVEL_SHARE = "level_share", _("Placements and measures by pyramid level")
    SPECIALISED_REHABILITATION = "specialised_rehabilitation", _(
        "Specialised rehabilitation stays")
    COORDINATORS = "coordinators", _("Coordinators per inhabitant")
    SELF_REPORT_CHANGE = "self_report_change", _(
        "Change in self-reported scores per service level")
    EXPERIENCE_SHARE = "experience_share", _("Experience survey: share answering high")
    EXPERIENCE_MEAN = "experience_mean", _("Experience survey: mean score")
    REFERRAL_ASSESSED_ON_TIME = "referral_assessed_on_time", _(
        "Referrals assessed within the deadline")
    REFERRAL_CARE_ON_TIME = "referral_care_on_time", _(
        "Necessary care started by the date set")
    REFERRAL_WAITING_DAYS = "referral_waiting_days", _(
        "Days from a referral to the start of the stay")


class Indicator(models.Model):
    """One quality indicator, explained the way Helsedirektoratet explains its own."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=100)
    name = models.CharField(_("name (bokmål)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    definition = models.TextField(_("definition (bokmål)"))
    definition_en = models.TextField(_("definition (English)"), blank=True)
    numerator = models.TextField(_("numerator (bokmål)"))
    numerator_en = models.TextField(_("numerator (English)"), blank=True)
    denominator = models.TextField(_("denominator (bokmål)"), blank=True)
    denominator_en = models.TextField(_("denominator (English)"), blank=True)
    unit = models.CharField(_("unit"), max_length=20, choices=Unit.choices)
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    target = models.DecimalField(_("target or norm"), max_digits=10, decimal_places=2,
                                 null=True, blank=True)
    target_text = models.CharField(_("target or norm, in words (bokmål)"), max_length=300,
                                   blank=True)
    target_text_en = models.CharField(_("target or norm, in words (English)"), max_length=300,
                                      blank=True)
    source = models.TextField(_("source"), blank=True)
    caveats = models.TextField(_("caveats (bokmål)"), blank=True)
    caveats_en = models.TextField(_("caveats (English)"), blank=True)
    computation = models.CharField(_("computation"), max_length=40,
                                   choices=Computation.choices)
    parameters = models.JSONField(
        _("parameters"), default=dict, blank=True,
        help_text=_("Settings of the computation, e.g. {\"levels\": [\"4\"]} or "
                    "{\"hours\": 8}; the computation's documentation lists them."))
    published = models.BooleanField(_("published"), default=True)
    # The nightly computation recomputes every month of an entry changed since its last run
    # (another computation, other parameters).
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def __str__(self):
        return self.localized_name

    @property
    def localized_name(self) -> str:
        return _localized(self, "name")

    @property
    def localized_definition(self) -> str:
        return _localized(self, "definition")

    @property
    def localized_numerator(self) -> str:
        return _localized(self, "numerator")

    @property
    def localized_denominator(self) -> str:
        return _localized(self, "denominator")

    @property
    def localized_target_text(self) -> str:
        return _localized(self, "target_text")

    @property
    def localized_caveats(self) -> str:
        return _localized(self, "caveats")

    def clean(self):
        from .computations import parameter_errors

        if not isinstance(self.parameters, dict):
            raise ValidationError({"parameters": _("Give the parameters as a JSON object.")})
        errors = parameter_errors(self.computation, self.parameters)
        if errors:
            raise ValidationError({"parameters": errors})


class PopulationKind(models.TextChoices):
    REGISTERED = "registered", _("Registered population 1 January")
    PROJECTED = "projected", _("Projected population")


class PopulationFigure(models.Model):
    """A municipality's population in one year, as SSB published it, with where it came
    from: never typed in, always imported (indicators.population)."""

    municipality_number = models.CharField(_("municipality number"), max_length=4,
                                           validators=[validate_municipality_number])
    municipality_name = models.CharField(_("municipality name"), max_length=100, blank=True)
    year = models.PositiveSmallIntegerField(_("year"))
    kind = models.CharField(_("kind"), max_length=12, choices=PopulationKind.choices)
    population = models.PositiveIntegerField(_("population"))
    table = models.CharField(_("SSB table"), max_length=10,
                             help_text=_("07459 (registered) or 13600 (projections)."))
    variant = models.CharField(_("projection variant"), max_length=10, blank=True,
                               help_text=_("SSB's alternative, e.g. MMMM (main)."))
    source = models.CharField(_("source"), max_length=300)
    imported_at = models.DateTimeField(_("imported at"), auto_now=True)

    class Meta:
        ordering = ["municipality_number", "year", "kind"]
        verbose_name = _("population figure")
        verbose_name_plural = _("population figures")
        constraints = [
            models.UniqueConstraint(fields=["municipality_number", "year", "kind"],
                                    name="unique_population_figure"),
        ]

    def __str__(self):
        return f"{self.municipality_number} {self.year}: {self.population}"


class NumberChangeKind(models.TextChoices):
    RENUMBERED = "renumbered", _("New number, same municipality")
    MERGED = "merged", _("Merged into another municipality")
    SPLIT = "split", _("Split: part went to another municipality")


class MunicipalityNumberChange(models.Model):
    """One step of the history of kommunenummer: from `year` on, what was `from_number`
    is (part of) `to_number`. Figures under an old number are counted under the current
    one, so a trend runs on across the 2020 and 2024 reforms."""

    from_number = models.CharField(_("from number"), max_length=4,
                                   validators=[validate_municipality_number])
    to_number = models.CharField(_("to number"), max_length=4,
                                 validators=[validate_municipality_number])
    year = models.PositiveSmallIntegerField(_("in force from (1 January)"))
    kind = models.CharField(_("kind"), max_length=12, choices=NumberChangeKind.choices)
    source = models.CharField(_("source"), max_length=300)

    class Meta:
        ordering = ["year", "from_number"]
        verbose_name = _("municipality number change")
        verbose_name_plural = _("municipality number changes")
        constraints = [
            models.UniqueConstraint(fields=["from_number", "to_number", "year"],
                                    name="unique_municipality_number_change"),
        ]

    def __str__(self):
        return f"{self.from_number} → {self.to_number} ({self.year})"


class Figure(models.Model):
    """A month's numerator and denominator of one indicator for one municipality (its
    current number), and for one hospital where the hospital answers for it; `dimension`
    splits it further (a pyramid level, a service). Medians keep a histogram of whole
    hours or days, {"value": count}, so that sums of months and areas keep their median.
    A mean of points (Unit.POINTS, POINTS_CHANGE) keeps the sum in hundredths of a point,
    which is negative where scores fell (a change)."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="figures")
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    municipality_number = models.CharField(_("municipality number"), max_length=4)
    hospital = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="+")
    dimension = models.CharField(_("dimension"), max_length=60, blank=True)
    numerator = models.BigIntegerField(_("numerator"), default=0)
    denominator = models.BigIntegerField(_("denominator"), default=0,
                                         validators=[MinValueValidator(0)])
    histogram = models.JSONField(_("histogram"), null=True, blank=True)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("figure")
        verbose_name_plural = _("figures")
        indexes = [models.Index(fields=["indicator", "month"], name="figure_period_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "month", "municipality_number", "hospital", "dimension"],
                condition=Q(hospital__isnull=False), name="unique_figure_with_hospital"),
            models.UniqueConstraint(
                fields=["indicator", "month", "municipality_number", "dimension"],
                condition=Q(hospital__isnull=True), name="unique_figure_without_hospital"),
        ]

    def __str__(self):
        return (f"{self.indicator.code} {self.month:%Y-%m} {self.municipality_number} "
                f"{self.numerator}/{self.denominator}")


class ComputationRun(models.Model):
    """One run of the nightly computation: the changes up to `watermark` are in the
    figures; the next run recomputes the months touched since. A run that failed leaves
    no watermark, so the next one starts from the last good one."""

    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    watermark = models.DateTimeField(_("changes included up to"), null=True, blank=True)
    months = models.PositiveIntegerField(_("months recomputed"), default=0)
    rows = models.PositiveIntegerField(_("figures written"), default=0)
    full = models.BooleanField(_("full recomputation"), default=False)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("computation run")
        verbose_name_plural = _("computation runs")
        indexes = [models.Index(fields=["-watermark"], name="run_watermark_idx",
                                condition=Q(watermark__isnull=False))]

    def __str__(self):
        return f"{self.started_at:%Y-%m-%d %H:%M} ({self.months} months)"
