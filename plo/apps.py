from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PloConfig(AppConfig):
    name = "plo"
    verbose_name = _("PLO messages")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from pathways.signals import demo_data_seeded

        from . import outbox  # noqa: F401 - it listens for the pathway's steps
        from .demo import seed_plo_demo

        demo_data_seeded.connect(seed_plo_demo, dispatch_uid="plo.demo")
