"""The KE overview filtered by pyramid level and by service: the plans it narrows, the
services it offers, and what a malformed filter does (an error on the form, never a 500)."""

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from coordination import services
from registry.models import OrganizationKind
from tests import factories

from .conftest import activate, make_plan, submit


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def world(cast, kora):
    """Two active plans due for evaluation: one with everyday rehabilitation (level 2, Tromsø),
    one with a stay at a private institution (level 5.1); an open request; and a service of
    Bodø's that Tromsø's plans do not use."""
    everyday = factories.service(cast.tromso, "2", name="Hverdagsrehabilitering")
    institution = factories.organization(OrganizationKind.PRIVATE_INSTITUTION, "Valnesfjord")
    stay = factories.service(institution, "5.1", name="Opphold Valnesfjord")
    bodo_service = factories.service(cast.bodo, "2", name="Bodø hverdagsrehab")
    unused = factories.service(cast.tromso, "3", name="Rehabiliteringsteam")
    plans = {}
    for patient, service in ((cast.tromso_only, everyday), (cast.shared, stay)):
        plan = activate(cast, make_plan(cast, kora, patient))
        services.add_measure(plan, by=cast.ke_tromso, service=service, description="Tiltak")
        plan.refresh_from_db()
        services.update_plan(plan, by=cast.ke_tromso, expected_version=plan.version,
                             next_evaluation_on=timezone.localdate())
        plans[service.name] = plan
    new_patient = factories.patient(cast.ke_tromso, "Nina", "Ny", municipality=cast.tromso)
    request = submit(cast, new_patient)
    return {"everyday": everyday, "stay": stay, "bodo": bodo_service, "unused": unused,
            "plans": plans, "request": request}


def overview(client, **params):
    return client.get(reverse("coordination:ke_overview"), params)


def due_names(response):
    return sorted(p.patient.full_name for p in response.context["due"])


def test_it_filters_the_plans_by_service_and_leaves_the_requests(english, cast, world):
    english.force_login(cast.ke_tromso)
    response = overview(english, service=str(world["everyday"].uuid))
    assert response.status_code == 200
    assert due_names(response) == ["Tor Tindvik"]
    assert response.context["counts"]["active_plans"] == 1
    html = response.content.decode()
    assert f'id="request-{world["request"].uuid}"' in html  # requests are not filtered
    assert "Requests and pathways have no measures yet, so they are always shown in full." \
        in html
    assert f'<option value="{world["everyday"].uuid}" selected>' in html
    assert 'id="filter-reset"' in html


def test_it_filters_by_level_and_service_on_the_same_measure(english, cast, world):
    english.force_login(cast.ke_tromso)
    assert due_names(overview(english, level="5.1")) == ["Astrid Aune"]
    assert due_names(overview(english, level="5.1", service=str(world["stay"].uuid))) == [
        "Astrid Aune"]
    # Everyday rehabilitation is on level 2: no plan has it on level 5.1.
    assert due_names(overview(english, level="5.1",
                              service=str(world["everyday"].uuid))) == []
    assert due_names(overview(english)) == ["Astrid Aune", "Tor Tindvik"]


def test_it_offers_the_municipalitys_services_and_those_its_plans_use(english, cast, world):
    english.force_login(cast.ke_tromso)
    html = overview(english).content.decode()
    choices = html.split('id="service-filter"')[1].split("</select>")[0]
    assert "Hverdagsrehabilitering (Tromsø)" in choices
    assert "Rehabiliteringsteam (Tromsø)" in choices  # Tromsø's own, in no plan yet
    assert "Opphold Valnesfjord (Valnesfjord)" in choices  # a provider elsewhere, in a plan
    assert "Bodø hverdagsrehab" not in choices
    assert 'for="service-filter"' in html and 'for="level-filter"' in html


@pytest.mark.parametrize("value", ["not-a-uuid", "'; DROP TABLE x; --", "bodo"])
def test_a_malformed_or_foreign_service_is_a_form_error_and_ignored(english, cast, world,
                                                                    value):
    if value == "bodo":
        value = str(world["bodo"].uuid)  # well-formed, but no choice for Tromsø's KE
    english.force_login(cast.ke_tromso)
    response = overview(english, service=value)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Choose a service from the list." in html
    assert 'aria-describedby="service-filter_helptext service-filter_error"' in html
    assert due_names(response) == ["Astrid Aune", "Tor Tindvik"]  # unfiltered


def test_an_unknown_level_is_a_form_error_too(english, cast, world):
    english.force_login(cast.ke_tromso)
    response = overview(english, level="9")
    assert response.status_code == 200
    assert "Choose a level from the list." in response.content.decode()
    assert due_names(response) == ["Astrid Aune", "Tor Tindvik"]
