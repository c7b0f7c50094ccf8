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
        # Measure and MeasureReport in the FHIR facade (fhir_api does not import indicators).
        from .fhir import register

        register(HANDLERS)
