"""The answer to a locked-out sign-in: 429 with Retry-After, for django-axes' lockout of a
user name at one address and for the per-address limit across user names (registry.backends)."""

import math

from axes.helpers import get_cool_off, get_failure_limit
from django.conf import settings
from django.shortcuts import render


def lockout_response(request, original_response=None, credentials=None):
    address_wait = getattr(request, "login_address_wait", None)
    if address_wait is not None:
        seconds = address_wait
        context = {"address_lockout": True}
    else:
        cool_off = get_cool_off(request)
        seconds = math.ceil(cool_off.total_seconds()) if cool_off else 0
        context = {"failure_limit": get_failure_limit(request, credentials)}
    if seconds:
        context["minutes"] = max(1, math.ceil(seconds / 60))
    response = render(request, settings.AXES_LOCKOUT_TEMPLATE, context, status=429)
    if seconds:
        response["Retry-After"] = str(seconds)
    return response
