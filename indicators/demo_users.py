"""The regional planner of the demo (`manage.py seed_demo`): a health-trust or helsefellesskap
analyst at Helse Nord RHF who sees every indicator and the capacity of every area, and no
patient. Added when pathways sends demo_data_seeded, with the published demo password like the
other demo users (registry.demo_credentials refuses it where demo data is not allowed); its
address @rehabportal.example puts it in seed_demo's printed summary."""

from registry.demo_credentials import demo_user
from registry.models import Membership, Role

REGIONAL_PLANNER = ("regional", "Rita", "Regionsen")
REGIONAL_HEALTH_AUTHORITY_KEY = "helse-nord"


def seed_regional_planner(sender, *, organizations, **kwargs) -> str:
    """Receiver of pathways.signals.demo_data_seeded (idempotent); the line it returns is
    printed."""
    username, first_name, last_name = REGIONAL_PLANNER
    rhf = organizations[REGIONAL_HEALTH_AUTHORITY_KEY]
    user = demo_user(username, first_name, last_name)
    Membership.objects.get_or_create(user=user, organization=rhf, role=Role.REGIONAL_PLANNER)
    return (f"Indicators demo user in place: {username} (regional planner @ {rhf.name}, "
            "every aggregate, no patient).")
