from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CitizenConfig(AppConfig):
    name = "citizen"
    verbose_name = _("The patient's own door")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from pathways.signals import demo_data_seeded

        from . import checks  # noqa: F401 - registers the system checks
        from .demo import seed_citizen_demo

        demo_data_seeded.connect(seed_citizen_demo, dispatch_uid="citizen.seed_citizen_demo")
