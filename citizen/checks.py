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


@checks.register(checks.Tags.security, deploy=True)
def citizens_have_a_way_in(app_configs, **kwargs):
    """In production without ID-porten configured, the patient's door has no sign-in."""
    configured = [name for name, provider in settings.CITIZEN_OIDC_PROVIDERS.items()
                  if provider.get("signs_in") == "citizen" and provider.get("metadata_url")
                  and provider.get("client_id")]
    if not configured and not settings.CITIZEN_DEMO_LOGIN:
        return [checks.Warning(
            "No ID-porten client is configured: patients and next of kin cannot sign in.",
            hint="Set IDPORTEN_METADATA_URL, IDPORTEN_CLIENT_ID and IDPORTEN_CLIENT_SECRET "
                 "(README: Citizens: signing in with ID-porten).",
            id="citizen.W001")]
    return []
