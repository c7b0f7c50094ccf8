"""The one comparison of typed names with a registered patient's, which every channel that
admits by identity number goes through (pathways.services.patients.check_names)."""

import pytest
from django.core.exceptions import ValidationError

from pathways.models import Patient
from pathways.services.patients import check_names, names_match


def registered(given="Anne-Lise", family="Ødegård Åsen") -> Patient:
    return Patient(given_name=given, family_name=family)


@pytest.mark.parametrize("given, family", [
    ("Anne-Lise", "Ødegård Åsen"),
    ("anne lise", "ODEGARD ASEN"),
    ("  Anne   Lise ", "Ødegård-Åsen"),
    ("Anne", "Ødegard Asen"),  # the first given name only, as many EPJ systems send it
])
def test_it_accepts_the_same_names_written_another_way(given, family):
    assert names_match(registered(), given_name=given, family_name=family)


@pytest.mark.parametrize("given, family", [
    ("Lise", "Ødegård Åsen"),  # not the first given name
    ("Anne-Lise", "Ødegård"),  # the family name in full
    ("Anne-Lise", "Odegaard Aasen"),
    ("Kari", "Nordmann"),
    ("", "Ødegård Åsen"),
])
def test_it_refuses_other_names(given, family):
    assert not names_match(registered(), given_name=given, family_name=family)


def test_a_mismatch_names_both_fields_whichever_differs():
    with pytest.raises(ValidationError) as caught:
        check_names(registered(), given_name="Anne-Lise", family_name="Olsen", required=False)
    assert set(caught.value.error_dict) == {"given_name", "family_name"}


def test_names_are_required_only_where_asked():
    check_names(registered(), required=False)
    with pytest.raises(ValidationError) as caught:
        check_names(registered(), required=True)
    assert set(caught.value.error_dict) == {"given_name", "family_name"}
    with pytest.raises(ValidationError) as caught:
        check_names(registered(), given_name="Anne", required=False)
    assert set(caught.value.error_dict) == {"family_name"}
