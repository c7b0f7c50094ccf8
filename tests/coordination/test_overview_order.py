"""The KE overview as a work queue: what awaits a decision comes first, and a patient's
name leads to the patient."""

import datetime

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from coordination.models import IndividualPlan
from tests import factories

from .conftest import activate, make_plan, submit


def overview_html(client, user) -> str:
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nb"
    return client.get(reverse("coordination:ke_overview")).content.decode()


def test_the_requests_awaiting_a_decision_come_first(client, cast, kora):
    request = submit(cast)
    html = overview_html(client, cast.ke_tromso)
    requests = html.index('id="requests-heading"')
    assert requests < html.index('id="my-plans-heading"') < html.index('id="counts-heading"') \
        < html.index('id="coordinators-heading"') < html.index('id="due-heading"')
    patient_url = reverse("pathways:patient_detail", args=[request.patient.uuid])
    assert f'<a href="{patient_url}" id="request-patient-{request.uuid}">' in html
    assert "{#" not in html and "#}" not in html


def test_the_plans_due_name_the_patient_and_lead_to_the_plan(client, cast, kora):
    plan = activate(cast, make_plan(cast, kora))
    IndividualPlan.objects.filter(pk=plan.pk).update(
        next_evaluation_on=timezone.localdate() + datetime.timedelta(days=5))
    html = overview_html(client, cast.ke_tromso)
    row = html[html.index(f'<tr id="due-{plan.uuid}">'):]
    row = row[:row.index("</tr>")]
    assert f'href="{reverse("pathways:patient_detail", args=[plan.patient.uuid])}"' in row
    assert f'href="{reverse("coordination:plan_detail", args=[plan.uuid])}"' in row
    assert "Åpne planen" in row


def _table(html: str, table_id: str) -> str:
    start = html.index(f'id="{table_id}"')
    return html[html.rindex("<table", 0, start):html.index("</table>", start)]


def test_the_plans_i_coordinate_are_a_table_whose_names_lead_to_the_patient(client, cast, kora):
    """A dense table in a named scroller, like the overview's other lists: the patient's name
    leads to the patient, the row's link to the plan, with the plan's next evaluation."""
    plan = activate(cast, make_plan(cast, kora))
    IndividualPlan.objects.filter(pk=plan.pk).update(
        next_evaluation_on=datetime.date(2031, 3, 9))
    html = overview_html(client, cast.coordinator)
    assert 'role="region" tabindex="0" aria-label="Åpne planer jeg koordinerer"' in html
    table = _table(html, "my-plans")
    assert '<caption class="visually-hidden">Åpne planer jeg koordinerer</caption>' in table
    row = table[table.index(f'<tr id="my-plan-row-{plan.uuid}">'):]
    row = row[:row.index("</tr>")]
    patient_url = reverse("pathways:patient_detail", args=[plan.patient.uuid])
    assert f'<th scope="row" data-label="Pasient"><a href="{patient_url}">' \
           f"{plan.patient.full_name}</a></th>" in row
    assert f'href="{reverse("coordination:plan_detail", args=[plan.uuid])}"' in row
    assert f'id="my-plan-{plan.uuid}"' in row
    assert "09.03.2031" in row and "Aktiv" in row
    assert 'class="card' not in html[html.index('id="my-plans-heading"'):]


# Queries of a coordinator's overview (not KE staff), whatever the number of plans:
#  1 session, 2 user, 3 the user's memberships with the unread count (no KE municipality,
#  the navigation's badge), 4 the coordinator check, 5 the plans I coordinate with patient
#  and the audit's grounds, 6 the audit INSERT of the patients shown.
COORDINATOR_OVERVIEW_BUDGET = 6


@pytest.mark.parametrize("rows", [3, 30])
def test_the_plans_i_coordinate_cost_the_same_queries_for_3_as_for_30(
        client, cast, kora, django_assert_max_num_queries, rows):
    type(kora).objects.filter(pk=kora.pk).update(capacity=rows)
    kora.refresh_from_db()
    for n in range(rows):
        make_plan(cast, kora, factories.patient(cast.ke_tromso, f"Plan{n}", "Ient",
                                                municipality=cast.tromso))
    client.force_login(cast.coordinator)
    with django_assert_max_num_queries(COORDINATOR_OVERVIEW_BUDGET):
        response = client.get(reverse("coordination:ke_overview"))
    assert response.content.decode().count('<tr id="my-plan-row-') == rows
