"""`manage.py check --deploy`: published demo credentials in a database that production
settings use. They are refused at sign-in (registry.demo_credentials), but should go."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password
from django.core.checks import Info, Tags, Warning, register
from django.db import DatabaseError, connection
from django.db.models import Q

from registry import demo_credentials
from registry.api.authentication import digest
from registry.models import ApiKey

from . import demo_data


@register(Tags.security, deploy=True)
def check_demo_credentials(app_configs=None, **kwargs):
    if settings.DEMO_DATA_ALLOWED:
        return []
    try:
        tables = set(connection.introspection.table_names())
        if not {ApiKey._meta.db_table, get_user_model()._meta.db_table} <= tables:
            return []  # not migrated yet (a fresh deployment): no credentials in it
        return _demo_credentials_found()
    except DatabaseError as exc:
        return [Info(f"Demo credentials not checked: the database cannot be read ({exc}).",
                     id="pathways.I001")]


def _demo_credentials_found():
    messages = []
    keys = ApiKey.objects.filter(
        Q(prefix=demo_credentials.API_KEY_PREFIX)
        | Q(digest=digest(demo_credentials.API_KEY_SECRET)), revoked_at__isnull=True)
    if keys.exists():
        messages.append(Warning(
            "The published demo API key is in the database and not revoked.",
            hint="These settings refuse it, but revoke it (or remove the demo API client) so "
                 "that a change of settings cannot open it.",
            id="pathways.W001"))
    # The demo's own users (those other apps add have the seed's address too), and every
    # administrator: a password check costs a hash each.
    names = [demo_data.SUPERUSER, *(row[0] for row in demo_data.DEMO_USERS)]
    users = get_user_model().objects.filter(
        Q(username__in=names) | Q(email__endswith="@rehabportal.example")
        | Q(is_staff=True) | Q(is_superuser=True), is_active=True)
    published = sorted(
        user.username for user in users.only("username", "password")
        if user.has_usable_password()
        and check_password(demo_credentials.demo_password(user.username), user.password))
    if published:
        messages.append(Warning(
            f"Users with a published demo password: {', '.join(published)}.",
            hint="These settings refuse those passwords at sign-in, but set new passwords or "
                 "deactivate these users (`manage.py changepassword`).",
            id="pathways.W002"))
    return messages
