"""The ward board and the admit form on registered wards (registry.Ward): the board opens on
the planner's own ward (Membership.ward) with that ward's patients, the picker offers the
hospital's wards by department, and the forms offer only the hospital's open wards."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from registry.models import Membership, OrganizationKind, Role
from tests import factories
from tests.factories import admit

HTMX = {"HTTP_HX_REQUEST": "true"}


def board(client, path=None, **params):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nb"
    return client.get(path or reverse("pathways:ward_board"), params)


def rows(response) -> list[str]:
    return sorted(row.patient.family_name for row in response.context["rows"])


@pytest.fixture
def two_wards(cast):
    """Astrid on the stroke unit (the planner's own ward), Nils on orthopaedics."""
    orthopaedics = factories.ward(cast.unn, "Ortopedisk sengepost", code="ORT",
                                  department="Ortopedisk avdeling")
    factories.tie_to_ward(cast.planner, cast.unn, "Slag")
    admit(cast)
    admit(cast, patient=factories.patient(cast.planner, "Nils", "Nyvik",
                                          municipality=cast.tromso), ward=orthopaedics)
    return orthopaedics


def test_the_board_opens_on_the_planners_ward_with_its_patients_only(client, cast, two_wards):
    client.force_login(cast.planner)
    response = board(client)
    assert response.status_code == 200
    assert response.context["ward"] == cast.stroke_unit
    assert rows(response) == ["Aune"]  # not Nils, who lies on orthopaedics
    html = response.content.decode()
    assert re.search(r"Avdeling Slag:\s+1 pasient<", html)
    # The picker: all wards, and the hospital's wards by department, the own one marked.
    assert '<option value="all">Alle avdelinger</option>' in html
    assert '<optgroup label="Nevrologisk avdeling">' in html
    assert '<option value="SLAG" selected>Slag (din avdeling)</option>' in html
    assert '<optgroup label="Ortopedisk avdeling">' in html
    assert '<option value="ORT">Ortopedisk sengepost</option>' in html


def test_another_planner_opens_on_her_own_ward(client, cast, two_wards):
    ortho_planner = factories.user("ortho", cast.unn, Role.DISCHARGE_PLANNER)
    Membership.objects.filter(user=ortho_planner).update(ward=two_wards)
    client.force_login(ortho_planner)
    assert rows(board(client)) == ["Nyvik"]
    assert rows(board(client, ward="SLAG")) == ["Aune"]
    assert rows(board(client, ward=str(cast.stroke_unit.uuid))) == ["Aune"]
    assert rows(board(client, ward="all")) == ["Aune", "Nyvik"]


def test_a_planner_without_a_ward_sees_the_whole_hospital(client, cast, two_wards):
    Membership.objects.filter(user=cast.planner).update(ward=None)
    client.force_login(cast.planner)
    response = board(client)
    assert response.context["ward"] is None and rows(response) == ["Aune", "Nyvik"]


def test_an_unknown_ward_or_another_hospitals_is_a_404(client, cast, two_wards):
    harstad = factories.organization(OrganizationKind.HOSPITAL, "UNN Harstad",
                                     parent=cast.unn_hf)
    elsewhere = factories.ward(harstad, "Medisin")
    client.force_login(cast.planner)
    assert board(client, ward="NOSUCH").status_code == 404
    assert board(client, ward=str(elsewhere.uuid)).status_code == 404


def test_wards_not_in_use_are_not_offered_unless_shown(client, cast, two_wards):
    closed = factories.ward(cast.unn, "Gammel post", code="GML", active=False)
    client.force_login(cast.planner)
    assert 'value="GML"' not in board(client).content.decode()
    assert '<option value="GML" selected>' in board(client, ward="GML").content.decode()
    form = client.get(reverse("pathways:admit", args=[cast.unn.uuid]), **HTMX)
    assert str(closed.uuid) not in form.content.decode()


def test_the_admit_form_offers_the_hospitals_open_wards_by_department(client, cast,
                                                                      two_wards):
    harstad = factories.organization(OrganizationKind.HOSPITAL, "UNN Harstad",
                                     parent=cast.unn_hf)
    elsewhere = factories.ward(harstad, "Medisin")
    client.force_login(cast.planner)
    html = client.get(reverse("pathways:admit", args=[cast.unn.uuid]), {"board_ward": "ORT"},
                      **HTMX).content.decode()
    assert '<optgroup label="Ortopedisk avdeling">' in html
    assert f'<option value="{two_wards.uuid}" selected>Ortopedisk sengepost (ORT)</option>' \
        in html  # the ward the board shows
    assert str(cast.stroke_unit.uuid) in html and str(elsewhere.uuid) not in html
