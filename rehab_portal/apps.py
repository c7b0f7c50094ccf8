import os

from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


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


class PortalAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the portal's site: a second factor where OTP_ADMIN is on."""

    default = False  # named in INSTALLED_APPS in place of django.contrib.admin
    default_site = "rehab_portal.admin_site.PortalAdminSite"
