"""People and EPJ service accounts who sign in."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person (or an EPJ system's service account) who signs in."""

    hpr_number = models.CharField(_("HPR number"), max_length=9, blank=True)
    is_service_account = models.BooleanField(
        _("service account"), default=False,
        help_text=_("An EPJ system's account; it signs in with an API key, never a password."),
    )
    is_citizen = models.BooleanField(
        _("citizen"), default=False,
        help_text=_("A patient or next of kin who signs in with ID-porten: sees only their own "
                    "pages, never a staff page, and has no password."),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def display_name(self) -> str:
        return self.get_full_name() or self.username
