"""The KE inbox's upcoming meetings and the overview's plans I coordinate are work-queue
tables (issue 12, item 9), not card walls: at 1366 px a table of rows whose patient names lead
to the patient; at 390 px each row is a card, nothing scrolls sideways (neither the page nor
the table's box), and axe-core finds nothing."""

import datetime

import pytest
from django.utils import timezone

from coordination.models import IndividualPlan
from tests import factories

from .conftest import DESKTOP, PHONE, assert_accessible

pytestmark = pytest.mark.browser

LONG_NAME = ("Ingeborg Margrethe", "Strømsholm-Kristoffersen")

# The table's layout: how its rows are drawn, and whether the page or the table's scroller
# is wider than the window or its box.
MEASURE = """table => {
  const box = table.closest(".table-wrap");
  const row = table.querySelector("tbody tr");
  return {rowDisplay: getComputedStyle(row).display,
          page: document.documentElement.scrollWidth,
          window: document.documentElement.clientWidth,
          box: [box.scrollWidth, box.clientWidth]};
}"""


@pytest.fixture
def tables(cast, pathway):
    """Besides one of everything: a meeting the KE is invited to, about a patient with a long
    name, with a place and a video link (the widest row); the plan due in ten days."""
    patient = factories.patient(cast.planner, *LONG_NAME, municipality=cast.tromso)
    meeting = factories.discharge_meeting(
        cast, factories.admit(cast, patient), location="Møterom 3, Slagenheten, 5. etasje",
        video_link="https://video.example.org/rom/utskrivingsmote-123456",
        participants=[{"kind": "coordinating_unit", "user": cast.ke_tromso},
                      {"kind": "hospital_staff", "user": cast.planner}])
    IndividualPlan.objects.filter(pk=pathway["plan"].pk).update(
        next_evaluation_on=timezone.localdate() + datetime.timedelta(days=10))
    return {**pathway, "meeting": meeting, "patient": patient}


def check_table(page, table_id, size):
    table = page.locator(f"#{table_id}")
    measured = table.evaluate(MEASURE)
    assert measured["page"] <= measured["window"], (table_id, "the page scrolls", measured)
    assert measured["box"][0] <= measured["box"][1], (table_id, "the table scrolls", measured)
    expected = "block" if size is PHONE else "table-row"
    assert measured["rowDisplay"] == expected, (table_id, measured)


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_inbox_meetings_are_a_table_whose_names_lead_to_the_patient(
        live_server, tables, visitor, size):
    ke = visitor(**size)
    ke.sign_in("ke_tromso", "/inbox/ke/")
    page = ke.page
    check_table(page, "meetings", size)
    assert_accessible(page, "/inbox/ke/")
    row = page.locator(f"#meeting-{tables['meeting'].uuid}")
    assert "Møterom 3, Slagenheten, 5. etasje" in row.inner_text()
    row.get_by_role("button", name="Takk ja").click()
    page.locator("#inbox-flash").wait_for()
    check_table(page, "meetings", size)
    page.locator(f"#meeting-{tables['meeting'].uuid}").get_by_role(
        "link", name=" ".join(LONG_NAME), exact=True).click()
    page.wait_for_url(f"**/patients/{tables['patient'].uuid}/")
    ke.check("the patient's page from the inbox's meetings")


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_plans_i_coordinate_are_a_table_whose_names_lead_to_the_patient(
        live_server, tables, visitor, size):
    coordinator = visitor(**size)
    coordinator.sign_in("coordinator", "/ke/overview/")
    page = coordinator.page
    check_table(page, "my-plans", size)
    assert_accessible(page, "/ke/overview/")
    plan = tables["plan"]
    row = page.locator(f"#my-plan-row-{plan.uuid}")
    due = timezone.localdate() + datetime.timedelta(days=10)
    assert due.strftime("%d.%m.%Y") in row.inner_text()
    row.get_by_role("link", name=plan.patient.full_name, exact=True).click()
    page.wait_for_url(f"**/patients/{plan.patient.uuid}/")
    coordinator.check("the patient's page from the plans I coordinate")
