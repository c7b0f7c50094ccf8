import uuid

import pytest

from registry.models import AuditAction, AuditEvent, Role, ServiceOffering
from tests import factories

from .support import error, written


@pytest.fixture
def admin_tromso(cast):
    return factories.user("admin_tromso", cast.tromso, Role.ORG_ADMIN)


@pytest.fixture
def team(cast):
    return factories.service(
        cast.tromso, "3", "Tverrfaglig team Tromsø", waiting_days=14,
        target_groups=[factories.target_group("hjerneslag", "Hjerneslag")],
    )


def new_service(cast, **overrides) -> dict:
    data = {"provider": str(cast.tromso.uuid), "level": "2", "name": "Hverdagsrehabilitering",
            "target_groups": [], "municipalities_served": [str(cast.bodo.uuid)]}
    data.update(overrides)
    return data


def service_url(offering) -> str:
    return f"/api/v1/services/{offering.uuid}/"


def test_it_lists_services_to_any_signed_in_user(cast, api, team):
    response = api(cast.ke_bodo).get("/api/v1/services/")
    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row["provider"] == str(cast.tromso.uuid)
    assert row["level"] == "3"
    assert row["target_groups"] == ["hjerneslag"]


def test_it_refuses_services_to_anonymous_callers(cast, api, team):
    assert api().get("/api/v1/services/").status_code == 401
    assert api().get(service_url(team)).status_code == 401


def test_it_shows_a_service(cast, api, team):
    response = api(cast.coordinator).get(service_url(team))
    assert response.status_code == 200
    assert response.json()["waiting_days"] == 14


def test_it_answers_404_for_an_unknown_service(cast, api):
    response = api(cast.coordinator).get(f"/api/v1/services/{uuid.uuid4()}/")
    assert response.status_code == 404


def test_it_filters_services_by_level_and_by_municipality_served(cast, api, team):
    served = factories.service(cast.bodo, "2", "Hverdagsrehabilitering Bodø",
                               municipalities_served=[cast.tromso])
    factories.service(cast.bodo, "4", "Korttidsplasser Bodø")
    client = api(cast.ke_tromso)
    by_level = client.get("/api/v1/services/", {"level": "3"}).json()["results"]
    assert [row["uuid"] for row in by_level] == [str(team.uuid)]
    for_tromso = client.get("/api/v1/services/",
                            {"municipality": str(cast.tromso.uuid)}).json()["results"]
    assert {row["uuid"] for row in for_tromso} == {str(team.uuid), str(served.uuid)}


def test_it_lets_the_providers_org_admin_add_a_service(cast, api, admin_tromso):
    factories.target_group("hofte", "Hoftebrudd")
    response = api(admin_tromso).post(
        "/api/v1/services/", new_service(cast, target_groups=["hofte"]), format="json"
    )
    assert response.status_code == 201, response.json()
    offering = ServiceOffering.objects.get(uuid=response.json()["uuid"])
    assert response["Location"].endswith(service_url(offering))
    assert offering.provider == cast.tromso
    assert offering.created_by == admin_tromso
    assert list(offering.municipalities_served.all()) == [cast.bodo]
    assert list(offering.target_groups.values_list("code", flat=True)) == ["hofte"]
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, object_type="service_offering",
                                     object_id=str(offering.uuid), role=Role.ORG_ADMIN).exists()


def test_it_refuses_a_new_service_to_staff_without_the_admin_role(cast, api):
    before = written()
    response = api(cast.ke_tromso).post("/api/v1/services/", new_service(cast), format="json")
    assert response.status_code == 403
    assert error(response)["code"] == "permission_denied"
    assert written() == before


def test_it_refuses_a_new_service_for_another_organisation(cast, api, admin_tromso):
    before = written()
    response = api(admin_tromso).post(
        "/api/v1/services/", new_service(cast, provider=str(cast.bodo.uuid)), format="json"
    )
    assert response.status_code == 403
    assert written() == before


@pytest.mark.parametrize("overrides, field", [
    ({"capacity": 200_000}, "capacity"),
    ({"capacity": -1}, "capacity"),
    ({"level": "9"}, "level"),
    ({"target_groups": ["ukjent"]}, "target_groups"),
    ({"municipalities_served": [str(uuid.uuid4())]}, "municipalities_served"),
    ({"provider": str(uuid.uuid4())}, "provider"),
    ({"name": ""}, "name"),
])
def test_it_refuses_an_invalid_service(cast, api, admin_tromso, overrides, field):
    before = written()
    response = api(admin_tromso).post("/api/v1/services/", new_service(cast, **overrides),
                                      format="json")
    assert response.status_code == 400
    assert list(error(response)["fields"]) == [field]
    assert written() == before


