"""Password sign-in (web and admin): Django's ModelBackend, but never with a published demo
password where demo data is not allowed (registry.demo_credentials), and not from an address
over its limit of failed sign-ins across user names (RATE_LIMITS["login_failures"]; django-axes
limits each user name at one address)."""

import logging

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from common.client_ip import client_ip
from common.ratelimit import Limit

from . import demo_credentials

logger = logging.getLogger(__name__)

LOGIN_FAILURES = Limit("login_failures")


class PortalModelBackend(ModelBackend):
    def user_can_authenticate(self, user):
        """Citizens sign in with ID-porten only, never with a password here."""
        return super().user_can_authenticate(user) and not getattr(user, "is_citizen", False)

    def authenticate(self, request, username=None, password=None, **kwargs):
        ident = f"address:{client_ip(request)}" if request is not None else None
        if ident is not None:
            wait = LOGIN_FAILURES.exceeded(ident)
            if wait is not None:
                # AxesMiddleware answers with registry.lockout.lockout_response (429).
                request.axes_locked_out = True
                request.login_address_wait = wait
                raise PermissionDenied
        user = self._authenticate(request, username, password, **kwargs)
        if user is None and ident is not None and password is not None:
            LOGIN_FAILURES.hit(ident)
        return user

    def _authenticate(self, request, username, password, **kwargs):
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None or not demo_credentials.refused():
            return user
        if demo_credentials.is_demo_password(user.get_username(), password) or \
                demo_credentials.is_demo_password(username, password):
            logger.warning("A sign-in with a published demo password was refused "
                           "(demo data not allowed)")
            return None
        return user
