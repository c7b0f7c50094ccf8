from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    """Aggregates over every other app and capacity against the norms; nothing imports it."""

    name = "indicators"
    verbose_name = _("Indicators")
