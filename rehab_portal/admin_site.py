"""The Django admin, with a second factor where settings.OTP_ADMIN is on (production).

The admin reaches every record, so with OTP_ADMIN a staff user signs in with a password and
a TOTP token (django-otp), and only a session verified by a device counts as staff. A first
device is enrolled with `manage.py add_totp_device`; later ones in the admin itself.
"""

from django.conf import settings
from django.contrib.admin import AdminSite
from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite


class PortalAdminSite(AdminSite):
    @property
    def login_form(self):
        return OTPAdminAuthenticationForm if settings.OTP_ADMIN else None

    @property
    def login_template(self):
        return OTPAdminSite.login_template if settings.OTP_ADMIN else None

    def has_permission(self, request):
        if not super().has_permission(request):
            return False
        return not settings.OTP_ADMIN or request.user.is_verified()
