"""The registry's pages: dashboard, service catalogue (the pyramid) and organisations."""

import re

import pytest
from django.urls import reverse

from registry.models import OrganizationKind, Role, ServiceLevel
from tests import factories

LEVEL_CODES = ["1", "2", "3", "4", "5.1", "5.2", "5.3"]

# Queries of a full catalogue page with both filters and a level chosen, in order:
#  1 session, 2 user, 3 the municipality filter value, 4 the target group filter value,
#  5 every level with its count of matching services (one aggregate),
#  6 the user's memberships (navigation by role),
#  7 municipality choices and 8 target group choices of the filter form,
#  9 the services of the chosen level with provider and level (select_related),
#  10 their target groups and 11 the municipalities they serve (prefetches).
CATALOGUE_BUDGET = 11
# Queries of the organisation list: 1 session, 2 user, 3 count for the paginator,
# 4 the page of organisations with their parents, 5 memberships (navigation).
ORGANIZATION_LIST_BUDGET = 5


def pyramid_counts(html: str) -> dict[str, int]:
    """Level code → count as drawn in the pyramid."""
    return {
        code: int(count)
        for code, count in re.findall(
            r'data-level="([\d.]+)".*?data-count="(\d+)"', html, flags=re.DOTALL
        )
    }


@pytest.fixture
def catalogue(cast):
    """Services in Tromsø and Bodø on several levels, for two target groups."""
    stroke = factories.target_group("stroke", "Hjerneslag")
    hip = factories.target_group("hip_fracture", "Hoftebrudd")
    unn_rehab = factories.organization(
        OrganizationKind.HOSPITAL, "UNN Rehabilitering", parent=cast.unn_hf
    )
    return {
        "stroke": stroke,
        "hip": hip,
        "everyday": factories.service(cast.tromso, "2", "Hverdagsrehabilitering Tromsø",
                                      target_groups=[stroke, hip]),
        "team": factories.service(cast.tromso, "3", "Rehabiliteringsteam Tromsø",
                                  target_groups=[stroke]),
        "beds": factories.service(cast.tromso, "4", "Korttidsavdeling rehab Tromsø",
                                  target_groups=[hip]),
        "bodo_team": factories.service(cast.bodo, "3", "Rehabiliteringsteam Bodø",
                                       target_groups=[stroke]),
        "hospital": factories.service(unn_rehab, "5.2", "Slagenhet UNN",
                                      target_groups=[stroke],
                                      municipalities_served=[cast.tromso, cast.bodo]),
        "closed": factories.service(cast.tromso, "3", "Nedlagt team Tromsø",
                                    target_groups=[stroke], active=False),
    }


