"""Lists over a long history (issue 10, item 20): a page-number count stops at
API_PAGE_COUNT_LIMIT rows and says so, pages end there with a 400 that points to the
cursor, and the cursor walks every row; the name search matches the start of a name."""

import pytest

from tests import factories

PATIENTS = "/api/v1/patients/"


@pytest.fixture
def five_patients(cast, settings):
    settings.API_PAGE_COUNT_LIMIT = 3
    settings.API_SYNC_SETTLE_SECONDS = 0
    for n in range(5):
        factories.patient(cast.ke_tromso, f"Ola{n}", "Dyp", municipality=cast.tromso)


def test_a_count_above_the_limit_is_bounded_and_says_so(cast, api, five_patients):
    client = api(cast.ke_tromso)  # sees Tor Tindvik, Astrid Aune and the five
    body = client.get(PATIENTS, {"page_size": 2}).json()
    assert (body["count"], body["count_exact"]) == (3, False)
    assert [row["family_name"] for row in body["results"]] == ["Aune", "Dyp"]
    exact = client.get(PATIENTS, {"name": "tind"}).json()
    assert (exact["count"], exact["count_exact"]) == (1, True)


def test_a_page_beyond_the_bound_points_to_the_cursor(cast, api, five_patients):
    client = api(cast.ke_tromso)
    assert client.get(PATIENTS, {"page_size": 2, "page": 2}).status_code == 200
    response = client.get(PATIENTS, {"page_size": 2, "page": 3})
    assert response.status_code == 400
    assert "cursor" in str(response.json()).lower()
    assert "page" in response.content.decode()


def test_an_empty_page_of_a_short_list_is_still_a_404(cast, api):
    assert api(cast.ke_tromso).get(PATIENTS, {"page": 9}).status_code == 404


def test_the_cursor_walks_past_the_bound_to_every_row(cast, api, five_patients):
    client = api(cast.ke_tromso)
    seen, cursor = [], ""
    for _ in range(10):
        body = client.get(PATIENTS, {"cursor": cursor, "page_size": 2}).json()
        seen += [row["uuid"] for row in body["results"]]
        cursor = body["next_cursor"]
        if not body["has_more"]:
            break
    assert len(seen) == len(set(seen)) == 7


def test_the_name_search_matches_the_start_of_a_given_or_family_name(cast, api):
    factories.patient(cast.ke_tromso, "Kari", "Nordmann", municipality=cast.tromso)
    client = api(cast.ke_tromso)

    def found(name):
        return sorted(row["family_name"] for row in client.get(PATIENTS, {"name": name})
                      .json()["results"])

    assert found("nord") == ["Nordmann"]
    assert found("KAR nor") == ["Nordmann"]
    assert found("ordmann") == []  # the middle of a name: no index can find that fast
    assert found("50%") == []  # LIKE's wildcards are plain characters
