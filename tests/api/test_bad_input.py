"""Bad input answers 4xx in the envelope, names the field, and writes nothing."""

import datetime
import uuid

import pytest

from tests import factories

from .support import error, identity_messages, patient_url, written

BIRTH = datetime.date(1972, 11, 23)


def payload(cast, **overrides) -> dict:
    data = {
        "identity_number": factories.identity_number(BIRTH),
        "given_name": "Ola",
        "family_name": "Olsen",
        "birth_date": BIRTH.isoformat(),
        "municipality": str(cast.tromso.uuid),
    }
    data.update(overrides)
    return data


def mistype_check_digit(number: str) -> str:
    return number[:-1] + str((int(number[-1]) + 1) % 10)


def register(client, data, **headers):
    return client.post("/api/v1/patients/", data, format="json", **headers)


@pytest.mark.parametrize("mangle", [
    pytest.param(mistype_check_digit, id="wrong-check-digit"),
    pytest.param(lambda n: n[:-1], id="ten-digits"),
    pytest.param(lambda n: n + "0", id="twelve-digits"),
    pytest.param(lambda n: n[:5] + "x" + n[6:], id="not-digits"),
])
def test_it_refuses_an_invalid_identity_number_with_identitys_message(cast, api, mangle):
    number = mangle(factories.identity_number(BIRTH))
    before = written()
    response = register(api(cast.planner), payload(cast, identity_number=number))
    assert response.status_code == 400
    body = error(response)
    assert body["code"] == "invalid"
    assert body["fields"] == {"identity_number": identity_messages(number)}
    assert written() == before


def test_it_names_the_digit_count_of_a_number_of_the_wrong_length(cast, api):
    number = factories.identity_number(BIRTH) + "4"
    client = api(cast.planner)
    response = register(client, payload(cast, identity_number=number), HTTP_ACCEPT_LANGUAGE="en")
    assert response.json()["error"]["fields"]["identity_number"] == [
        "An identity number has 11 digits; this one has 12."
    ]


def test_it_refuses_synthetic_numbers_where_they_are_not_allowed(cast, api, settings):
    settings.ALLOW_SYNTHETIC_IDENTITY_NUMBERS = False
    number = factories.identity_number(BIRTH)
    before = written()
    response = register(api(cast.planner), payload(cast, identity_number=number))
    assert response.status_code == 400
    assert error(response)["fields"] == {
        "identity_number": identity_messages(number, allow_synthetic=False)
    }
    assert written() == before


