from django.conf import settings
from django.db.models import F, Func, Subquery

# How often (seconds) the pages that watch for news ask the server again. Override any of
# them with settings.PORTAL_POLL_SECONDS = {"ke_inbox": 2, ...} (the browser tests do).
POLL_DEFAULTS = {"ward_board": 60, "ke_inbox": 10, "notification_badge": 30}


def poll_seconds(name: str) -> int:
    configured = getattr(settings, "PORTAL_POLL_SECONDS", None) or {}
    return max(1, int(configured.get(name, POLL_DEFAULTS[name])))


def unread_count_subquery(user):
    """SELECT COUNT(id) of the user's unread in-app notifications, as a scalar subquery.

    COUNT as a plain function (not an aggregate) keeps Django from adding a GROUP BY."""
    return Subquery(
        user.notifications.unread().order_by().annotate(
            unread=Func(F("pk"), function="COUNT")).values("unread")[:1]
    )


def navigation(request):
    """The signed-in user's roles (navigation by role) and unread notifications (the badge).

    No query of its own on a page that read the user's memberships already (they are read
    once per request, with the unread count as a subquery: registry.access.memberships);
    else that one query."""
    from registry.access import memberships, unread_notifications

    user = getattr(request, "user", None)
    roles = set()
    unread = 0
    if user is not None and user.is_authenticated:
        roles = {m.role for m in memberships(user)}
        unread = unread_notifications(user)
    return {
        "user_roles": roles,
        "available_languages": settings.LANGUAGES,
        "unread_notifications": unread or 0,
        "notification_poll_seconds": poll_seconds("notification_badge"),
    }
