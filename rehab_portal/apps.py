import os

from django.apps import AppConfig


class RehabPortalConfig(AppConfig):
    name = "rehab_portal"
    verbose_name = "Rehab Portal"

    def ready(self):
        from django.conf import settings

        if settings.CELERY_BROKER_URL.startswith("filesystem://"):
            # The filesystem transport needs its folders before a worker or a sender starts.
            for key in ("data_folder_in", "processed_folder"):
                folder = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get(key)
                if folder:
                    os.makedirs(folder, exist_ok=True)
