"""The credentials `manage.py seed_demo` publishes (README, its summary, pathways.demo_data).

They are known to everyone, so where demo data is not allowed (settings.DEMO_DATA_ALLOWED
off, as in production) they are refused when presented, whatever the database holds: a
copied staging database or `seed_demo --force` must not open the portal.
"""

import hmac

from django.conf import settings

API_KEY_PREFIX = "demounn1"
API_KEY_SECRET = "published-demo-key-not-for-production"  # noqa: S105 - published on purpose
API_KEY = f"rp_{API_KEY_PREFIX}_{API_KEY_SECRET}"


def demo_password(username: str) -> str:
    """The published demo password of a demo user (demo data only, never production)."""
    return f"{username}-demo"


def refused() -> bool:
    return not settings.DEMO_DATA_ALLOWED


def is_demo_password(username: str, password: str | None) -> bool:
    """True when `password` is the published demo password for this user name."""
    if not username or not password:
        return False
    return hmac.compare_digest(password.encode(), demo_password(username).encode())


def is_demo_api_key(prefix: str, secret: str) -> bool:
    """True for the published key, or any key with its prefix or its secret."""
    return (hmac.compare_digest(prefix.encode(), API_KEY_PREFIX.encode())
            or hmac.compare_digest(secret.encode(), API_KEY_SECRET.encode()))


def demo_user(username: str, first_name: str, last_name: str):
    """A demo user with the published password, idempotent (an app's demo_data_seeded
    receiver adds its own); the address @rehabportal.example puts it in seed_demo's
    printed summary."""
    from .models import User

    fields = {"first_name": first_name, "last_name": last_name,
              "email": f"{username}@rehabportal.example", "is_active": True}
    user, created = User.objects.get_or_create(username=username, defaults=fields)
    changed = created
    for name, value in fields.items():
        if getattr(user, name) != value:
            setattr(user, name, value)
            changed = True
    password = demo_password(username)
    if created or not user.check_password(password):
        user.set_password(password)
        changed = True
    if changed:
        user.save()
    return user
