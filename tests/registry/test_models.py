import pytest
from django.core.exceptions import ValidationError

from registry.models import CoordinatingUnit, Organization, OrganizationKind, Region
from registry.validators import synthetic_orgnr
from tests import factories


def errors_of(instance) -> dict:
    with pytest.raises(ValidationError) as exc_info:
        instance.full_clean()
    return exc_info.value.message_dict


@pytest.mark.django_db
def test_it_refuses_an_organisation_number_with_a_wrong_check_digit():
    good = synthetic_orgnr(7)
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)
    org = Organization(kind=OrganizationKind.GP_OFFICE, name="Legekontoret", orgnr=bad,
                       region=Region.NORTH)
    assert "orgnr" in errors_of(org)
    org.orgnr = good
    org.full_clean()


@pytest.mark.django_db
def test_it_requires_municipality_number_and_population_of_a_municipality():
    org = Organization(kind=OrganizationKind.MUNICIPALITY, name="Loppa",
                       orgnr=synthetic_orgnr(8), region=Region.NORTH)
    assert set(errors_of(org)) == {"municipality_number", "population"}
    org.municipality_number = "561"
    org.population = 870
    assert "municipality_number" in errors_of(org)


@pytest.mark.django_db
def test_it_places_a_hospital_under_a_health_trust():
    municipality = factories.organization(name="Alta")
    hospital = Organization(kind=OrganizationKind.HOSPITAL, name="Sykehus",
                            orgnr=synthetic_orgnr(9), region=Region.NORTH, parent=municipality)
    assert "parent" in errors_of(hospital)


@pytest.mark.django_db
def test_it_gives_a_coordinating_unit_only_to_municipalities_trusts_and_regions():
    gp = factories.organization(OrganizationKind.GP_OFFICE, "Fastlegekontor")
    unit = CoordinatingUnit(organization=gp, name="KE", inbox_address="ke@example.org")
    assert "organization" in errors_of(unit)
    municipality = factories.organization(name="Karlsøy")
    unit = factories.coordinating_unit(municipality)
    assert unit.scope == "municipal"
