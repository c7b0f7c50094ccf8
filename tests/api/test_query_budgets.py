"""List endpoints cost the same number of queries for 3 rows as for 30."""

import datetime

import pytest

from registry.models import OrganizationKind
from tests import factories


def measure(client, url, budget, django_assert_max_num_queries, rows):
    with django_assert_max_num_queries(budget) as captured:
        response = client.get(url)
    assert response.status_code == 200
    assert response.json()["count"] == rows
    return len(captured)


@pytest.fixture
def grow():
    """grow(make, to) calls make(i) until `to` rows exist, counting from the rows there are."""
    state = {"rows": 0}

    def add(make, to):
        for i in range(state["rows"], to):
            make(i)
        state["rows"] = to

    return add


# Patients: 1 session, 2 user, 3 COUNT of visible patients, 4 the page with municipality,
# 5 next of kin of the page, 6 the reader's memberships and 7 their granting care
# relationships (access.grounds), 8 the single INSERT of the page's audit events.
PATIENT_BUDGET = 8


def test_it_lists_patients_within_a_fixed_query_budget(cast, api, grow,
                                                       django_assert_max_num_queries):
    reader = factories.user("ke_harstad", factories.organization(name="Harstad"),
                            "ke_staff")
    municipality = reader.memberships.get().organization

    def make(i):
        patient = factories.patient(reader, f"Pasient{i}", "Harstad", municipality=municipality,
                                    birth_date=datetime.date(1940 + i, 1, 1))
        factories.relate(patient, municipality, reader, "residence")
        patient.next_of_kin.create(name=f"Pårørende {i}", relation="barn")

    client = api(reader)
    grow(make, 3)
    few = measure(client, "/api/v1/patients/", PATIENT_BUDGET, django_assert_max_num_queries, 3)
    grow(make, 30)
    many = measure(client, "/api/v1/patients/", PATIENT_BUDGET, django_assert_max_num_queries,
                   30)
    assert few == many


# Services: 1 session, 2 user, 3 COUNT, 4 the page with provider and level,
# 5 target groups and 6 municipalities served of the page.
SERVICE_BUDGET = 6


def test_it_lists_services_within_a_fixed_query_budget(cast, api, grow,
                                                       django_assert_max_num_queries):
    groups = [factories.target_group("hjerneslag"), factories.target_group("hofte")]

    def make(i):
        factories.service(cast.tromso if i % 2 else cast.bodo, "234"[i % 3],
                          target_groups=groups, municipalities_served=[cast.tromso, cast.bodo])

    client = api(cast.ke_bodo)
    grow(make, 3)
    few = measure(client, "/api/v1/services/", SERVICE_BUDGET, django_assert_max_num_queries, 3)
    grow(make, 30)
    many = measure(client, "/api/v1/services/", SERVICE_BUDGET, django_assert_max_num_queries,
                   30)
    assert few == many


# Organisations: 1 session, 2 user, 3 COUNT, 4 the page with each parent.
ORGANIZATION_BUDGET = 4


def test_it_lists_organisations_within_a_fixed_query_budget(cast, api, grow,
                                                            django_assert_max_num_queries):
    def make(i):
        factories.organization(OrganizationKind.HOSPITAL, f"Sykehus {i}", parent=cast.unn_hf)

    client = api(cast.planner)
    url = "/api/v1/organizations/?kind=hospital"
    grow(make, 2)  # with UNN Tromsø: 3 hospitals
    few = measure(client, url, ORGANIZATION_BUDGET, django_assert_max_num_queries, 3)
    grow(make, 29)
    many = measure(client, url, ORGANIZATION_BUDGET, django_assert_max_num_queries, 30)
    assert few == many


# Wards: 1 session, 2 user, 3 COUNT, 4 the page with each ward's hospital and department.
WARD_BUDGET = 4


def test_it_lists_wards_within_a_fixed_query_budget(cast, api, grow,
                                                    django_assert_max_num_queries):
    def make(i):
        if i:  # the cast's stroke unit is the first
            factories.ward(cast.unn, f"Post {i}", department=f"Avdeling {i % 4}")

    client = api(cast.planner)
    url = "/api/v1/wards/"
    grow(make, 3)
    few = measure(client, url, WARD_BUDGET, django_assert_max_num_queries, 3)
    grow(make, 30)
    many = measure(client, url, WARD_BUDGET, django_assert_max_num_queries, 30)
    assert few == many
