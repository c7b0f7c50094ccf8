"""The cast plus a coordinator profile for the cast's coordinator in Tromsø; the builders for
requests and plans are tests/factories.py's."""

import pytest
from django.urls import reverse

from coordination import services
from registry.models import Role
from tests import factories


@pytest.fixture
def kora(cast):
    """The cast's coordinator, appointed by Tromsø's KE."""
    return factories.coordinator(cast)


@pytest.fixture
def second_coordinator(cast):
    user = factories.user("coordinator2", cast.tromso, Role.COORDINATOR, first_name="Kai",
                          last_name="Koordinator")
    return factories.coordinator(cast, user=user)


@pytest.fixture
def plan(cast, kora):
    """Tromsø's own patient, with an individual plan in preparation coordinated by Kora."""
    return factories.individual_plan(cast, kora)


@pytest.fixture
def goal(cast, plan):
    """A goal in the plan, written by Tromsø's KE."""
    return services.add_goal(plan, by=cast.ke_tromso, text="Gå tur med hunden")


@pytest.fixture
def measure(cast, plan):
    return services.add_measure(plan, by=cast.ke_tromso, description="Trening to ganger i uka")


HTMX = {"HTTP_HX_REQUEST": "true"}


def plan_url(plan, name="plan_detail", **kwargs):
    return reverse(f"coordination:{name}", kwargs={"uuid": plan.uuid, **kwargs})


def fresh(record):
    record.refresh_from_db()
    return record


# The builders live in tests/factories.py; these names are the ones the tests here use.
submit = factories.plan_request
make_plan = factories.individual_plan
activate = factories.activate_plan
