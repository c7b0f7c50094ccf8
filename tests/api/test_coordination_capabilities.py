"""Who may do what in coordination (coordination/access.py, docs/api.md): a municipality's
EPJ system with `coordination:write` does what its coordinating unit (KE) does, for that
municipality only; and the web page and the API give one person the same answer."""

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from coordination import services
from coordination.models import IndividualPlan
from registry.models import ApiScope, Role
from tests import factories
from tests.coordination.conftest import activate, kora, make_plan, second_coordinator, submit

__all__ = ["kora", "second_coordinator"]  # fixtures shared with tests/coordination


def epj(organization, scopes=ApiScope.values) -> APIClient:
    return factories.api_client(organization, f"EPJ {organization.name}", scopes)


def etag(plan) -> str:
    return f'W/"{IndividualPlan.objects.get(pk=plan.pk).version}"'


def test_the_municipalitys_epj_system_edits_its_plans_consents_and_evaluations(cast, kora):
    plan = make_plan(cast, kora)
    activate(cast, plan)
    gerica = epj(cast.tromso)
    url = f"/api/v1/individual-plans/{plan.uuid}/"
    changed = gerica.patch(url, {"resources": "Sterk familie"}, format="json",
                           HTTP_IF_MATCH=etag(plan))
    assert changed.status_code == 200, changed.json()
    consent = gerica.post(f"{url}consents/", {
        "organization": str(cast.bodo.uuid), "scope": "information_sharing",
        "method": "written"}, format="json", HTTP_IF_MATCH=etag(plan))
    assert consent.status_code == 201, consent.json()
    revoked = gerica.post(f"{url}consents/{consent.json()['uuid']}/revoke/",
                          HTTP_IF_MATCH=etag(plan))
    assert revoked.status_code == 200, revoked.json()
    evaluation = gerica.post(f"{url}evaluations/", {
        "evaluated_on": timezone.localdate().isoformat(), "summary": "Bra"}, format="json",
        HTTP_IF_MATCH=etag(plan))
    assert evaluation.status_code == 201, evaluation.json()


def test_the_municipalitys_epj_system_decides_requests_and_appoints(cast, kora,
                                                                   second_coordinator):
    gerica = epj(cast.tromso)
    plan_request = submit(cast)
    accepted = gerica.post(f"/api/v1/plan-requests/{plan_request.uuid}/accept/",
                           {"coordinator": str(kora.uuid)}, format="json")
    assert accepted.status_code == 200, accepted.json()
    plan = IndividualPlan.objects.get(uuid=accepted.json()["plan"])
    reassigned = gerica.post(f"/api/v1/individual-plans/{plan.uuid}/coordinator/",
                             {"coordinator": str(second_coordinator.uuid)}, format="json",
                             HTTP_IF_MATCH=etag(plan))
    assert reassigned.status_code == 200, reassigned.json()
    profile = gerica.patch(f"/api/v1/coordinators/{kora.uuid}/", {"capacity": 4},
                           format="json", HTTP_IF_MATCH=f'W/"{kora.version}"')
    assert profile.status_code == 200, profile.json()


def test_another_municipalitys_epj_system_does_nothing(cast, kora):
    plan = make_plan(cast, kora)
    bodo = epj(cast.bodo)
    assert bodo.patch(f"/api/v1/individual-plans/{plan.uuid}/", {"resources": "x"},
                      format="json", HTTP_IF_MATCH=etag(plan)).status_code == 404
    assert bodo.patch(f"/api/v1/coordinators/{kora.uuid}/", {"capacity": 4}, format="json",
                      HTTP_IF_MATCH='W/"1"').status_code == 404
    plan_request = submit(cast, cast.shared)
    assert bodo.post(f"/api/v1/plan-requests/{plan_request.uuid}/start-assessment/"
                     ).status_code == 404


def test_a_granted_scope_is_needed_all_the_same(cast, kora):
    plan = make_plan(cast, kora)
    reader = epj(cast.tromso, scopes=["coordination:read"])
    response = reader.patch(f"/api/v1/individual-plans/{plan.uuid}/", {"resources": "x"},
                            format="json", HTTP_IF_MATCH=etag(plan))
    assert response.status_code == 403


@pytest.mark.parametrize(("member", "allowed"), [
    ("ke_tromso", True), ("org_admin", False), ("coordinator", False)])
def test_the_web_page_and_the_api_agree_on_who_changes_a_coordinator_profile(
        cast, kora, client, member, allowed):
    person = (factories.user("admin_tromso", cast.tromso, Role.ORG_ADMIN)
              if member == "org_admin" else getattr(cast, member))
    client.force_login(person)
    web = client.post(f"/ke/coordinators/{kora.uuid}/", {"capacity": 3})
    api = APIClient()
    api.force_login(person)
    kora.refresh_from_db()
    response = api.patch(f"/api/v1/coordinators/{kora.uuid}/", {"capacity": 4}, format="json",
                         HTTP_IF_MATCH=f'W/"{kora.version}"')
    web_allowed = web.status_code < 400
    api_allowed = response.status_code == 200
    assert (web_allowed, api_allowed) == (allowed, allowed), (web.status_code,
                                                              response.status_code)
    kora.refresh_from_db()
    assert (kora.capacity == 4) is allowed
    assert services.coordinators_with_load(cast.tromso).filter(pk=kora.pk).exists()
