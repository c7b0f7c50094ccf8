"""Who reads which indicators (indicators.access.scope_for): a KE its municipality and region,
exempt from suppression only in its own; a discharge planner its hospital, trust and region,
exempt nowhere; a regional planner every area and no patient; anybody else nothing."""

import pytest
from django.core.exceptions import PermissionDenied

from indicators import reading
from indicators.access import scope_for
from indicators.areas import areas
from indicators.models import Unit
from indicators.periods import Period
from registry.access import memberships
from registry.models import Membership, OrganizationKind, Role
from tests import factories

from .figures import figure, indicator, region

pytestmark = pytest.mark.django_db


@pytest.fixture
def north(cast):
    return region(cast)


@pytest.fixture
def regional(cast):
    return factories.user("regional", cast.unn_hf, Role.REGIONAL_PLANNER)


def fresh(user):
    user.__dict__.pop("_memberships", None)
    return user


def test_a_ke_reads_its_municipality_and_region_and_sees_its_own_small_counts(cast, north):
    scope = scope_for(cast.ke_tromso)
    assert scope.kind == "municipality"
    assert [(a.kind, a.key) for a in scope.home_areas] == [("municipality", "5501"),
                                                           ("region", "helse_nord")]
    assert scope.exempt_numbers == {"5501"}
    assert scope.may_drill_down


def test_a_discharge_planner_reads_the_hospital_its_trust_and_the_region_exempt_nowhere(
        cast, north):
    scope = scope_for(cast.planner)
    assert scope.kind == "hospital"
    assert [(a.kind, a.name) for a in scope.home_areas] == [
        ("hospital", "UNN Tromsø"), ("health_trust", "Universitetssykehuset Nord-Norge HF"),
        ("region", "Helse Nord")]
    assert scope.exempt_numbers == frozenset()
    assert scope.may_drill_down


def test_a_regional_planner_reads_every_trust_of_the_region_and_never_a_patient(
        cast, north, regional):
    scope = scope_for(regional)
    assert scope.kind == "regional"
    assert {a.name for a in scope.home_areas} == {
        "Universitetssykehuset Nord-Norge HF", "Nordlandssykehuset HF", "Helse Nord"}
    assert scope.exempt_numbers == frozenset()
    assert not scope.may_drill_down


def test_epj_systems_read_as_their_organisation_does(cast, north):
    municipal = factories.api_client(cast.tromso, "Gerica Tromsø").api_client.user
    hospital = factories.api_client(cast.unn, "DIPS UNN").api_client.user
    assert (scope_for(municipal).kind, scope_for(municipal).exempt_numbers) == (
        "municipality", {"5501"})
    assert scope_for(hospital).kind == "hospital"


@pytest.mark.parametrize("who", ["coordinator", "admin", "nobody", "anonymous"])
def test_anybody_else_is_refused(cast, north, who):
    from django.contrib.auth.models import AnonymousUser

    user = {
        "coordinator": cast.coordinator,
        "admin": factories.user("admin_tromso", cast.tromso, Role.ORG_ADMIN),
        "nobody": factories.user("nobody"),
        "anonymous": AnonymousUser(),
    }[who]
    with pytest.raises(PermissionDenied):
        scope_for(user)


def test_a_private_institutions_staff_has_no_scope(cast, north):
    institution = factories.organization(OrganizationKind.PRIVATE_INSTITUTION, "Valnesfjord")
    user = factories.user("valnes", institution, Role.ORG_ADMIN)
    with pytest.raises(PermissionDenied):
        scope_for(user)


def test_a_ke_cannot_see_another_municipalitys_small_cells(cast, north):
    share = indicator(Unit.SHARE)
    figure(share, "2024-04", "5501", 2, 3)
    figure(share, "2024-04", "5532", 20, 40)
    figure(share, "2024-04", "5534", 10, 12)
    figure(share, "2024-04", "1804", 1, 2)
    figure(share, "2024-04", "1840", 30, 60)
    found = areas()
    year = Period.parse("2024")

    def seen_by(user, number):
        scope = scope_for(user, within=found)
        cells = reading.table([share], year, [found.get("municipality", number)],
                              exempt_numbers=scope.exempt_numbers, within=found)
        return cells[(share.code, "municipality", number)]

    assert seen_by(cast.ke_tromso, "5501").display == "66,7 %"
    assert seen_by(cast.ke_bodo, "5501").display == "<5"
    assert seen_by(cast.ke_bodo, "5501").denominator is None
    assert seen_by(cast.ke_tromso, "1804").display == "<5"
    assert seen_by(cast.ke_bodo, "1804").display == "50,0 %"
    assert seen_by(cast.planner, "5501").display == "<5"


def test_a_regional_planner_reaches_no_patient_anywhere(cast, north, regional, client):
    client.force_login(regional)
    patient = cast.shared
    for url in (f"/patients/{patient.uuid}/", f"/patients/{patient.uuid}/pathway/",
                f"/api/v1/patients/{patient.uuid}/", f"/fhir/r4/Patient/{patient.uuid}"):
        response = client.get(url)
        assert response.status_code in (403, 404), url
        assert "Aune" not in response.content.decode(), url
    listed = client.get("/api/v1/patients/")
    assert listed.status_code in (200, 403)
    if listed.status_code == 200:
        assert listed.json()["results"] == []
    bundle = client.get("/fhir/r4/Patient", HTTP_ACCEPT="application/fhir+json").json()
    assert not bundle.get("entry")
    assert Membership.objects.get(user=regional).role == Role.REGIONAL_PLANNER
    assert len(memberships(fresh(regional))) == 1