@pytest.mark.parametrize("name", [
    "registry:home", "registry:catalogue", "registry:organization_list",
])
def test_it_sends_anonymous_visitors_to_the_login_page(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_sends_anonymous_visitors_of_an_organisation_to_the_login_page(client, cast):
    response = client.get(reverse("registry:organization_detail", args=[cast.tromso.uuid]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_offers_patient_search_on_the_dashboard_to_ke_staff(client, cast):
    client.force_login(cast.ke_tromso)
    response = client.get(reverse("registry:home"))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count(reverse("pathways:patient_search")) == 2  # menu and dashboard card
    assert reverse("registry:catalogue") in html
    assert reverse("registry:organization_detail", args=[cast.tromso.uuid]) in html


def test_it_offers_no_patient_search_to_an_organisation_administrator(client, cast):
    admin = factories.user("admin_tromso", cast.tromso, Role.ORG_ADMIN)
    client.force_login(admin)
    html = client.get(reverse("registry:home")).content.decode()
    assert reverse("pathways:patient_search") not in html
    assert reverse("registry:catalogue") in html


def test_it_draws_the_seven_levels_as_a_pyramid_with_the_widest_at_the_bottom(
        client, cast, catalogue):
    client.force_login(cast.ke_tromso)
    html = client.get(reverse("registry:catalogue")).content.decode()
    steps = re.findall(r'data-width="(\d+)" data-level="([\d.]+)"', html)
    assert [code for _, code in steps] == list(reversed(LEVEL_CODES))
    widths = [int(width) for width, _ in steps]
    assert widths == sorted(widths)  # top (5.3) narrowest, bottom (1) full width
    assert widths[0] < widths[-1] == 100


def test_it_counts_only_active_services_per_level(client, cast, catalogue):
    client.force_login(cast.ke_tromso)
    html = client.get(reverse("registry:catalogue")).content.decode()
    assert pyramid_counts(html) == {
        "1": 0, "2": 1, "3": 2, "4": 1, "5.1": 0, "5.2": 1, "5.3": 0,
    }


def test_it_counts_the_services_per_level_after_filtering_by_municipality_and_target_group(
        client, cast, catalogue):
    client.force_login(cast.ke_tromso)
    url = reverse("registry:catalogue")

    by_municipality = client.get(url, {"municipality": cast.bodo.uuid}).content.decode()
    # Bodø's own team, and the hospital service that serves Bodø.
    assert pyramid_counts(by_municipality) == {
        "1": 0, "2": 0, "3": 1, "4": 0, "5.1": 0, "5.2": 1, "5.3": 0,
    }

    both = client.get(url, {"municipality": cast.tromso.uuid, "target_group": "hip_fracture"},
                      HTTP_HX_REQUEST="true").content.decode()
    assert pyramid_counts(both) == {
        "1": 0, "2": 1, "3": 0, "4": 1, "5.1": 0, "5.2": 0, "5.3": 0,
    }


def test_it_lists_the_services_of_the_chosen_level_and_no_other(client, cast, catalogue):
    client.force_login(cast.ke_tromso)
    response = client.get(reverse("registry:catalogue"), {"level": "3"})
    html = response.content.decode()
    assert "Rehabiliteringsteam Tromsø" in html
    assert "Rehabiliteringsteam Bodø" in html
    assert "Hverdagsrehabilitering Tromsø" not in html
    assert "Slagenhet UNN" not in html
    assert "Nedlagt team Tromsø" not in html  # inactive
    assert 'aria-current="true"' in html


def test_it_answers_htmx_with_the_results_only_and_keeps_the_filters_in_the_level_links(
        client, cast, catalogue):
    client.force_login(cast.ke_tromso)
    response = client.get(
        reverse("registry:catalogue"),
        {"municipality": cast.tromso.uuid, "level": "3"},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert "<html" not in html
    assert 'id="catalogue-filters"' not in html
    assert "Rehabiliteringsteam Tromsø" in html
    assert "Rehabiliteringsteam Bodø" not in html
    # Each level link keeps the municipality, so a pushed URL can be shared.
    assert f"municipality={cast.tromso.uuid}&amp;level=5.2" in html
    assert 'hx-push-url="true"' in html
    # The result is announced in the aria-live region, out of band.
    assert 'hx-swap-oob="innerHTML:#announcer"' in html
    assert "HX-Request" in response["Vary"]


def test_it_answers_an_htmx_history_restore_with_the_full_page(client, cast, catalogue):
    client.force_login(cast.ke_tromso)
    response = client.get(reverse("registry:catalogue"), {"level": "3"},
                          HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true")
    html = response.content.decode()
    assert "<html" in html and 'id="catalogue-filters"' in html


def test_it_ignores_an_unknown_municipality_instead_of_failing(client, cast, catalogue):
    client.force_login(cast.ke_tromso)
    response = client.get(reverse("registry:catalogue"), {"municipality": "not-a-uuid"})
    assert response.status_code == 200
    assert sum(pyramid_counts(response.content.decode()).values()) == 5


@pytest.mark.parametrize("rows", [3, 30])
def test_it_draws_the_catalogue_within_a_query_budget_whatever_the_number_of_services(
        client, cast, django_assert_max_num_queries, rows):
    stroke = factories.target_group("stroke", "Hjerneslag")
    for n in range(rows):
        factories.service(cast.tromso, LEVEL_CODES[n % 4], f"Tilbud {n}",
                          target_groups=[stroke], municipalities_served=[cast.bodo])
    client.force_login(cast.ke_tromso)
    params = {"municipality": cast.tromso.uuid, "target_group": "stroke", "level": "3"}
    with django_assert_max_num_queries(CATALOGUE_BUDGET):
        response = client.get(reverse("registry:catalogue"), params)
    assert response.status_code == 200
    assert response.content.decode().count('class="card service"') == (rows + 1) // 4


def test_it_lists_organisations_filtered_by_kind_and_name(client, cast):
    client.force_login(cast.planner)
    url = reverse("registry:organization_list")

    html = client.get(url, {"kind": OrganizationKind.MUNICIPALITY}).content.decode()
    assert "Tromsø" in html and "Bodø" in html
    assert ">Alle regioner</option>" in html and "---------" not in html
    assert "UNN Tromsø" not in html

    html = client.get(url, {"q": "unn"}, HTTP_HX_REQUEST="true").content.decode()
    assert "UNN Tromsø" in html
    assert "Bodø" not in html
    assert "<html" not in html


@pytest.mark.parametrize("rows", [3, 30])
def test_it_lists_organisations_within_a_query_budget_whatever_their_number(
        client, cast, django_assert_max_num_queries, rows):
    for _ in range(rows):
        factories.organization(OrganizationKind.HOSPITAL, parent=cast.unn_hf)
    client.force_login(cast.planner)
    with django_assert_max_num_queries(ORGANIZATION_LIST_BUDGET):
        response = client.get(reverse("registry:organization_list"))
    assert response.status_code == 200
    assert response.content.decode().count("Universitetssykehuset Nord-Norge HF</td>") == rows + 1


def test_it_shows_an_organisation_with_its_coordinating_unit_and_services_by_level(
        client, cast, catalogue):
    factories.coordinating_unit(cast.tromso, phone="77 79 00 00")
    client.force_login(cast.ke_bodo)
    response = client.get(reverse("registry:organization_detail", args=[cast.tromso.uuid]))
    html = response.content.decode()
    assert response.status_code == 200
    assert cast.tromso.orgnr in html
    assert "5501" in html
    assert "78745" in html
    assert "KE Tromsø" in html and "77 79 00 00" in html
    levels = ServiceLevel.objects.in_bulk(field_name="code")
    positions = [html.index(levels[code].name) for code in ("2", "3", "4")]
    assert positions == sorted(positions)
    assert html.index("Rehabiliteringsteam Tromsø") > positions[1]
    assert "Nedlagt team Tromsø" not in html


def test_it_shows_a_hospital_with_its_parent_trust_and_the_trusts_coordinating_unit(
        client, cast):
    factories.coordinating_unit(cast.unn_hf)
    client.force_login(cast.planner)
    html = client.get(
        reverse("registry:organization_detail", args=[cast.unn.uuid])
    ).content.decode()
    assert reverse("registry:organization_detail", args=[cast.unn_hf.uuid]) in html
    assert "KE Universitetssykehuset Nord-Norge HF" in html

    html = client.get(
        reverse("registry:organization_detail", args=[cast.unn_hf.uuid])
    ).content.decode()
    assert reverse("registry:organization_detail", args=[cast.unn.uuid]) in html  # child


def test_it_answers_404_for_an_unknown_organisation(client, cast):
    client.force_login(cast.planner)
    response = client.get(
        reverse("registry:organization_detail", args=["00000000-0000-0000-0000-000000000000"])
    )
    assert response.status_code == 404


def test_it_speaks_norwegian_by_default_and_english_after_the_language_switch(client, cast):
    client.force_login(cast.ke_tromso)
    html = client.get(reverse("registry:catalogue")).content.decode()
    assert '<html lang="nb">' in html
    assert "Tilbudsoversikt" in html
    assert "Egenmestring og forebygging" in html  # level name from the data

    response = client.post(reverse("set_language"),
                           {"language": "en", "next": reverse("registry:catalogue")})
    assert response.status_code == 302

    html = client.get(reverse("registry:catalogue")).content.decode()
    assert '<html lang="en">' in html
    assert "Service catalogue" in html
    assert "Tilbudsoversikt" not in html
    assert "Self-management and prevention" in html


def test_it_has_the_landmarks_a_skip_link_and_labelled_inputs(client, cast):
    client.force_login(cast.ke_tromso)
    html = client.get(reverse("registry:catalogue")).content.decode()
    assert '<a class="skip-link" href="#main">' in html
    for landmark in ("<header", "<nav", '<main id="main"', "<footer"):
        assert landmark in html
    assert 'aria-live="polite"' in html
    for field_id in re.findall(
            r'<(?:input|select)(?![^>]*type="hidden")[^>]*\bid="([^"]+)"', html):
        assert f'for="{field_id}"' in html, field_id
    assert 'action="/accounts/logout/" method="post"' in html


def test_it_speaks_bokmal_even_to_an_english_browser_until_the_switch_is_used(client, cast):
    client.force_login(cast.ke_tromso)
    page = client.get("/services/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    assert page.headers["Content-Language"] == "nb"
    client.post("/i18n/setlang/", {"language": "en", "next": "/services/"})
    assert client.get("/services/").headers["Content-Language"] == "en"
