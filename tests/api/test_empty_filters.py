"""An empty value of a filter that is not free text (`?updated_since=`) is a 400 naming the
parameter, on every list of the API (generated from the router's FilterSets); free text
(`?name=`) stays "no filter". The HTML lists, which submit empty selects, are not affected."""

import django_filters
import pytest

from rehab_portal.api import router

from .support import error

STRICT = sorted(
    (prefix, name)
    for prefix, viewset, _basename in router.registry
    if getattr(viewset, "filterset_class", None) is not None
    for name, filter_ in viewset.filterset_class.base_filters.items()
    if not isinstance(filter_, django_filters.CharFilter))


def test_the_generated_cases_cover_the_sync_filter():
    assert ("admissions", "updated_since") in STRICT


@pytest.mark.django_db
@pytest.mark.parametrize(("prefix", "name"), STRICT)
def test_it_refuses_an_empty_filter_value_naming_the_parameter(cast, epj, prefix, name):
    response = epj.get(f"/api/v1/{prefix}/", {name: ""}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400, response.content
    assert error(response)["fields"] == {name: ["Give a value, or leave the parameter out."]}


@pytest.mark.django_db
def test_an_empty_free_text_filter_is_no_filter(cast, api):
    response = api(cast.ke_tromso).get("/api/v1/patients/", {"name": ""})
    assert response.status_code == 200
    assert response.json()["count"] == 2


@pytest.mark.django_db
def test_an_empty_select_on_an_html_list_is_no_filter(cast, client):
    client.force_login(cast.ke_tromso)
    response = client.get("/services/", {"municipality": "", "q": ""})
    assert response.status_code == 200


FILTERS = {(prefix, name): filter_
           for prefix, viewset, _basename in router.registry
           if getattr(viewset, "filterset_class", None) is not None
           for name, filter_ in viewset.filterset_class.base_filters.items()}
BOOLEANS = sorted(key for key, filter_ in FILTERS.items()
                  if isinstance(filter_, django_filters.BooleanFilter))


@pytest.mark.django_db
@pytest.mark.parametrize(("prefix", "name"), BOOLEANS)
def test_it_refuses_a_yes_no_filter_that_is_neither(cast, epj, prefix, name):
    response = epj.get(f"/api/v1/{prefix}/", {name: "null"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400, response.content
    assert error(response)["fields"] == {name: ["Give true or false."]}
