"""The KE's side of who acts for a patient on the patient's own page (the staff patient
page's "Representatives"): register a parent of a child under 16 or a guardian, end one,
limit a parent's parts at a 12-15-year-old's wish; for the KE of the patient's municipality
only, each step audited, a refused one writing nothing."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from citizen.auth import BACKEND, citizen_user
from pathways import citizen_access, services
from pathways.models import Representation, RepresentationKind
from registry.models import AuditEvent, AuditObjectType
from tests import factories

pytestmark = pytest.mark.django_db


def years_ago(years: int, days: int = 0) -> datetime.date:
    """The birth date of someone who turns `years` in `days` days (0: today)."""
    today = timezone.localdate()
    try:
        born = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        born = today.replace(year=today.year - years, day=28)
    return born + datetime.timedelta(days=days)


def child(cast, years: int):
    """A child of Tromsø who turned `years` a month ago."""
    return factories.patient(cast.ke_tromso, "Emma", "Eriksen", municipality=cast.tromso,
                             birth_date=years_ago(years, -30))


def detail(patient):
    return reverse("pathways:patient_detail", args=[patient.uuid])


def register_url(patient):
    return reverse("pathways:register_representative", args=[patient.uuid])


def parent_number():
    return factories.identity_number(datetime.date(1987, 2, 11))


def register(client, patient, number, **fields):
    data = {"kind": "parent", "name": "Sara Eriksen", "identity_number": number,
            "sees_plan": "on", "sees_meetings": "on", "sees_messages": "on", **fields}
    return client.post(register_url(patient), data)


def test_the_ke_sees_the_section_and_registers_a_parent(cast, client):
    emma = child(cast, 10)
    client.force_login(cast.ke_tromso)
    page = client.get(detail(emma)).content.decode()
    assert 'id="representatives"' in page and register_url(emma) in page
    number = parent_number()
    response = register(client, emma, number)
    assert response.status_code == 302
    row = Representation.objects.get(patient=emma)
    assert (row.kind, row.representative_identity_number, row.scopes) == (
        RepresentationKind.PARENT, number, {"plan", "meetings", "messages"})
    assert AuditEvent.objects.filter(object_type=AuditObjectType.REPRESENTATION,
                                     object_id=str(row.uuid), patient_uuid=emma.uuid,
                                     user=cast.ke_tromso).exists()
    assert "Sara Eriksen" in client.get(detail(emma)).content.decode()
    # The parent's door is open at once.
    parent = citizen_user(number)
    assert [a.patient for a in citizen_access.accesses(parent)] == [emma]


def test_others_who_see_the_patient_neither_see_nor_reach_it(cast, client):
    client.force_login(cast.planner)  # sees Astrid (admitted at UNN), not her KE
    page = client.get(detail(cast.shared)).content.decode()
    assert client.get(detail(cast.shared)).status_code == 200
    assert 'id="representatives"' not in page
    assert client.get(register_url(cast.shared)).status_code == 404
    assert register(client, cast.shared, parent_number(), kind="guardian").status_code == 404
    client.force_login(cast.ke_bodo)
    assert client.get(register_url(cast.shared)).status_code == 404
    assert not Representation.objects.exists()


def test_no_parent_is_registered_for_a_patient_of_16(cast, client):
    sixteen = factories.patient(cast.ke_tromso, "Ida", "Isaksen", municipality=cast.tromso,
                                birth_date=years_ago(16))
    client.force_login(cast.ke_tromso)
    assert 'value="parent"' not in client.get(register_url(sixteen)).content.decode()
    response = register(client, sixteen, parent_number())
    assert response.status_code == 422
    assert not Representation.objects.exists()
    # Past the form, the service says why.
    with pytest.raises(ValidationError, match="16"):
        services.register_representative(
            sixteen, by=cast.ke_tromso, kind=RepresentationKind.PARENT,
            identity_number=parent_number(), name="Sara Eriksen")
    assert not Representation.objects.exists()
    # A guardian, yes.
    assert register(client, sixteen, parent_number(), kind="guardian",
                    note="Statsforvalteren 2026: helse").status_code == 302
    assert Representation.objects.get().kind == RepresentationKind.GUARDIAN


def test_a_wrong_identity_number_is_a_form_error_and_writes_nothing(cast, client):
    emma = child(cast, 10)
    client.force_login(cast.ke_tromso)
    number = parent_number()
    response = register(client, emma, number[:-1] + str((int(number[-1]) + 1) % 10))
    assert response.status_code == 422
    assert "id_identity_number" in response.content.decode()
    assert not Representation.objects.exists()
    assert register(client, emma, emma.identity_number).status_code == 422
    response = register(client, emma, number, sees_plan="", sees_meetings="", sees_messages="")
    assert response.status_code == 422
    assert not Representation.objects.exists()


def test_ending_takes_effect_at_once_and_a_stale_end_is_refused(cast, client):
    emma = child(cast, 10)
    number = parent_number()
    client.force_login(cast.ke_tromso)
    register(client, emma, number)
    row = Representation.objects.get()
    end = reverse("pathways:end_representative", args=[emma.uuid, row.uuid])
    assert client.get(end).status_code == 200
    assert client.post(end, {"version": row.version + 1}).status_code == 409
    assert client.post(end, {"version": row.version}).status_code == 302
    row.refresh_from_db()
    assert row.withdrawn_at is not None and row.withdrawn_by == cast.ke_tromso
    client.force_login(citizen_user(number), backend=BACKEND)
    assert client.get(reverse("citizen:overview", args=[emma.uuid])).status_code == 404
    assert client.get(reverse("citizen:home")).status_code == 200


def test_the_ke_limits_a_parent_at_a_13_year_olds_wish(cast, client):
    emma = child(cast, 13)
    number = parent_number()
    client.force_login(cast.ke_tromso)
    register(client, emma, number)
    row = Representation.objects.get()
    assert reverse("pathways:limit_representative", args=[emma.uuid, row.uuid]) in \
        client.get(detail(emma)).content.decode()
    limit = reverse("pathways:limit_representative", args=[emma.uuid, row.uuid])
    assert client.post(limit, {"version": row.version, "sees_meetings": "on"}).status_code == 302
    row.refresh_from_db()
    assert row.limited_by_child and row.scopes == {"meetings"}
    parent = citizen_user(number)
    assert citizen_access.accesses(parent)[0].parts == {"meetings"}
    # Nothing left is an ending, not a limit.
    assert client.post(limit, {"version": row.version}).status_code == 422


def test_a_child_under_12_is_not_asked_to_limit(cast, client):
    emma = child(cast, 10)
    client.force_login(cast.ke_tromso)
    register(client, emma, parent_number())
    row = Representation.objects.get()
    limit = reverse("pathways:limit_representative", args=[emma.uuid, row.uuid])
    assert limit not in client.get(detail(emma)).content.decode()
    assert client.post(limit, {"version": row.version, "sees_meetings": "on"}).status_code == 422
    row.refresh_from_db()
    assert not row.limited_by_child and row.scopes == {"plan", "meetings", "messages"}
