from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PathwaysConfig(AppConfig):
    name = "pathways"
    verbose_name = _("Pathways")

    def ready(self):
        from registry import notification_patients

        from . import checks  # noqa: F401 - registers the deploy check of demo credentials
        from .notification_names import visible_patient_names

        # In-app notifications name the patient to whoever may see them (registry cannot
        # import pathways, so pathways tells it how).
        notification_patients.register(visible_patient_names)
