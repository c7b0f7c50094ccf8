"""The cast plus a coordinator profile for the cast's coordinator in Tromsø, and builders for
requests and plans through the real services."""

import pytest

from coordination import services
from coordination.models import ConsentMethod, ConsentScope, PlanStatus, RequestKind, RequestSource
from registry.models import Role
from tests import factories


@pytest.fixture
def kora(cast):
    """The cast's coordinator, appointed by Tromsø's KE."""
    return services.create_coordinator_profile(user=cast.coordinator, organization=cast.tromso,
                                               by=cast.ke_tromso)


@pytest.fixture
def second_coordinator(cast):
    user = factories.user("coordinator2", cast.tromso, Role.COORDINATOR, first_name="Kai",
                          last_name="Koordinator")
    return services.create_coordinator_profile(user=user, organization=cast.tromso,
                                               by=cast.ke_tromso)


def submit(cast, patient=None, kind=RequestKind.INDIVIDUAL_PLAN, by=None, **fields):
    return services.submit_plan_request(
        patient=patient or cast.tromso_only, municipality=cast.tromso, kind=kind,
        source=RequestSource.PATIENT, by=by or cast.ke_tromso, **fields)


def make_plan(cast, coordinator, patient=None, kind=RequestKind.INDIVIDUAL_PLAN):
    request = submit(cast, patient, kind=kind)
    return services.accept_request(request, by=cast.ke_tromso, coordinator=coordinator,
                                   patient_wishes="Someone who speaks slowly")


def activate(cast, plan, by=None):
    by = by or cast.ke_tromso
    services.add_goal(plan, by=by, text="Gå tur med hunden selv")
    services.record_consent(plan, cast.tromso, ConsentScope.PLAN, ConsentMethod.WRITTEN, by=by)
    return services.set_status(plan, PlanStatus.ACTIVE, by=by)
