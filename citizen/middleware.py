"""The wall between the citizen's door and the staff portal: a citizen on a staff URL (page,
API or admin) gets 404, as a staff user on a citizen page does; neither learns the other's
pages exist. Placed after AuthenticationMiddleware."""

from django.conf import settings
from django.http import Http404

# What a citizen may reach outside their own prefix: the language switch, sign-out, static
# files and the health probe.
CITIZEN_ALSO = ("/i18n/", "/static/", "/healthz", "/accounts/logout/")


class CitizenBoundaryMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        prefix = settings.CITIZEN_URL_PREFIX
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            own = request.path.startswith(prefix)
            if user.is_citizen and not own and not request.path.startswith(CITIZEN_ALSO):
                raise Http404
            if not user.is_citizen and own and not request.path.startswith(
                    tuple(prefix + p for p in settings.CITIZEN_PUBLIC_PATHS)):
                raise Http404
        return self.get_response(request)
