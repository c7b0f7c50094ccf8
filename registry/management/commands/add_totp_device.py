"""Enrol a TOTP device (an authenticator app) for a user: their second factor for the Django
admin where OTP_ADMIN is on. Prints the secret once, as an otpauth:// URI and a QR code."""

import io

import segno
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = ("Enrol a TOTP device (authenticator app) for a user, for the admin's second factor "
            "(OTP_ADMIN). The secret is shown only this once.")

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="Authenticator app",
                            help="The device's name, shown in the admin.")
        parser.add_argument("--no-qr", action="store_true",
                            help="Print only the otpauth:// URI, no QR code.")

    def handle(self, *args, username, name, no_qr=False, **options):
        try:
            user = get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist as exc:
            raise CommandError(f"No user {username!r}.") from exc
        if not user.is_staff:
            self.stderr.write(f"Note: {username} is not staff; the admin will not admit them.")
        device = TOTPDevice.objects.create(user=user, name=name.strip() or "TOTP",
                                           confirmed=True)
        self.stderr.write(
            f"Enrolled TOTP device {device.name!r} for {username}. Add it to an authenticator "
            "app with this URI or QR code; it is shown only this once:")
        self.stdout.write(device.config_url)
        if not no_qr:
            out = io.StringIO()
            segno.make(device.config_url).terminal(out=out, compact=True)
            self.stdout.write(out.getvalue())
