"""The KE's list of all its municipality's individual plans: who sees it, the filters with
their counts, the search, paging, the audit and a query budget that does not grow with the
number of plans."""

import datetime
from importlib import import_module

import pytest
from django.urls import reverse
from django.utils import timezone

from coordination.models import IndividualPlan, Measure, PlanStatus
from registry.models import AuditAction, AuditEvent, Role
from tests import factories

plan_list_view = import_module("coordination.views.plan_list")

HTMX = {"HTTP_HX_REQUEST": "true"}
URL = reverse("coordination:plan_list")

# Queries of the list, whatever the number of plans: 1 session, 2 user, 3 the user's
# memberships (the KE's municipalities, the audit's roles, the navigation's badge), 4 the
# coordinators (choices), 5-8 the counts of the four facets, 9 the count of the filtered
# plans, 10 the page's plans with patient, coordinator and grounds, 11 their levels, 12 the
# audit INSERT.
PLAN_LIST_QUERIES = 12


def plan_row(cast, name, *, status=PlanStatus.ACTIVE, coordinator=None, evaluation_in=None,
             municipality=None, by=None):
    """A plan as the list meets it, written directly (the services' steps are tested
    elsewhere): a new patient of Tromsø (or `municipality`), registered by its KE."""
    by = by or cast.ke_tromso
    given, family = name.split()
    patient = factories.patient(by, given, family, municipality=municipality or cast.tromso)
    today = timezone.localdate()
    return IndividualPlan.objects.create(
        patient=patient, municipality=municipality or cast.tromso, status=status,
        coordinator=coordinator, created_by=by, updated_by=by,
        next_evaluation_on=(today + datetime.timedelta(days=evaluation_in)
                            if evaluation_in is not None else None))


def rows(response) -> list[str]:
    return [plan.patient.full_name for plan in response.context["plans"]]


@pytest.fixture
def plans(cast, kora, second_coordinator):
    """Four of Tromsø's plans, one of Bodø's."""
    home = factories.service(cast.tromso, "2", name="Hverdagsrehabilitering")
    team = factories.service(cast.tromso, "3", name="Rehabiliteringsteam")
    aune = plan_row(cast, "Astrid Aune", coordinator=kora, evaluation_in=-3)
    berg = plan_row(cast, "Bjørn Berg", coordinator=second_coordinator, evaluation_in=20)
    dahl = plan_row(cast, "Dina Dahl", status=PlanStatus.IN_PREPARATION)
    eide = plan_row(cast, "Erik Eide", status=PlanStatus.CLOSED, coordinator=kora)
    Measure.objects.create(plan=aune, service=home)
    Measure.objects.create(plan=aune, service=team)
    Measure.objects.create(plan=berg, service=team)
    bodo = plan_row(cast, "Berit Bodø", municipality=cast.bodo, by=cast.ke_bodo)
    return {"aune": aune, "berg": berg, "dahl": dahl, "eide": eide, "bodo": bodo}


def test_it_lists_every_plan_of_the_municipality_for_its_ke(client, cast, plans):
    client.force_login(cast.ke_tromso)
    response = client.get(URL)
    assert response.status_code == 200
    assert rows(response) == ["Astrid Aune", "Bjørn Berg", "Dina Dahl", "Erik Eide"]
    html = response.content.decode()
    aune = plans["aune"]
    assert reverse("pathways:patient_detail", kwargs={"uuid": aune.patient.uuid}) in html
    assert reverse("coordination:plan_detail", kwargs={"uuid": aune.uuid}) in html
    row = html[html.index(f'id="plan-row-{aune.uuid}"'):]
    row = row[:row.index("</tr>")]
    assert "Kora Koordinator" in row and "Aktiv" in row and "forfalt" in row and "2, 3" in row
    # Every row shown is an audited read of its plan.
    events = AuditEvent.objects.filter(user=cast.ke_tromso, action=AuditAction.VIEW,
                                       object_type="individualplan", detail="plan list")
    assert sorted(events.values_list("object_id", flat=True)) == sorted(
        str(plans[key].uuid) for key in ("aune", "berg", "dahl", "eide"))
    client.force_login(cast.ke_bodo)
    assert rows(client.get(URL)) == ["Berit Bodø"]


@pytest.mark.parametrize("member", ["coordinator", "planner"])
def test_it_is_for_ke_staff_only(client, cast, kora, member):
    client.force_login(getattr(cast, member))
    assert client.get(URL).status_code == 403


def test_it_is_linked_from_the_navigation_and_the_overview(client, cast):
    client.force_login(cast.ke_tromso)
    html = client.get(reverse("coordination:ke_overview")).content.decode()
    assert 'id="nav-plan-list"' in html and 'id="overview-plan-list"' in html
    assert f'href="{URL}"' in html
    client.force_login(cast.coordinator)
    factories.coordinator(cast)
    assert 'id="nav-plan-list"' not in client.get(
        reverse("coordination:ke_overview")).content.decode()


