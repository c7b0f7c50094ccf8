from django.conf import settings


def navigation(request):
    """The signed-in user's roles, for navigation by role."""
    user = getattr(request, "user", None)
    roles = set()
    if user is not None and user.is_authenticated:
        roles = {m.role for m in user.memberships.all()}
    return {"user_roles": roles, "available_languages": settings.LANGUAGES}
