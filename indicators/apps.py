from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    """Aggregates over every other app and capacity against the norms; nothing imports it."""

    name = "indicators"
    verbose_name = _("Indicators")

    def ready(self):
        from fhir_api.resources import HANDLERS
        from pathways.signals import demo_data_seeded

        from .demo_population import seed_population_and_areas
        from .demo_users import seed_regional_planner

        demo_data_seeded.connect(seed_regional_planner,
                                 dispatch_uid="indicators.seed_regional_planner")
        # The shipped SSB figures, demo populations, agreements and where hospitals lie.
        demo_data_seeded.connect(seed_population_and_areas,
                                 dispatch_uid="indicators.seed_population_and_areas")
        # Two years of synthetic history and the figures computed from it (after the
        # populations above and coordination's demo coordinators).
        from .demo import seed_indicator_history

        demo_data_seeded.connect(seed_indicator_history,
                                 dispatch_uid="indicators.seed_indicator_history")
        # A daily rate saved or deleted: the cost of ready-for-discharge days is recomputed.
        from django.db.models.signals import post_delete, post_save

        from .services import daily_rate_changed

        for signal in (post_save, post_delete):
            signal.connect(daily_rate_changed, sender="pathways.DailyRate",
                           dispatch_uid=f"indicators.daily_rate_changed.{signal is post_save}")
        # Measure and MeasureReport in the FHIR facade (fhir_api does not import indicators).
        from .fhir import register

        register(HANDLERS)
