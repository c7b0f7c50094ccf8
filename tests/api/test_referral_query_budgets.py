"""The referral list endpoints cost the same number of queries for 3 rows as for 30."""

import datetime

import pytest
from django.utils import timezone

from referrals import services
from referrals.models import FunctionDomain
from tests import factories
from tests.referrals.conftest import world

from .test_pathway_query_budgets import assert_same_budget, grow

__all__ = ["grow", "world"]  # fixtures shared with tests/referrals and the pathway budgets
pytestmark = pytest.mark.django_db


def new_patient(world, i):
    """A new patient the GP follows; every one a different person."""
    return factories.patient(world.gp, f"Pasient{i}", "Budsjett",
                             municipality=world.patient.municipality,
                             birth_date=datetime.date(1930 + i, 1 + i % 12, 1 + i % 28))


def referred(world, i):
    return services.refer(by=world.gp, patient=new_patient(world, i),
                          service=world.valnesfjord_rehab, reason=f"Henvisning {i}")


# Referrals: 1 session, 2 user, 3 the reader's memberships (the care relationships' and the
# referral scope's), 4 COUNT, 5 the page with what it names joined, 6 the grounds of each
# read, 7 the single INSERT of the page's audit events.
REFERRAL_BUDGET = 7


def test_it_lists_referrals_within_a_fixed_query_budget(world, api, grow,
                                                        django_assert_max_num_queries):
    assert_same_budget(api(world.rve_assessor), "/api/v1/referrals/", REFERRAL_BUDGET,
                       django_assert_max_num_queries, grow, lambda i: referred(world, i))


# Waiting lists: 1 session, 2 user, 3 memberships, 4 COUNT, 5 the page, 6 grounds, 7 INSERT.
WAITING_LIST_BUDGET = 7


def test_it_lists_a_waiting_list_within_a_fixed_query_budget(world, api, grow,
                                                             django_assert_max_num_queries):
    deadline = timezone.localdate() + datetime.timedelta(days=90)

    def make(i):
        services.accept(referred(world, i), by=world.rve_assessor, has_right=True,
                        care_start_deadline=deadline, allocated_service=world.valnesfjord_rehab)

    path = f"/api/v1/waiting-lists/?service={world.valnesfjord_rehab.uuid}"
    assert_same_budget(api(world.valnesfjord_assessor), path, WAITING_LIST_BUDGET,
                       django_assert_max_num_queries, grow, make)


# Needs assessments: 1 session, 2 user, 3 memberships, 4 COUNT, 5 the page, 6 the domain
# scores of the page with their domains, 7 grounds, 8 INSERT.
ASSESSMENT_BUDGET = 8


def test_it_lists_needs_assessments_within_a_fixed_query_budget(world, api, grow,
                                                                django_assert_max_num_queries):
    mobility = FunctionDomain.objects.get(code="mobility")

    def make(i):
        draft = services.start_assessment(by=world.gp, patient=new_patient(world, i))
        services.save_assessment(draft, by=world.gp, changes={"barthel_index": 50 + i},
                                 scores={mobility.pk: (2, "Rullator")})

    assert_same_budget(api(world.gp), "/api/v1/needs-assessments/", ASSESSMENT_BUDGET,
                       django_assert_max_num_queries, grow, make)
