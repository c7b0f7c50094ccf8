"""Validators for Norwegian organisation identifiers, built on python-stdnum."""

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.no import orgnr


def validate_orgnr(value: str) -> None:
    try:
        orgnr.validate(value)
    except StdnumError as exc:
        raise ValidationError(
            _("%(value)s is not a valid organisation number (9 digits with a mod-11 check digit)."),
            code="invalid_orgnr",
            params={"value": value},
        ) from exc


validate_municipality_number = RegexValidator(
    r"^\d{4}$", _("A municipality number (kommunenummer) has exactly 4 digits."),
    code="invalid_municipality_number",
)
validate_her_id = RegexValidator(
    r"^\d{1,9}$", _("A HER-id is a number of up to 9 digits."), code="invalid_her_id"
)


def synthetic_orgnr(seed: int) -> str:
    """A valid, made-up organisation number for demo data and tests (first digit 9)."""
    for offset in range(100):
        candidate = f"9{(seed * 97 + offset) % 10_000_000:07d}"
        for check in "0123456789":
            if orgnr.is_valid(candidate + check):
                return candidate + check
    raise ValueError(f"no valid organisation number near seed {seed}")
