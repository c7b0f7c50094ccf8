"""The patient page's plan section (coordination.patient_page through pathways.patient_page):
the plan with status, coordinator and next evaluation for those who may see it, a plain
"no plan" otherwise, and every plan shown audited."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from coordination import patient_page, services
from coordination.models import IndividualPlan, PlanStatus, RequestKind
from pathways import patient_page as page_sections
from registry.models import AuditAction, AuditEvent

from .conftest import activate, make_plan, submit

# The patient page's eight queries (session, user, the patient in scope, its audit with
# grounds, relationships, the access-log check, next of kin, the navigation's memberships),
# the representatives' one (pathways.views.representatives, for the KE) and the plan
# section's three.
PATIENT_PAGE_BUDGET = 12


def detail(client, patient):
    return client.get(reverse("pathways:patient_detail", kwargs={"uuid": patient.uuid}))


def plan_views(patient):
    return AuditEvent.objects.filter(action=AuditAction.VIEW, object_type="individualplan",
                                     patient_uuid=patient.uuid)


@pytest.mark.parametrize("member", ["ke_tromso", "coordinator"])
def test_it_shows_the_plan_its_coordinator_and_next_evaluation_on_the_patient_page(
        client, cast, kora, member):
    plan = activate(cast, make_plan(cast, kora, cast.shared))
    due = timezone.localdate() + datetime.timedelta(days=14)
    services.update_plan(plan, by=cast.ke_tromso, expected_version=plan.version,
                         next_evaluation_on=due)
    client.force_login(getattr(cast, member))
    response = detail(client, cast.shared)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Ikke tilgjengelig ennå" not in html
    row = html[html.index(f'id="patient-plan-{plan.uuid}"'):]
    row = row[:row.index("</tr>")]
    assert reverse("coordination:plan_detail", kwargs={"uuid": plan.uuid}) in row
    assert "Aktiv" in row and "Kora Koordinator" in row
    assert due.strftime("%d.%m.%Y") in row
    event = plan_views(cast.shared).get(user=getattr(cast, member))
    assert event.object_id == str(plan.uuid) and event.detail == "patient page"


def test_a_patient_without_a_plan_says_so_plainly(client, cast):
    client.force_login(cast.ke_tromso)
    html = detail(client, cast.tromso_only).content.decode()
    assert 'id="no-plan"' in html and "Pasienten har ingen individuell plan." in html
    assert "Ikke tilgjengelig ennå" not in html
    assert 'id="new-plan-request"' in html
    assert not plan_views(cast.tromso_only).exists()


def test_it_tells_of_a_request_waiting_for_a_decision(client, cast):
    request = submit(cast, kind=RequestKind.COORDINATOR)
    client.force_login(cast.ke_tromso)
    html = detail(client, cast.tromso_only).content.decode()
    assert 'id="patient-open-requests"' in html and "venter på avgjørelse" in html
    assert AuditEvent.objects.filter(object_type="planrequest", object_id=str(request.uuid),
                                     detail="patient page").exists()


def test_a_user_who_may_not_see_the_plan_sees_nothing_of_it(client, cast, kora, monkeypatch):
    """The section asks coordination.access for the plans the user may see: today they are
    the plans of the patients the user sees, so a narrower rule is stood in for here."""
    plan = make_plan(cast, kora, cast.shared)
    monkeypatch.setattr(patient_page, "visible_plans",
                        lambda user: IndividualPlan.objects.none())
    client.force_login(cast.planner)
    html = detail(client, cast.shared).content.decode()
    assert str(plan.uuid) not in html and "Kora Koordinator (" not in html
    assert 'id="no-plan"' in html
    assert not plan_views(cast.shared).exists()


def test_outside_the_care_relationship_there_is_no_page_and_no_plan_read(client, cast, kora):
    make_plan(cast, kora, cast.shared)
    client.force_login(cast.ke_bodo)
    assert detail(client, cast.shared).status_code == 404
    assert not plan_views(cast.shared).exists()


@pytest.mark.parametrize("plans", [1, 4])
def test_the_patient_page_keeps_its_query_budget_whatever_the_number_of_plans(
        client, cast, kora, django_assert_num_queries, plans, monkeypatch):
    """The section adds three queries to the page, however many plans it shows: 1 the plans
    with municipality, coordinator and grounds, 2 the open requests, 3 the audit INSERT.
    (The referrals' section has its own budget: tests/referrals/test_referral_views.py.)"""
    monkeypatch.delitem(page_sections._sections, "referrals", raising=False)
    for n in range(plans):
        plan = make_plan(cast, kora, cast.shared)
        if n < plans - 1:  # the earlier ones closed, the last one open
            services.set_status(plan, PlanStatus.CLOSED, by=cast.ke_tromso)
    client.force_login(cast.ke_tromso)
    with django_assert_num_queries(PATIENT_PAGE_BUDGET):
        response = detail(client, cast.shared)
    assert len(response.context["sections"]) == 1
    assert response.content.decode().count('<tr id="patient-plan-') == plans
    assert plan_views(cast.shared).count() == plans
