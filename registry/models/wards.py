"""A hospital's departments and wards: registry data, imported (manage.py import_wards) or
edited in the admin, so that an admission, a planner's membership and the ward board name
the same ward instead of two spellings of it."""

import uuid as uuid_module

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from common.models import TrackedModel

from .organizations import Organization, OrganizationKind


def _require_hospital(hospital, field: str, errors: dict) -> None:
    if hospital is not None and hospital.kind != OrganizationKind.HOSPITAL:
        errors[field] = _("Choose a hospital.")


class Department(TrackedModel):
    hospital = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="departments",
        limit_choices_to={"kind": OrganizationKind.HOSPITAL}, verbose_name=_("hospital"),
    )
    name = models.CharField(_("name"), max_length=120)
    code = models.CharField(_("code"), max_length=20, blank=True)

    class Meta:
        ordering = ["hospital__name", "name"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        constraints = [
            models.UniqueConstraint(fields=["hospital", "name"],
                                    name="unique_department_name_per_hospital"),
        ]

    def __str__(self):
        return f"{self.name} ({self.hospital})" if self.hospital_id else self.name

    def clean(self):
        errors = {}
        self.name = " ".join(self.name.split())
        if self.hospital_id:
            _require_hospital(self.hospital, "hospital", errors)
        if errors:
            raise ValidationError(errors)


class WardQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)

    def of(self, hospital):
        return self.filter(hospital=hospital)

    def named_by(self, value) -> "Ward | None":
        """The ward a caller names by its public UUID or its short code (any case)."""
        value = str(value or "").strip()
        if not value:
            return None
        try:
            return self.filter(uuid=uuid_module.UUID(value)).first()
        except ValueError:
            return self.filter(code=normalize_code(value)).first()


def normalize_code(code: str) -> str:
    return "".join(code.split()).upper()


class Ward(TrackedModel):
    """A ward (sengepost/post) of a hospital's department. The hospital is the department's,
    kept on the row so that the short code is unique per hospital and boards filter by it."""

    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="wards",
                                   verbose_name=_("department"))
    hospital = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="wards", editable=False,
        verbose_name=_("hospital"),
    )
    name = models.CharField(_("name"), max_length=120)
    code = models.CharField(
        _("short code"), max_length=20,
        help_text=_("Unique within the hospital; EPJ systems name the ward by it. "
                    "Stored in capitals."))
    active = models.BooleanField(_("active"), default=True, help_text=_(
        "Inactive wards keep their admissions but are no longer offered."))

    objects = WardQuerySet.as_manager()

    class Meta:
        ordering = ["hospital__name", "department__name", "name"]
        verbose_name = _("ward")
        verbose_name_plural = _("wards")
        constraints = [
            models.UniqueConstraint(fields=["hospital", "code"],
                                    name="unique_ward_code_per_hospital"),
        ]

    def __str__(self):
        return self.name

    @property
    def label(self) -> str:
        return f"{self.name} ({self.code})"

    def clean(self):
        self.name = " ".join(self.name.split())
        self.code = normalize_code(self.code)
        if self.department_id:
            self.hospital_id = self.department.hospital_id
        errors = {}
        if not self.code:
            errors["code"] = _("Give the ward a short code.")
        elif self.hospital_id and Ward.objects.filter(
                hospital_id=self.hospital_id, code=self.code).exclude(pk=self.pk).exists():
            errors["code"] = _("Another ward of this hospital has this code.")
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        self.code = normalize_code(self.code)
        if self.department_id:
            self.hospital_id = self.department.hospital_id
        super().save(*args, **kwargs)
