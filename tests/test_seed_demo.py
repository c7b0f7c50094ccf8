"""`manage.py seed_demo`: the Helse Nord demo region, loaded as often as `make run` starts."""

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from coordination import services as coordination_services
from coordination.models import (
    Consent,
    Coordinator,
    CoordinatorAssignment,
    Goal,
    IndividualPlan,
    Measure,
    PlanParticipant,
    PlanRequest,
    PlanStatus,
    PlanVersion,
    RequestStatus,
)
from pathways import demo_data as demo
from pathways.identity import parse_identity_number
from pathways.models import CareRelationship, NextOfKin, Patient
from referrals import demo as referrals_demo
from registry.models import (
    ApiClient,
    ApiKey,
    AuditEvent,
    CoordinatingUnit,
    Department,
    Membership,
    Organization,
    OrganizationKind,
    Role,
    ServiceLevel,
    ServiceOffering,
    TargetGroup,
    User,
    Ward,
)

pytestmark = pytest.mark.django_db

MODELS = [Organization, CoordinatingUnit, ServiceOffering, TargetGroup, User, Membership,
          ApiClient, ApiKey, Patient, NextOfKin, CareRelationship, AuditEvent,
          ServiceOffering.target_groups.through, ServiceOffering.municipalities_served.through,
          PlanRequest, Coordinator, IndividualPlan, CoordinatorAssignment, Goal, Measure,
          PlanParticipant, Consent, PlanVersion, Ward, Department]


def seed(**options) -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, stderr=StringIO(), **options)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


@pytest.fixture
def seeded():
    return seed()


def test_it_is_idempotent(seeded):
    first = counts()
    # The pathway's demo patients, the referrals', and the one PLO's admission message brings.
    assert first["Patient"] == len(demo.PATIENTS) + len(referrals_demo.PATIENTS) + 1
    assert (first["PlanRequest"], first["IndividualPlan"], first["Coordinator"],
            first["Goal"], first["Measure"]) == (2, 1, 2, 3, 3)
    seed()
    assert counts() == first


def _user(username):
    return User.objects.get(username=username)


def _astrid_plan():
    return IndividualPlan.objects.get(patient__given_name="Astrid",
                                      municipality__municipality_number="5501")


