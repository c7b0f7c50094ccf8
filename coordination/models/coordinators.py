"""Coordinator profiles: who may coordinate, their kind and capacity."""


from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from common.models import TrackedModel
from registry.models import Organization


class CoordinatorKind(models.TextChoices):
    GENERAL = "general", _("Coordinator")
    CHILD = "child", _("Child coordinator (barnekoordinator)")
    CANCER = "cancer", _("Cancer coordinator (kreftkoordinator)")


class Coordinator(TrackedModel):
    """A staff member's coordinator profile in one municipality (or health trust)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="coordinator_profiles")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT,
                                     related_name="coordinators",
                                     verbose_name=_("organisation"))
    kind = models.CharField(_("kind"), max_length=10, choices=CoordinatorKind.choices,
                            default=CoordinatorKind.GENERAL)
    profession = models.CharField(_("profession"), max_length=100, blank=True)
    training_completed_on = models.DateField(_("training completed"), null=True, blank=True)
    capacity = models.PositiveSmallIntegerField(_("capacity (plans)"), default=10,
                                                validators=[MinValueValidator(1)])
    active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["user__last_name", "user__first_name"]
        verbose_name = _("coordinator")
        verbose_name_plural = _("coordinators")
        constraints = [
            models.UniqueConstraint(fields=["user", "organization", "kind"],
                                    name="unique_coordinator_profile"),
        ]

    def __str__(self):
        return f"{self.user.display_name()} ({self.get_kind_display()})"
