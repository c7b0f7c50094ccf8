"""Response headers that keep patient data in the portal: a strict Content-Security-Policy
(scripts and styles only from the portal's own static files, no inline code, no framing), a
Permissions-Policy that turns off device features the portal never uses, and `no-store` on
every response that can carry patient data (the whole API and FHIR facade, and every page
seen by a signed-in user), so neither the browser's nor a shared cache keeps a copy.

Written here rather than with django-csp: one policy with two path exceptions is a table,
and the same middleware sets the cache and permission headers.
"""

from django.utils.cache import add_never_cache_headers

# The portal's own pages: htmx and static/js/portal.js from static/, no inline <script>, no
# on*= or hx-on attributes (htmx runs with allowEval false), no inline style attributes
# (htmx's indicator style is off: includeIndicatorStyles false in base.html).
PORTAL_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

# Exceptions, by path prefix, each loosening one directive and saying why.
POLICY_BY_PATH = {
    # Swagger UI (drf-spectacular's split view: its script is a file, not inline) renders
    # with React, which writes style attributes, and shows the schema's own example images.
    "/api/docs/": {**PORTAL_POLICY, "style-src": "'self' 'unsafe-inline'"},
}

PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in (
    "accelerometer", "autoplay", "camera", "display-capture", "geolocation",
    "gyroscope", "hid", "magnetometer", "microphone", "midi", "payment",
    "screen-wake-lock", "serial", "usb", "xr-spatial-tracking",
))

# Under these, every answer may carry patient data, except the schema and its viewer.
PATIENT_DATA_PREFIXES = ("/api/", "/fhir/")
PUBLIC_API_PREFIXES = ("/api/schema/", "/api/docs/")


def _render(policy: dict) -> str:
    return "; ".join(f"{directive} {sources}" for directive, sources in policy.items())


PORTAL_CSP = _render(PORTAL_POLICY)
CSP_BY_PATH = {prefix: _render(policy) for prefix, policy in POLICY_BY_PATH.items()}


def content_security_policy(path: str) -> str:
    for prefix, policy in CSP_BY_PATH.items():
        if path.startswith(prefix):
            return policy
    return PORTAL_CSP


def may_carry_patient_data(request) -> bool:
    path = request.path
    if path.startswith(PATIENT_DATA_PREFIXES):
        return not path.startswith(PUBLIC_API_PREFIXES)
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", content_security_policy(request.path))
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if may_carry_patient_data(request) and "no-store" not in response.get(
                "Cache-Control", ""):
            # What never_cache does for the pages: no-store, private, max-age=0.
            add_never_cache_headers(response)
        return response