def test_it_lets_the_providers_org_admin_change_a_service(cast, api, admin_tromso, team):
    response = api(admin_tromso).patch(service_url(team), {"capacity": 30, "active": False},
                                       format="json", HTTP_IF_MATCH='W/"1"')
    assert response.status_code == 200
    assert response.json()["capacity"] == 30
    team.refresh_from_db()
    assert (team.capacity, team.active, team.updated_by) == (30, False, admin_tromso)
    assert AuditEvent.objects.filter(action=AuditAction.UPDATE, object_id=str(team.uuid),
                                     detail="active, capacity").exists()


def test_the_waiting_time_is_computed_and_cannot_be_typed_in(cast, api, admin_tromso, team):
    """It comes from the service's waiting list and recent starts (referrals.waiting)."""
    response = api(admin_tromso).patch(service_url(team), {"waiting_days": 1}, format="json",
                                       HTTP_IF_MATCH='W/"1"')
    assert response.status_code == 400
    assert list(error(response)["fields"]) == ["waiting_days"]
    team.refresh_from_db()
    assert (team.waiting_days, team.version) == (14, 1)


def test_it_returns_the_changed_target_groups(cast, api, admin_tromso, team):
    factories.target_group("ms", "MS")
    response = api(admin_tromso).patch(service_url(team), {"target_groups": ["ms"]},
                                       format="json", HTTP_IF_MATCH='W/"1"')
    assert response.json()["target_groups"] == ["ms"]


def test_it_refuses_changes_by_staff_without_the_admin_role(cast, api, team):
    before = written()
    response = api(cast.ke_tromso).patch(service_url(team), {"capacity": 1}, format="json",
                                         HTTP_IF_MATCH='W/"1"')
    assert response.status_code == 403
    assert written() == before
    team.refresh_from_db()
    assert team.capacity != 1


def test_it_refuses_changes_by_another_organisations_admin(cast, api, team):
    admin_bodo = factories.user("admin_bodo", cast.bodo, Role.ORG_ADMIN)
    response = api(admin_bodo).patch(service_url(team), {"capacity": 1}, format="json",
                                     HTTP_IF_MATCH='W/"1"')
    assert response.status_code == 403


def test_it_refuses_to_hand_a_service_to_an_organisation_one_does_not_administer(
        cast, api, admin_tromso, team):
    response = api(admin_tromso).patch(service_url(team), {"provider": str(cast.bodo.uuid)},
                                       format="json", HTTP_IF_MATCH='W/"1"')
    assert response.status_code == 403
    team.refresh_from_db()
    assert team.provider == cast.tromso


def test_it_answers_404_to_a_change_of_an_unknown_service(cast, api, admin_tromso):
    response = api(admin_tromso).patch(f"/api/v1/services/{uuid.uuid4()}/", {"name": "X"},
                                       format="json", HTTP_IF_MATCH='W/"1"')
    assert response.status_code == 404


def test_it_refuses_an_invalid_change(cast, api, admin_tromso, team):
    response = api(admin_tromso).patch(service_url(team), {"capacity": -3}, format="json",
                                       HTTP_IF_MATCH='W/"1"')
    assert response.status_code == 400
    assert list(error(response)["fields"]) == ["capacity"]


def test_a_change_needs_the_etag_of_the_last_read(cast, api, admin_tromso, team):
    client = api(admin_tromso)
    read = client.get(service_url(team))
    assert read["ETag"] == 'W/"1"'
    missing = client.patch(service_url(team), {"capacity": 5}, format="json")
    assert missing.status_code == 428
    changed = client.patch(service_url(team), {"capacity": 5}, format="json",
                           HTTP_IF_MATCH=read["ETag"])
    assert changed.status_code == 200
    assert changed["ETag"] == 'W/"2"'
    stale = client.patch(service_url(team), {"capacity": 9}, format="json",
                         HTTP_IF_MATCH=read["ETag"])
    assert stale.status_code == 412
    assert stale["ETag"] == 'W/"2"'
    team.refresh_from_db()
    assert team.capacity == 5
