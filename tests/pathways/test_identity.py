import datetime

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient
from stdnum.no import fodselsnummer

from pathways.identity import (
    IdentityKind,
    make_synthetic_identity_number,
    parse_identity_number,
)


def synthetic(birth_date, d_number=False):
    for serial in range(50):
        number = make_synthetic_identity_number(birth_date, serial, d_number=d_number)
        if number:
            return number
    raise AssertionError("no synthetic number found")


def codes(exc_info):
    return {error.code for error in exc_info.value.error_list}


def test_it_accepts_a_synthetic_fodselsnummer_and_reads_the_birth_date():
    number = synthetic(datetime.date(1948, 11, 2))
    parsed = parse_identity_number(number, allow_synthetic=True)
    assert parsed.kind == IdentityKind.FNR
    assert parsed.birth_date == datetime.date(1948, 11, 2)
    assert parsed.synthetic
    assert int(number[2:4]) > 80


def test_it_recognises_a_synthetic_d_number():
    number = synthetic(datetime.date(2001, 6, 30), d_number=True)
    parsed = parse_identity_number(number, allow_synthetic=True)
    assert parsed.kind == IdentityKind.DNR
    assert parsed.birth_date == datetime.date(2001, 6, 30)


def test_it_normalises_spaces_and_dashes():
    number = synthetic(datetime.date(1975, 1, 5))
    spaced = f"{number[:6]} {number[6:]}"
    assert parse_identity_number(spaced, allow_synthetic=True).number == number


def test_it_refuses_synthetic_numbers_when_the_setting_is_off():
    number = synthetic(datetime.date(1948, 11, 2))
    with pytest.raises(ValidationError) as exc_info:
        parse_identity_number(number, allow_synthetic=False)
    assert codes(exc_info) == {"identity_synthetic"}


def test_it_follows_the_setting_by_default(settings):
    number = synthetic(datetime.date(1948, 11, 2))
    settings.ALLOW_SYNTHETIC_IDENTITY_NUMBERS = False
    with pytest.raises(ValidationError):
        parse_identity_number(number)
    settings.ALLOW_SYNTHETIC_IDENTITY_NUMBERS = True
    assert parse_identity_number(number).number == number


def test_it_reports_a_mistyped_check_digit():
    number = synthetic(datetime.date(1960, 2, 29))
    wrong = number[:-1] + str((int(number[-1]) + 1) % 10)
    with pytest.raises(ValidationError) as exc_info:
        parse_identity_number(wrong, allow_synthetic=True)
    assert codes(exc_info) == {"identity_checksum"}


@pytest.mark.parametrize(("value", "code"), [
    ("1234567890", "identity_length"),
    ("123456789012", "identity_length"),
    ("12345abc901", "identity_format"),
    ("", "identity_format"),
])
def test_it_names_what_is_wrong_with_the_shape(value, code):
    with pytest.raises(ValidationError) as exc_info:
        parse_identity_number(value, allow_synthetic=True)
    assert codes(exc_info) == {code}


def test_it_refuses_an_impossible_birth_date():
    # 30 February (+80 on the month) with valid check digits.
    for serial in range(200):
        base = f"3082{60:02d}{serial:03d}"
        k1 = fodselsnummer.calc_check_digit1(base)
        if k1 == "10":
            continue
        k2 = fodselsnummer.calc_check_digit2(base + k1)
        if k2 == "10":
            continue
        number = base + k1 + k2
        break
    with pytest.raises(ValidationError) as exc_info:
        parse_identity_number(number, allow_synthetic=True)
    assert codes(exc_info) == {"identity_birth_date"}


def test_it_refuses_a_birth_date_in_the_future():
    next_month = datetime.date.today() + datetime.timedelta(days=30)  # noqa: DTZ011
    number = synthetic(next_month)
    with pytest.raises(ValidationError) as exc_info:
        parse_identity_number(number, allow_synthetic=True)
    assert codes(exc_info) == {"identity_birth_date"}


# -- digits that are not ASCII ----------------------------------------------------------------

SUPERSCRIPTS = "²" * 11  # str.isdigit() says yes; int() and the check digits say no


# (Full-width digits are no case: python-stdnum folds them to ASCII.)
@pytest.mark.parametrize("value", [SUPERSCRIPTS, "١٢٣٤٥٦٧٨٩٠١"])
def test_it_refuses_digits_that_are_not_ascii_as_a_format_error(value):
    with pytest.raises(ValidationError) as exc_info:
        parse_identity_number(value, allow_synthetic=True)
    assert codes(exc_info) == {"identity_format"}


@pytest.mark.django_db
@pytest.mark.parametrize("path, extra", [
    ("/api/v1/patients/search/", {}),
    ("/api/v1/admissions/", {"ward": "Slag", "admitted_at": "2026-01-05T10:00:00+01:00"}),
])
def test_the_rest_api_answers_superscript_digits_with_a_400_naming_the_field(cast, path,
                                                                            extra):
    client = APIClient()
    client.force_login(cast.planner)
    response = client.post(path, {"identity_number": SUPERSCRIPTS, **extra}, format="json")
    assert response.status_code == 400, response.content
    assert list(response.json()["error"]["fields"]) == ["identity_number"]


@pytest.mark.django_db
def test_a_fhir_encounter_with_superscript_digits_is_an_operation_outcome(cast):
    client = APIClient()
    client.force_login(cast.planner)
    body = {"resourceType": "Encounter", "status": "in-progress",
            "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                      "code": "IMP"},
            "subject": {"identifier": {"system": "urn:oid:2.16.578.1.12.4.1.4.1",
                                       "value": SUPERSCRIPTS}},
            "period": {"start": "2026-01-05T10:00:00+01:00"},
            "location": [{"location": {"display": "Slag"}}]}
    response = client.post("/fhir/r4/Encounter", body, format="json")
    assert response.status_code == 400, response.content
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["expression"] == ["Encounter.subject.identifier.value"]
