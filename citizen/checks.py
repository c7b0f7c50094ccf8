"""System checks: production refuses the demo login."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def demo_login_refused_in_production(app_configs, **kwargs):
    if settings.CITIZEN_DEMO_LOGIN and not settings.DEBUG:
        return [checks.Error(
            "CITIZEN_DEMO_LOGIN is on outside development: anyone could sign in as a demo "
            "patient.", hint="Unset CITIZEN_DEMO_LOGIN; citizens sign in with ID-porten.",
            id="citizen.E001")]
    return []
