"""Who may act for the patient, from the patient's side: Astrid gives her daughter access to
meetings only (the daughter sees the meetings, not the plan) and takes it back (the daughter
is out at once); a bad identity number or a second live grant is a precise error and writes
nothing; a parent's access ends on the child's 16th birthday; a guardian the KE registered
is shown to the patient but is not theirs to end."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from citizen.auth import BACKEND, citizen_user
from pathways import services
from pathways.models import Representation, RepresentationKind
from registry.models import AuditAction, AuditEvent, AuditObjectType
from tests import factories

pytestmark = pytest.mark.django_db


def url(name, patient, *args):
    return reverse(f"citizen:{name}", args=[patient.uuid, *args])


def sign_in(client, identity_number, given_name="Astrid"):
    user = citizen_user(identity_number, given_name=given_name, family_name="Aune")
    client.force_login(user, backend=BACKEND)
    return user


def born_years_ago(years: int, days: int = 0) -> datetime.date:
    """Who turns `years` in `days` days (0: today)."""
    today = timezone.localdate()
    try:
        born = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        born = today.replace(year=today.year - years, day=28)
    return born + datetime.timedelta(days=days)


@pytest.fixture
def plan(cast):
    plan = factories.individual_plan(cast, factories.coordinator(cast), cast.shared)
    factories.activate_plan(cast, plan)
    return plan


@pytest.fixture
def daughter_number():
    return factories.identity_number(datetime.date(1976, 4, 2))


def grant(client, patient, number, **fields):
    data = {"name": "Dina Aune", "identity_number": number, **fields}
    return client.post(url("rights_representatives", patient), data)


def test_astrid_gives_her_daughter_meetings_only_and_takes_it_back(
        cast, plan, client, daughter_number):
    astrid = sign_in(client, cast.shared.identity_number)
    response = grant(client, cast.shared, daughter_number, sees_meetings="on")
    assert response.status_code == 302
    row = Representation.objects.get(patient=cast.shared)
    assert (row.kind, row.scopes, row.created_by) == (
        RepresentationKind.NEXT_OF_KIN, {"meetings"}, astrid)
    assert AuditEvent.objects.filter(
        user=astrid, action=AuditAction.CREATE, object_type=AuditObjectType.REPRESENTATION,
        object_id=str(row.uuid), patient_uuid=cast.shared.uuid).exists()
    page = client.get(url("rights_representatives", cast.shared)).content.decode()
    assert "Dina Aune" in page and "møter" in page
    # The daughter, signing in herself: the meetings, not the plan.
    client.logout()
    sign_in(client, daughter_number, given_name="Dina")
    assert client.get(url("meetings", cast.shared)).status_code == 200
    assert client.get(url("plan", cast.shared)).status_code == 404
    assert client.get(url("messages", cast.shared)).status_code == 404
    # Astrid takes it back; the daughter's next click is a 404.
    daughter_client = client.__class__()
    sign_in(daughter_client, daughter_number, given_name="Dina")
    client.logout()
    sign_in(client, cast.shared.identity_number)
    withdraw = url("rights_representative_withdraw", cast.shared, row.uuid)
    assert withdraw in page
    assert "Vil du ta tilbake tilgangen fra Dina Aune?" in client.get(withdraw).content.decode()
    response = client.post(withdraw, {"version": row.version}, follow=True)
    assert "Dina Aune har ikke lenger tilgang til siden din." in response.content.decode()
    assert daughter_client.get(url("meetings", cast.shared)).status_code == 404
    assert daughter_client.get(url("overview", cast.shared)).status_code == 404
    row.refresh_from_db()
    assert row.withdrawn_by == astrid
    assert "Tilganger som er avsluttet" in client.get(
        url("rights_representatives", cast.shared)).content.decode()


def test_a_stale_withdrawal_is_refused(cast, plan, client, daughter_number):
    sign_in(client, cast.shared.identity_number)
    grant(client, cast.shared, daughter_number, sees_plan="on")
    row = Representation.objects.get()
    withdraw = url("rights_representative_withdraw", cast.shared, row.uuid)
    assert client.post(withdraw, {"version": row.version + 1}).status_code == 409
    row.refresh_from_db()
    assert row.withdrawn_at is None


def test_an_invalid_identity_number_is_a_form_error_and_writes_nothing(
        cast, plan, client, daughter_number):
    sign_in(client, cast.shared.identity_number)
    wrong = daughter_number[:-1] + str((int(daughter_number[-1]) + 1) % 10)
    before = AuditEvent.objects.filter(object_type=AuditObjectType.REPRESENTATION,
                                       action=AuditAction.CREATE).count()
    for number, words in ((wrong, "kontrollsifrene"), ("1234", "11 siffer"),
                          (cast.shared.identity_number, "")):
        response = grant(client, cast.shared, number, sees_meetings="on")
        assert response.status_code == 422, number
        page = response.content.decode()
        assert 'href="#id_identity_number"' in page
        assert words.lower() in page.lower()
    response = grant(client, cast.shared, daughter_number)  # no part
    assert response.status_code == 422
    assert 'href="#id_sees_plan"' in response.content.decode()
    assert not Representation.objects.exists()
    assert AuditEvent.objects.filter(object_type=AuditObjectType.REPRESENTATION,
                                     action=AuditAction.CREATE).count() == before


def test_a_second_live_grant_to_the_same_person_is_refused(cast, plan, client,
                                                          daughter_number):
    sign_in(client, cast.shared.identity_number)
    assert grant(client, cast.shared, daughter_number, sees_meetings="on").status_code == 302
    response = grant(client, cast.shared, daughter_number, sees_plan="on")
    assert response.status_code == 422
    assert "Dina Aune har allerede tilgang." in response.content.decode()
    assert Representation.objects.get().scopes == {"meetings"}


def test_choosing_a_registered_next_of_kin_fills_in_the_name(cast, plan, client,
                                                             daughter_number):
    kin = services.add_next_of_kin(cast.shared, by=cast.planner, name="Dina Aune",
                                   relation="datter")
    sign_in(client, cast.shared.identity_number)
    assert "Dina Aune (datter)" in client.get(url("rights_representatives", cast.shared)) \
        .content.decode()
    response = client.post(url("rights_representatives", cast.shared), {
        "next_of_kin": kin.pk, "identity_number": daughter_number, "sees_messages": "on"})
    assert response.status_code == 302
    row = Representation.objects.get()
    assert (row.representative_name, row.next_of_kin) == ("Dina Aune", kin)
    # Another patient's next of kin is not on offer.
    other = services.add_next_of_kin(cast.bodo_only, by=cast.ke_bodo, name="Bo Bakken",
                                     relation="sønn")
    response = client.post(url("rights_representatives", cast.shared), {
        "next_of_kin": other.pk, "identity_number": factories.identity_number(),
        "sees_messages": "on"})
    assert response.status_code == 422


def _child_with_parent(cast, birth_date):
    child = factories.patient(cast.ke_tromso, "Emma", "Eriksen", municipality=cast.tromso,
                              birth_date=birth_date)
    number = factories.identity_number(datetime.date(1987, 2, 11))
    services.register_representative(child, by=cast.ke_tromso, kind=RepresentationKind.PARENT,
                                     identity_number=number, name="Sara Eriksen")
    return child, number


def test_a_parent_sees_a_15_year_old_and_not_on_the_16th_birthday(cast, client):
    fifteen, parent = _child_with_parent(cast, born_years_ago(16, days=1))  # 16 tomorrow
    sign_in(client, parent, given_name="Sara")
    assert client.get(url("overview", fifteen)).status_code == 200
    assert client.get(url("meetings", fifteen)).status_code == 200
    # The same parent of a child whose 16th birthday is today.
    sixteen, other_parent = _child_with_parent(cast, born_years_ago(16, days=30))
    type(sixteen).objects.filter(pk=sixteen.pk).update(birth_date=born_years_ago(16))
    sign_in(client, other_parent, given_name="Sara")
    assert client.get(url("overview", sixteen)).status_code == 404
    assert client.get(url("meetings", sixteen)).status_code == 404
    # The young person sees it as ended at 16, and may give the parent access anew.
    sign_in(client, sixteen.identity_number, given_name="Emma")
    page = client.get(url("rights_representatives", sixteen)).content.decode()
    assert "Da du fylte 16 år" in page
    assert grant(client, sixteen, other_parent, name="Sara Eriksen",
                 sees_meetings="on").status_code == 302
    sign_in(client, other_parent, given_name="Sara")
    assert client.get(url("meetings", sixteen)).status_code == 200
    assert client.get(url("plan", sixteen)).status_code == 404


def test_a_child_under_16_gives_no_one_access(cast, client, daughter_number):
    child, _parent = _child_with_parent(cast, born_years_ago(14, days=-30))
    sign_in(client, child.identity_number, given_name="Emma")
    page = client.get(url("rights_representatives", child)).content.decode()
    assert "Før du fyller 16 år, er det foreldrene dine som handler for deg." in page
    assert 'name="identity_number"' not in page
    grant(client, child, daughter_number, sees_meetings="on")
    assert Representation.objects.filter(patient=child).count() == 1  # the parent alone


def test_a_guardian_registered_by_the_ke_is_shown_but_not_the_patients_to_end(
        cast, plan, client):
    number = factories.identity_number(datetime.date(1960, 8, 8))
    guardian = services.register_representative(
        cast.shared, by=cast.ke_tromso, kind=RepresentationKind.GUARDIAN,
        identity_number=number, name="Verge Vik", note="Statsforvalteren: helse og omsorg")
    astrid = sign_in(client, cast.shared.identity_number)
    page = client.get(url("rights_representatives", cast.shared)).content.decode()
    assert "Verge Vik" in page and "En verge som er oppnevnt for deg." in page
    withdraw = url("rights_representative_withdraw", cast.shared, guardian.uuid)
    assert withdraw not in page
    assert client.post(withdraw, {"version": guardian.version}).status_code == 302
    guardian.refresh_from_db()
    assert guardian.withdrawn_at is None
    with pytest.raises(PermissionDenied):
        services.withdraw_representation(guardian, by=astrid,
                                         expected_version=guardian.version)
    # The guardian is in, with every part (the KE's default).
    sign_in(client, number, given_name="Verge")
    assert client.get(url("overview", cast.shared)).status_code == 200
    assert client.get(url("meetings", cast.shared)).status_code == 200


def test_the_grant_is_in_the_patients_log(cast, plan, client, daughter_number):
    sign_in(client, cast.shared.identity_number)
    grant(client, cast.shared, daughter_number, sees_meetings="on")
    page = client.get(url("rights_log", cast.shared)).content.decode()
    assert "<strong>Du selv</strong> ga noen tilgang til siden din" in page