def test_the_tromso_ke_sees_the_waiting_request_the_coordinators_and_the_plan_due(seeded,
                                                                                   client):
    waiting = PlanRequest.objects.get(patient__given_name="Tor", status=RequestStatus.RECEIVED)
    assert waiting.submitter_name == "Fastlege Dr. Hansen"
    assert coordination_services.waiting_days(waiting) == 4
    plan = _astrid_plan()
    client.force_login(_user("ke.tromso"))
    response = client.get("/ke/overview/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f"/plan-requests/{waiting.uuid}/accept/" in html and "Tor Tindvik" in html
    # Due for evaluation: the patient's name leads to the patient, the row's link to the plan.
    assert f'href="/patients/{plan.patient.uuid}/">Astrid Aune</a>' in html
    assert f'href="/plans/{plan.uuid}/" id="due-plan-{plan.uuid}"' in html
    assert "Kora Koordinator" in html and "Frida Fjellheim" in html


def test_the_outsider_sees_none_of_it(seeded, client):
    client.force_login(_user("ke.bodo"))
    html = client.get("/ke/overview/").content.decode()
    assert "Tor Tindvik" not in html and "Astrid Aune" not in html
    assert client.get(f"/plans/{_astrid_plan().uuid}/").status_code == 404


def test_astrids_plan_is_in_force_in_her_own_words_and_due_for_evaluation(seeded, client):
    plan = _astrid_plan()
    assert plan.status == PlanStatus.ACTIVE
    assert plan.coordinator.user.username == "koordinator.tromso"
    assert plan.coordinator.profession == "Ergoterapeut" and plan.coordinator.capacity == 8
    today = timezone.localdate()
    assert today <= plan.next_evaluation_on <= today + datetime.timedelta(days=30)
    assert plan.goals.filter(parent__isnull=False, target_date__isnull=False).exists()
    levels = {m.service.level.code if m.service else None for m in plan.measures.all()}
    assert levels == {"3", "2", None}
    assert set(plan.participants.values_list("name", flat=True)) >= {"Astrid Aune", "Ola Aune"}
    assert plan.consents.filter(scope="plan", organization__name="Tromsø").exists()

    client.force_login(_user("koordinator.tromso"))
    response = client.get(f"/plans/{plan.uuid}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Å klare meg selv hjemme og gå tur med hunden igjen." in html
    assert "Tverrfaglig rehabiliteringsteam, Tromsø kommune" in html


def test_it_leaves_alone_what_a_demo_user_did_since(seeded):
    ke = _user("ke.tromso")
    waiting = PlanRequest.objects.get(patient__given_name="Tor")
    coordination_services.decline_request(waiting, by=ke, reason="Demo.",
                                          coordinator_offered=True)
    plan = _astrid_plan()
    coordination_services.set_status(plan, PlanStatus.CLOSED, by=ke)
    before = counts()
    seed()
    assert counts() == before
    assert PlanRequest.objects.get(pk=waiting.pk).status == RequestStatus.DECLINED
    assert IndividualPlan.objects.get(pk=plan.pk).status == PlanStatus.CLOSED


def test_every_hospital_has_wards_and_the_planners_theirs(seeded):
    hospitals = Organization.objects.filter(kind=OrganizationKind.HOSPITAL)
    assert set(Ward.objects.values_list("hospital", flat=True)) == set(
        hospitals.values_list("pk", flat=True))
    own = dict(Membership.objects.filter(role=Role.DISCHARGE_PLANNER).values_list(
        "user__username", "ward__code"))
    assert own == {"planlegger.unn": "SLAG", "planlegger.nlsh": "ORT"}


def test_the_demo_planners_board_opens_on_her_ward_full_of_patients(seeded, client):
    client.force_login(User.objects.get(username="planlegger.unn"))
    response = client.get(reverse("pathways:ward_board"))
    assert response.status_code == 200
    assert response.context["ward"].name == "Slagenheten"
    assert sorted(row.patient.given_name for row in response.context["rows"]) == [
        "Astrid", "Johan"]


def test_it_puts_services_on_every_level_of_the_pyramid(seeded):
    levels = ServiceLevel.objects.all()
    assert {level.code for level in levels} >= {"1", "2", "3", "4", "5.1", "5.2", "5.3"}
    for level in levels:
        assert ServiceOffering.objects.filter(level=level, active=True).exists(), level.code


def test_it_uses_only_synthetic_identity_numbers(seeded):
    numbers = list(Patient.objects.values_list("identity_number", flat=True))
    assert len(numbers) == len(demo.PATIENTS) + len(referrals_demo.PATIENTS) + 1  # PLO's
    for number in numbers:
        assert int(number[2:4]) > 80, number
        assert parse_identity_number(number, allow_synthetic=True).synthetic


def test_it_loads_the_helse_nord_organisations_of_seed_001(seeded):
    rhf = Organization.objects.get(name="Helse Nord RHF")
    trusts = set(rhf.children.values_list("name", flat=True))
    assert trusts == {"Universitetssykehuset Nord-Norge HF", "Nordlandssykehuset HF",
                      "Finnmarkssykehuset HF", "Helgelandssykehuset HF"}
    assert Organization.objects.filter(kind=OrganizationKind.HOSPITAL).count() == 11
    private = set(Organization.objects.filter(kind=OrganizationKind.PRIVATE_INSTITUTION)
                  .values_list("name", flat=True))
    assert {"Valnesfjord Helsesportsenter", "ViGØR", "Skibotn Helse og rehabilitering"} <= private
    tromso = Organization.objects.get(municipality_number="5501")
    assert tromso.name == "Tromsø" and tromso.population > 70_000
    assert "07459" in tromso.population_source
    for org in Organization.objects.all():
        org.full_clean()  # valid (synthetic) organisation numbers, hospitals under trusts


def test_it_gives_every_municipality_and_trust_and_the_region_a_coordinating_unit(seeded):
    needing = Organization.objects.filter(kind__in=[
        OrganizationKind.MUNICIPALITY, OrganizationKind.HEALTH_TRUST,
        OrganizationKind.REGIONAL_HEALTH_AUTHORITY])
    assert needing.count() == len(demo.MUNICIPALITIES) + len(demo.HEALTH_TRUSTS) + 1
    assert not needing.filter(coordinating_unit__isnull=True).exists()


def test_every_demo_user_signs_in_with_the_printed_password(seeded, client):
    assert "planlegger.unn-demo" in seeded
    for username in [demo.SUPERUSER, *(row[0] for row in demo.DEMO_USERS)]:
        response = client.post("/accounts/login/", {
            "username": username, "password": demo.demo_password(username)})
        assert response.status_code == 302, username
        client.logout()
    assert User.objects.get(username="admin").is_superuser
    roles = set(Membership.objects.filter(user__username__in=[u[0] for u in demo.DEMO_USERS])
                .values_list("role", flat=True))
    assert roles >= {Role.DISCHARGE_PLANNER, Role.KE_STAFF, Role.COORDINATOR, Role.ORG_ADMIN}


def test_the_cast_sees_the_patients_their_care_relationships_give_them(seeded):
    def visible(username):
        user = User.objects.get(username=username)
        return set(Patient.objects.visible_to(user).values_list("given_name", flat=True))

    assert "Astrid" in visible("planlegger.unn")
    assert "Astrid" in visible("ke.tromso") and "Tor" in visible("ke.tromso")
    assert visible("koordinator.tromso") == {"Astrid"}
    assert "Astrid" not in visible("ke.bodo") and "Berit" in visible("ke.bodo")
    assert visible("admin.tromso") == set()
    assert AuditEvent.objects.filter(object_type="patient", action="create").count() == \
        len(demo.PATIENTS) + len(referrals_demo.PATIENTS) + 1  # PLO's admission message


def test_the_published_api_key_authenticates_as_unn(seeded, client):
    response = client.get("/api/v1/", HTTP_AUTHORIZATION=f"Bearer {demo.API_KEY}")
    assert response.status_code == 200
    key = ApiKey.objects.get(prefix=demo.API_KEY_PREFIX)
    assert key.client.organization.name == "UNN Tromsø"
    # the random first key create_api_client made was never shown: it is revoked
    assert not key.client.keys.exclude(pk=key.pk).filter(revoked_at__isnull=True).exists()
    assert demo.API_KEY in seeded


def test_it_restores_a_revoked_demo_key(seeded, client):
    from django.utils import timezone

    ApiKey.objects.filter(prefix=demo.API_KEY_PREFIX).update(revoked_at=timezone.now())
    seed()
    assert ApiKey.objects.get(prefix=demo.API_KEY_PREFIX).revoked_at is None


def test_it_refuses_to_run_under_production_settings_without_force(settings):
    settings.DEMO_DATA_ALLOWED = False
    with pytest.raises(CommandError, match="--force"):
        seed()
    assert not User.objects.exists()
    seed(force=True)
    assert User.objects.filter(username="planlegger.unn").exists()


def test_it_leaves_out_patients_where_synthetic_numbers_are_refused(settings):
    settings.ALLOW_SYNTHETIC_IDENTITY_NUMBERS = False
    seed()
    assert not Patient.objects.exists()
    assert not PlanRequest.objects.exists() and not IndividualPlan.objects.exists()
    assert User.objects.filter(username="planlegger.unn").exists()


def test_summary_prints_the_credentials_only_once_they_exist():
    assert "No demo data loaded" in seed(summary=True)
    assert not User.objects.exists()
    seed()
    out = seed(summary=True)
    assert "koordinator.tromso-demo" in out
    assert demo.API_KEY in out
