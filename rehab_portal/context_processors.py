from django.conf import settings

from common.htmx import poll_seconds


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