@pytest.mark.parametrize(("params", "expected"), [
    ({"status": "active"}, ["Astrid Aune", "Bjørn Berg"]),
    ({"status": "closed"}, ["Erik Eide"]),
    ({"coordinator": "none"}, ["Dina Dahl"]),
    ({"due": "overdue"}, ["Astrid Aune"]),
    ({"due": "within_30_days"}, ["Astrid Aune", "Bjørn Berg"]),
    ({"level": "2"}, ["Astrid Aune"]),
    ({"level": "3"}, ["Astrid Aune", "Bjørn Berg"]),
    ({"level": "3", "due": "overdue"}, ["Astrid Aune"]),
    ({"q": "bj"}, ["Bjørn Berg"]),
    ({"q": "berg bjø"}, ["Bjørn Berg"]),
    ({"q": "tindvik"}, []),
])
def test_it_filters_and_searches(client, cast, plans, params, expected):
    client.force_login(cast.ke_tromso)
    response = client.get(URL, params)
    assert response.status_code == 200
    assert rows(response) == expected


def test_it_filters_by_coordinator(client, cast, plans, kora):
    client.force_login(cast.ke_tromso)
    assert rows(client.get(URL, {"coordinator": str(kora.uuid)})) == ["Astrid Aune", "Erik Eide"]


def test_each_choice_shows_how_many_plans_it_gives_with_the_other_filters(
        client, cast, plans, kora):
    client.force_login(cast.ke_tromso)
    form = client.get(URL, {"status": "active"}).context["form"]
    choices = {name: dict(form.fields[name].choices) for name in ("status", "coordinator",
                                                                  "due", "level")}
    # Status counts ignore the chosen status: the other statuses stay reachable.
    assert choices["status"]["active"] == "Aktiv (2)"
    assert choices["status"]["closed"] == "Avsluttet (1)"
    assert choices["status"]["in_preparation"] == "Under utarbeiding (1)"
    # The other facets count within the chosen status.
    assert choices["coordinator"][str(kora.uuid)] == "Kora Koordinator (1)"
    assert choices["coordinator"]["none"].endswith("(0)")
    assert choices["due"]["overdue"].endswith("(1)")
    assert choices["level"]["3"].endswith("(2)") and choices["level"]["2"].endswith("(1)")


def test_a_choice_outside_the_list_is_a_form_error_not_a_500(client, cast, plans):
    client.force_login(cast.ke_tromso)
    response = client.get(URL, {"status": "bogus", "coordinator": "nobody", "level": "9"})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"status", "coordinator", "level"}
    assert len(rows(response)) == 4  # the invalid filters filter nothing


def test_htmx_gets_the_results_and_the_counts_out_of_band(client, cast, plans):
    client.force_login(cast.ke_tromso)
    response = client.get(URL, {"status": "active"}, **HTMX)
    html = response.content.decode()
    assert "<html" not in html
    assert 'id="facet-status" hx-swap-oob="true"' in html
    assert 'id="plan-list-count"' in html and "2 planer." in html


def test_it_pages_and_keeps_the_filters(client, cast, plans, monkeypatch):
    monkeypatch.setattr(plan_list_view, "PLANS_PER_PAGE", 1)
    client.force_login(cast.ke_tromso)
    first = client.get(URL, {"status": "active"})
    assert rows(first) == ["Astrid Aune"]
    assert "status=active&amp;page=2" in first.content.decode()
    assert rows(client.get(URL, {"status": "active", "page": 2})) == ["Bjørn Berg"]


@pytest.mark.parametrize("count", [3, 30])
def test_the_list_keeps_its_query_budget(client, cast, kora, django_assert_num_queries, count):
    team = factories.service(cast.tromso, "3", name="Rehabiliteringsteam")
    for n in range(count):
        plan = plan_row(cast, f"Pas{n} Ient", coordinator=kora if n % 2 else None,
                        evaluation_in=n - 5)
        Measure.objects.create(plan=plan, service=team)
    client.force_login(cast.ke_tromso)
    client.get(URL)  # the session and the reference data are warm, as in use
    with django_assert_num_queries(PLAN_LIST_QUERIES):
        response = client.get(URL, {"due": "within_30_days", "level": "3", "q": "pas"})
    assert len(response.context["plans"]) == count


def test_the_municipalitys_administrator_sees_no_plans(client, cast, plans):
    other = factories.user("ke_tromso_admin", cast.tromso, Role.ORG_ADMIN)
    client.force_login(other)
    assert client.get(URL).status_code == 403
