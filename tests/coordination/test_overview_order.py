"""The KE overview as a work queue: what awaits a decision comes first, and a patient's
name leads to the patient."""

import datetime

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from coordination.models import IndividualPlan

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
