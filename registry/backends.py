"""Password sign-in (web and admin): Django's ModelBackend, but never with a published demo
password where demo data is not allowed (registry.demo_credentials)."""

import logging

from django.contrib.auth.backends import ModelBackend

from . import demo_credentials

logger = logging.getLogger(__name__)


class PortalModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None or not demo_credentials.refused():
            return user
        if demo_credentials.is_demo_password(user.get_username(), password) or \
                demo_credentials.is_demo_password(username, password):
            logger.warning("A sign-in with a published demo password was refused "
                           "(demo data not allowed)")
            return None
        return user