def test_it_refuses_a_birth_date_that_contradicts_the_identity_number(cast, api):
    before = written()
    response = register(api(cast.planner), payload(cast, birth_date="1972-11-24"),
                        HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert error(response)["fields"] == {
        "birth_date": ["The birth date does not match the identity number (1972-11-23)."]
    }
    assert written() == before


@pytest.mark.parametrize("municipality", [
    pytest.param(lambda cast: str(uuid.uuid4()), id="unknown"),
    pytest.param(lambda cast: str(cast.unn.uuid), id="a-hospital"),
    pytest.param(lambda cast: "tromso", id="not-a-uuid"),
    pytest.param(lambda cast: cast.tromso.pk, id="integer-key"),
])
def test_it_refuses_an_unknown_municipality(cast, api, municipality):
    before = written()
    response = register(api(cast.planner), payload(cast, municipality=municipality(cast)))
    assert response.status_code == 400
    assert list(error(response)["fields"]) == ["municipality"]
    assert written() == before


def test_it_names_every_missing_required_field(cast, api):
    response = register(api(cast.planner), {})
    assert response.status_code == 400
    assert set(error(response)["fields"]) == {
        "identity_number", "given_name", "family_name", "birth_date", "municipality"
    }


def test_it_requires_a_language_when_an_interpreter_is_needed(cast, api):
    before = written()
    response = register(api(cast.planner), payload(cast, needs_interpreter=True))
    assert response.status_code == 400
    assert list(error(response)["fields"]) == ["interpreter_language"]
    assert written() == before


def test_it_refuses_malformed_json_naming_the_body(cast, api):
    before = written()
    response = api(cast.planner).post("/api/v1/patients/", '{"given_name": "Ola",',
                                      content_type="application/json")
    assert response.status_code == 400
    body = error(response)
    assert body["code"] == "parse_error"
    assert list(body["fields"]) == ["body"]
    assert written() == before


def test_it_refuses_a_body_that_is_not_an_object(cast, api):
    response = api(cast.planner).post("/api/v1/patients/", "[1, 2]",
                                      content_type="application/json")
    assert response.status_code == 400
    assert list(error(response)["fields"]) == ["non_field_errors"]


def test_it_refuses_an_oversized_body_with_413(cast, api, settings):
    before = written()
    padding = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    response = register(api(cast.planner), payload(cast, address=padding))
    assert response.status_code == 413
    assert error(response)["code"] == "request_too_large"
    assert written() == before


def test_it_refuses_a_form_encoded_body_with_415(cast, api):
    response = api(cast.planner).post("/api/v1/patients/", payload(cast))
    assert response.status_code == 415
    assert error(response)["code"] == "unsupported_media_type"


def test_it_refuses_an_invalid_identity_number_in_an_update(cast, api):
    before = written()
    number = mistype_check_digit(cast.shared.identity_number)
    response = api(cast.ke_tromso).patch(patient_url(cast.shared), {"identity_number": number},
                                         format="json", HTTP_IF_MATCH='W/"1"')
    assert response.status_code == 400
    assert error(response)["fields"] == {"identity_number": identity_messages(number)}
    assert written() == before


def test_it_refuses_an_unknown_municipality_in_an_update(cast, api):
    before = written()
    response = api(cast.ke_tromso).patch(patient_url(cast.shared),
                                         {"municipality": str(uuid.uuid4())},
                                         format="json", HTTP_IF_MATCH='W/"1"')
    assert response.status_code == 400
    assert list(error(response)["fields"]) == ["municipality"]
    assert written() == before


def test_it_refuses_a_stale_if_match(cast, api):
    before = written()
    response = api(cast.ke_tromso).patch(patient_url(cast.shared), {"phone": "1"},
                                         format="json", HTTP_IF_MATCH='W/"0"')
    assert response.status_code == 412
    assert error(response)["fields"] == {}
    assert written() == before


def test_it_refuses_an_invalid_identity_number_in_a_search(cast, api):
    before = written()
    number = factories.identity_number(BIRTH)[:-2]
    response = api(cast.ke_tromso).post("/api/v1/patients/search/",
                                        {"identity_number": number}, format="json")
    assert response.status_code == 400
    assert error(response)["fields"] == {"identity_number": identity_messages(number)}
    assert written() == before


def test_it_refuses_an_invalid_filter_value(cast, api):
    response = api(cast.ke_tromso).get("/api/v1/patients/", {"updated_since": "yesterday"})
    assert response.status_code == 400
    assert list(error(response)["fields"]) == ["updated_since"]


def test_it_compares_a_time_with_any_utc_offset_in_utc(cast, api):
    # Schemathesis found it: PostgreSQL refuses offsets beyond ±15:59 (a 500), though ISO
    # 8601 allows them. +16:12 on New Year's Day is 07:48 UTC on New Year's Eve.
    client = api(cast.ke_tromso)
    cast.shared.__class__.objects.filter(pk=cast.shared.pk).update(
        updated_at=datetime.datetime(2019, 12, 31, 8, 0, tzinfo=datetime.UTC))
    response = client.get("/api/v1/patients/", {"updated_since": "2020-01-01T00:00:00+16:12"})
    assert response.status_code == 200
    assert str(cast.shared.uuid) in {row["uuid"] for row in response.json()["results"]}


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:30:00-01:00"])
@pytest.mark.parametrize(("path", "name"), [
    ("/api/v1/discharge-meetings/", "scheduled_before"),
    ("/api/v1/notifications/", "updated_since"),
    ("/api/v1/plan-requests/", "updated_since"),
    ("/api/v1/organizations/", "updated_since"),
])
def test_it_refuses_a_time_that_leaves_the_calendar_in_utc(cast, api, moment, path, name):
    # Schemathesis found it: year 1 at +01:00 is year 0 in UTC, an OverflowError (a 500).
    response = api(cast.ke_tromso).get(path, {name: moment})
    assert response.status_code == 400
    assert list(error(response)["fields"]) == [name]


def test_it_refuses_a_nul_character_in_a_code_naming_the_field(cast, api):
    # Schemathesis found it: PostgreSQL cannot compare text holding NUL (a 500).
    before = written()
    response = api(cast.ke_tromso).post("/api/v1/services/", {
        "provider": str(cast.tromso.uuid), "level": "3\x00", "name": "Hverdagsrehabilitering",
    }, format="json")
    assert response.status_code == 400
    assert list(error(response)["fields"]) == ["level"]
    assert written() == before


def test_it_names_nested_next_of_kin_fields_with_dotted_paths(cast, api):
    before = written()
    response = register(api(cast.planner), payload(cast, next_of_kin=[
        {"name": "Per", "relation": "sønn"},
        {"name": "Pål", "relation": "sønn", "email": "not-an-address"},
        "Espen",
    ]))
    assert response.status_code == 400
    fields = error(response)["fields"]
    assert set(fields) == {"next_of_kin.1.email", "next_of_kin.2"}
    assert all(isinstance(m, str) for messages in fields.values() for m in messages)
    assert written() == before
