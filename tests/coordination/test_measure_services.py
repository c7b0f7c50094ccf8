"""The measure form offers the services that can serve the plan's patient, grouped by
pyramid level and searchable, and refuses any other."""

import pytest
from django.urls import reverse

from coordination.models import Measure
from registry.models import OrganizationKind, Region
from tests import factories

from .conftest import make_plan

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def catalogue(cast):
    """Services across the region and beyond: which of them can serve a Tromsø patient."""
    alta = factories.organization(name="Alta")
    senja = factories.organization(name="Senja")
    private = factories.organization(OrganizationKind.PRIVATE_INSTITUTION, "Valnesfjord")
    far_trust = factories.organization(OrganizationKind.HEALTH_TRUST, "St. Olavs hospital HF",
                                       region=Region.CENTRAL)
    far_private = factories.organization(OrganizationKind.PRIVATE_INSTITUTION, "Røros Rehab",
                                         region=Region.CENTRAL)
    s = factories.service
    return {
        "alta": s(alta, "1", name="Frisklivssentralen i Alta"),
        "alta_home": s(alta, "2", name="Hverdagsrehabilitering, Alta kommune"),
        "bodo": s(cast.bodo, "3", name="Rehabiliteringstjenesten, Bodø kommune"),
        "own": s(cast.tromso, "2", name="Hverdagsrehabilitering, Tromsø kommune"),
        "own_old": s(cast.tromso, "4", name="Nedlagt tilbud", active=False),
        "inter": s(senja, "3", name="Interkommunalt rehabiliteringsteam",
                   municipalities_served=[cast.tromso]),
        "trust": s(cast.unn_hf, "1", name="Lærings- og mestringssenteret"),
        "hospital": s(cast.unn, "5.2", name="Rehabiliteringsavdelingen, UNN Tromsø"),
        "private": s(private, "5.1", name="Rehabiliteringsopphold, Valnesfjord"),
        "private_low": s(private, "3", name="Treningsgruppe, Valnesfjord"),
        "far_trust": s(far_trust, "5.2", name="Rehabilitering, St. Olavs"),
        "far_private": s(far_private, "5.1", name="Opphold, Røros"),
    }


@pytest.fixture
def tromso_plan(cast, kora):
    return make_plan(cast, kora, cast.shared)


def offered(response) -> list[tuple[str, list[str]]]:
    """The measure form's select as (group, [service names]) in the page's order."""
    widget = response.context["measure_form"].fields["service"].widget
    return [(label, [name for _pk, name in items]) for label, items in widget.choices
            if isinstance(items, list)]


def test_a_tromso_patient_is_offered_the_services_that_can_serve_them_by_level(
        client, cast, catalogue, tromso_plan):
    client.force_login(cast.ke_tromso)
    response = client.get(reverse("coordination:plan_detail", kwargs={"uuid": tromso_plan.uuid}))
    groups = offered(response)
    assert [label.split(" ")[0] for label, _names in groups] == ["1", "2", "3", "5.1", "5.2"]
    names = [name for _label, group in groups for name in group]
    assert names == [
        "Lærings- og mestringssenteret (Universitetssykehuset Nord-Norge HF)",
        "Hverdagsrehabilitering, Tromsø kommune (Tromsø)",
        "Interkommunalt rehabiliteringsteam (Senja)",
        "Rehabiliteringsopphold, Valnesfjord (Valnesfjord)",
        "Rehabiliteringsavdelingen, UNN Tromsø (UNN Tromsø)",
    ]
    html = response.content.decode()
    select = html[html.index('name="service"'):]
    select = select[:select.index("</select>")]
    assert "Alta" not in select and "Bodø" not in select and "Røros" not in select
    assert "---------" not in select
    assert '<option value="" selected>Ingen tjeneste valgt</option>' in select
    assert '<optgroup label="5.1 ' in select
    # The search field narrows this select (htmx) and says which one it controls.
    assert 'aria-controls="id_measure_service"' in html


def test_a_service_outside_the_patients_set_is_refused_as_a_form_error(
        client, cast, catalogue, tromso_plan):
    client.force_login(cast.ke_tromso)
    url = reverse("coordination:add_measure", kwargs={"uuid": tromso_plan.uuid})
    response = client.post(url, {"version": tromso_plan.version,
                                 "service": catalogue["alta"].pk}, **HTMX)
    assert response.status_code == 422
    assert "Velg en av tjenestene som kan gi tilbud til denne pasienten." in (
        response.content.decode())
    assert not Measure.objects.filter(plan=tromso_plan).exists()
    ok = client.post(url, {"version": tromso_plan.version, "service": catalogue["private"].pk,
                           "service_search": "valnes"}, **HTMX)
    assert ok.status_code == 200
    assert Measure.objects.get(plan=tromso_plan).service == catalogue["private"]


def test_the_search_narrows_the_list_and_keeps_the_chosen_service(
        client, cast, catalogue, tromso_plan):
    client.force_login(cast.ke_tromso)
    url = reverse("coordination:measure_services", kwargs={"uuid": tromso_plan.uuid})
    response = client.get(url, {"service_search": "valnes", "service": catalogue["own"].pk},
                          **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith("<select") and 'id="id_measure_service"' in html
    assert "Rehabiliteringsopphold, Valnesfjord" in html
    assert f'<option value="{catalogue["own"].pk}" selected>' in html  # kept, still chosen
    assert "UNN Tromsø" not in html and "Alta" not in html
    assert "Treningsgruppe" not in html  # a private institution's level 3: not offered
    assert "2 tjenester i listen." in html  # announced
    # By the provider's name too; the chosen one is no longer chosen once cleared.
    html = client.get(url, {"service_search": "unn"}, **HTMX).content.decode()
    assert "Rehabiliteringsavdelingen, UNN Tromsø" in html
    assert "Hverdagsrehabilitering" not in html


def test_the_search_is_for_those_who_see_the_plan(client, cast, catalogue, tromso_plan):
    client.force_login(cast.ke_bodo)
    url = reverse("coordination:measure_services", kwargs={"uuid": tromso_plan.uuid})
    assert client.get(url, {"service_search": "valnes"}).status_code == 404
