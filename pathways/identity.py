"""National identity numbers: fødselsnummer and D-number, validated with python-stdnum.

Synthetic numbers from the national test population (month + 80) pass only where
settings.ALLOW_SYNTHETIC_IDENTITY_NUMBERS is on; production leaves it off.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from stdnum.exceptions import InvalidComponent
from stdnum.no import fodselsnummer

FNR_SYSTEM = "urn:oid:2.16.578.1.12.4.1.4.1"
DNR_SYSTEM = "urn:oid:2.16.578.1.12.4.1.4.2"


class IdentityKind(models.TextChoices):
    FNR = "fnr", _("fødselsnummer")
    DNR = "dnr", _("D-number")


@dataclass(frozen=True)
class IdentityNumber:
    number: str
    kind: IdentityKind
    birth_date: datetime.date
    synthetic: bool

    @property
    def system(self) -> str:
        return FNR_SYSTEM if self.kind == IdentityKind.FNR else DNR_SYSTEM


def parse_identity_number(value: str, *, allow_synthetic: bool | None = None) -> IdentityNumber:
    """Return the parsed number or raise ValidationError saying exactly what is wrong."""
    if allow_synthetic is None:
        allow_synthetic = settings.ALLOW_SYNTHETIC_IDENTITY_NUMBERS
    number = fodselsnummer.compact(value or "")
    # isdigit() alone admits "²" and other digits that int() and the check digits refuse.
    if not (number.isascii() and number.isdigit()):
        raise ValidationError(
            _("An identity number contains digits only."), code="identity_format"
        )
    if len(number) != 11:
        raise ValidationError(
            _("An identity number has 11 digits; this one has %(count)d."),
            code="identity_length", params={"count": len(number)},
        )
    if (number[9] != fodselsnummer.calc_check_digit1(number)
            or number[10] != fodselsnummer.calc_check_digit2(number)):
        raise ValidationError(
            _("The check digits do not match: the number is mistyped."), code="identity_checksum"
        )
    day, month = int(number[0:2]), int(number[2:4])
    synthetic = month > 80
    if synthetic and not allow_synthetic:
        raise ValidationError(
            _("Synthetic test numbers are not accepted here."), code="identity_synthetic"
        )
    if 40 < month <= 80:
        raise ValidationError(
            _("H-numbers are not supported; use the fødselsnummer or D-number."),
            code="identity_h_number",
        )
    real_month_number = f"{number[:2]}{month - 80:02d}{number[4:]}" if synthetic else number
    try:
        birth_date = fodselsnummer.get_birth_date(real_month_number)
    except InvalidComponent as exc:
        raise ValidationError(
            _("The number does not hold a valid birth date."), code="identity_birth_date"
        ) from exc
    if birth_date > datetime.date.today():  # noqa: DTZ011 - a birth date is a local date
        raise ValidationError(
            _("The birth date in the number lies in the future."), code="identity_birth_date"
        )
    kind = IdentityKind.DNR if day > 40 else IdentityKind.FNR
    return IdentityNumber(number=number, kind=kind, birth_date=birth_date, synthetic=synthetic)


def validate_identity_number(value: str) -> None:
    parse_identity_number(value)


def make_synthetic_identity_number(birth_date: datetime.date, serial: int,
                                   *, d_number: bool = False) -> str | None:
    """Build a synthetic (month + 80) number for demo data and tests; None if the serial
    gives no valid check digit (the caller tries the next serial)."""
    year = birth_date.year
    if 1900 <= year <= 1999:
        individual = serial % 500
    elif 2000 <= year <= 2039:
        individual = 500 + serial % 500
    else:
        raise ValueError("Synthetic numbers are made for births 1900–2039.")
    day = birth_date.day + (40 if d_number else 0)
    base = f"{day:02d}{birth_date.month + 80:02d}{year % 100:02d}{individual:03d}"
    k1 = fodselsnummer.calc_check_digit1(base)
    if k1 == "10":
        return None
    k2 = fodselsnummer.calc_check_digit2(base + k1)
    if k2 == "10":
        return None
    return base + k1 + k2
