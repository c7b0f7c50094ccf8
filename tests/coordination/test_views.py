"""The KE's overview with its inline decisions, and the plan page with its inline edits, the
PDF and the version history: who sees them, what the services refuse, query budgets."""

import pytest
from django.urls import reverse
from django.utils import timezone

from coordination import services
from coordination.models import (
    ConsentMethod,
    ConsentScope,
    IndividualPlan,
    PlanRequest,
    PlanStatus,
    PlanVersion,
    RequestKind,
    RequestStatus,
)
from registry.models import AuditAction, AuditEvent, Role
from tests import factories

from .conftest import HTMX, activate, make_plan, plan_url, submit

# Queries of the KE overview, whatever the number of requests and plans:
#  1 session, 2 user, 3 the user's memberships with the unread count (the KE's
#  municipalities, the audit's roles, the navigation's badge: once per request),
#  4 open requests with patient, municipality and the audit's grounds, 5 coordinators with
#  load, 6 plans due with patient, coordinator and grounds, 7 plan counts with the open
#  pathways count, 8 services (filters; the pyramid levels are reference data kept in
#  memory), 9 the plans I coordinate (with grounds), 10 the audit INSERT of all it shows.
#  Filtering adds none.
OVERVIEW_BUDGET = 10
# Queries of the plan page, whatever the number of goals, measures and versions:
#  1 session, 2 user, 3 the plan in scope, 4-5 grounds of the audit (memberships, care
#  relationships), 6 the audit INSERT, 7 the plan with patient, municipality and
#  coordinator, 8-13 goals, measures (with service, level, provider), participants,
#  consents, evaluations, coordinator assignments (with coordinator and user), 14 the KE
#  check, 15 versions, 16 memberships with the unread count (navigation), 17 services and
#  18 organisations of the forms; 19 the coordinators with their load (the KE's form to
#  change the coordinator); 20 the patient's comments on the measures (plan_from_patient:
#  a plan in force adds its self-reports and one with the patient's own goals their
#  proposals, tests/coordination/test_plan_from_patient.py) and 21 the message thread
#  (plan_messages).
PLAN_BUDGET = 21


def overview(client, **params):
    return client.get(reverse("coordination:ke_overview"), params)


# ---------------------------------------------------------------------------------------
# The overview


@pytest.mark.parametrize(("member", "status"), [
    ("ke_tromso", 200), ("ke_bodo", 200), ("planner", 403)])
def test_it_shows_the_overview_to_ke_staff_only(client, cast, member, status):
    client.force_login(getattr(cast, member))
    assert overview(client).status_code == status


def test_it_shows_a_coordinator_the_plans_they_coordinate(client, cast, kora):
    plan = make_plan(cast, kora)
    client.force_login(cast.coordinator)
    response = overview(client)
    assert response.status_code == 200
    assert f'id="my-plan-{plan.uuid}"' in response.content.decode()
    assert "open-requests" not in response.content.decode()


def test_it_lists_open_requests_oldest_first_with_waiting_days_in_the_ke_scope(
        client, cast, kora):
    import datetime

    from django.utils import timezone
    old = submit(cast, received_at=timezone.now() - datetime.timedelta(days=5))
    new = submit(cast, cast.shared, kind=RequestKind.COORDINATOR)
    client.force_login(cast.ke_tromso)
    response = overview(client)
    assert [r.uuid for r in response.context["open_requests"]] == [old.uuid, new.uuid]
    assert response.context["open_requests"][0].waiting == 5
    assert response.context["counts"]["requests"] == 2
    assert "Kora Koordinator" in response.content.decode()
    client.force_login(cast.ke_bodo)
    assert overview(client).context["open_requests"] == []


def test_it_accepts_a_request_inline_and_appoints_the_coordinator(client, cast, kora):
    request = submit(cast)
    client.force_login(cast.ke_tromso)
    url = reverse("coordination:accept_request", kwargs={"uuid": request.uuid})
    form = client.get(url, **HTMX)
    assert "0 av 10" in form.content.decode() or "0 of 10" in form.content.decode()
    response = client.post(url, {"coordinator": kora.pk, "patient_wishes": "En som snakker rolig"},
                           **HTMX)
    assert response.status_code == 200
    plan = IndividualPlan.objects.get(request=request)
    assert plan.coordinator == kora
    assert plan.assignments.get().patient_wishes == "En som snakker rolig"
    assert 'id="no-open-requests"' in response.content.decode()


def test_the_lists_an_inline_decision_redraws_audit_the_plans_i_coordinate_too(client, cast):
    me = services.create_coordinator_profile(user=cast.ke_tromso, organization=cast.tromso,
                                             by=cast.ke_tromso)
    request = submit(cast)
    client.force_login(cast.ke_tromso)
    response = client.post(reverse("coordination:accept_request", kwargs={"uuid": request.uuid}),
                           {"coordinator": me.pk}, **HTMX)
    assert response.status_code == 200
    assert reverse("coordination:plan_detail", kwargs={
        "uuid": IndividualPlan.objects.get(request=request).uuid}) in response.content.decode()
    shown = AuditEvent.objects.filter(user=cast.ke_tromso, action=AuditAction.VIEW,
                                      object_type="my_plans")
    assert list(shown.values_list("patient_uuid", flat=True)) == [request.patient.uuid]


def test_it_refuses_another_municipalitys_coordinator_as_a_form_error(client, cast):
    bodo_user = factories.user("coord_bodo", cast.bodo, Role.COORDINATOR, first_name="Bo",
                               last_name="Bodø")
    bodo_coordinator = services.create_coordinator_profile(user=bodo_user,
                                                           organization=cast.bodo,
                                                           by=cast.ke_bodo)
    request = submit(cast)
    client.force_login(cast.ke_tromso)
    response = client.post(reverse("coordination:accept_request", kwargs={"uuid": request.uuid}),
                           {"coordinator": bodo_coordinator.pk}, **HTMX)
    assert response.status_code == 422
    assert "Bodø" in response.content.decode()
    assert 'class="error-summary"' in response.content.decode()
    request.refresh_from_db()
    assert request.status == RequestStatus.RECEIVED


def test_it_refuses_to_decline_without_a_reason(client, cast, kora):
    request = submit(cast)
    client.force_login(cast.ke_tromso)
    url = reverse("coordination:decline_request", kwargs={"uuid": request.uuid})
    response = client.post(url, {"reason": "  ", "coordinator_offered": "on"}, **HTMX)
    assert response.status_code == 422
    assert 'class="error-summary"' in response.content.decode()
    response = client.post(url, {"reason": "Behovet er kortvarig", "coordinator_offered": "on"},
                           **HTMX)
    assert response.status_code == 200
    request.refresh_from_db()
    assert request.status == RequestStatus.DECLINED
    assert request.coordinator_offered


def test_it_hides_another_municipalitys_request_from_the_decision(client, cast):
    request = submit(cast)
    client.force_login(cast.ke_bodo)
    url = reverse("coordination:accept_request", kwargs={"uuid": request.uuid})
    assert client.get(url).status_code == 404
    assert client.post(url, {}).status_code == 404
    assert PlanRequest.objects.get(pk=request.pk).status == RequestStatus.RECEIVED


@pytest.mark.parametrize("filtered", [False, True])
@pytest.mark.parametrize("rows", [3, 30])
def test_the_overview_keeps_its_query_budget(client, cast, kora, django_assert_max_num_queries,
                                             rows, filtered):
    service = factories.service(cast.tromso, "2", name="Hverdagsrehabilitering")
    for n in range(rows):
        patient = factories.patient(cast.ke_tromso, f"Pas{n}", "Ient", municipality=cast.tromso)
        submit(cast, patient)
        if n % 3 == 0:  # a third as many plans with the service, due for evaluation
            plan = activate(cast, make_plan(cast, kora, factories.patient(
                cast.ke_tromso, f"Plan{n}", "Ient", municipality=cast.tromso)))
            services.add_measure(plan, by=cast.ke_tromso, service=service,
                                 description=f"Tiltak {n}")
            plan.refresh_from_db()
            services.update_plan(plan, by=cast.ke_tromso, expected_version=plan.version,
                                 next_evaluation_on=timezone.localdate())
    params = {"level": "2", "service": str(service.uuid)} if filtered else {}
    client.force_login(cast.ke_tromso)
    overview(client)  # a running server has read the reference data already
    with django_assert_max_num_queries(OVERVIEW_BUDGET):
        response = overview(client, **params)
    assert len(response.context["open_requests"]) == rows
    assert len(response.context["due"]) == len(range(0, rows, 3))


# ---------------------------------------------------------------------------------------
# The plan page


@pytest.mark.parametrize(("member", "status"), [
    ("ke_tromso", 200), ("coordinator", 200), ("ke_bodo", 404), ("planner", 404)])
def test_it_shows_the_plan_within_scope_only(client, cast, kora, member, status):
    plan = make_plan(cast, kora)
    client.force_login(getattr(cast, member))
    response = client.get(plan_url(plan))
    assert response.status_code == status
    if status == 200:
        assert "Hva er viktig for deg?" in response.content.decode() or \
            "What matters to you?" in response.content.decode()
        assert AuditEvent.objects.filter(user=getattr(cast, member),
                                         action=AuditAction.VIEW).exists()


def test_the_coordinator_writes_the_patients_goal_inline(client, cast, kora):
    plan = make_plan(cast, kora)
    client.force_login(cast.coordinator)
    response = client.post(plan_url(plan, "edit_what_matters"),
                           {"version": plan.version, "what_matters": "Gå på ski igjen"}, **HTMX)
    assert response.status_code == 200
    assert 'class="patient-words" id="what-matters"' in response.content.decode()
    plan.refresh_from_db()
    assert plan.what_matters == "Gå på ski igjen"


def test_a_stale_edit_shows_what_changed_and_keeps_the_input(client, cast, kora):
    plan = make_plan(cast, kora)
    read_version = plan.version
    services.update_plan(plan, by=cast.ke_tromso, expected_version=read_version,
                         what_matters="KE skrev dette")
    client.force_login(cast.coordinator)
    response = client.post(plan_url(plan, "edit_what_matters"),
                           {"version": read_version, "what_matters": "Min egen tekst"}, **HTMX)
    assert response.status_code == 409
    html = response.content.decode()
    # The changed field is named by its translated label, not the snapshot key.
    assert "Endret: plan hva er viktig for deg?" in html
    assert "Min egen tekst</textarea>" in html  # nothing lost
    plan.refresh_from_db()
    assert plan.what_matters == "KE skrev dette"
    assert f'name="version" value="{plan.version}"' in html


def test_it_adds_a_goal_and_a_measure_on_a_level_3_service(client, cast, kora):
    plan = make_plan(cast, kora)
    service = factories.service(cast.tromso, "3", name="Hverdagsrehabilitering")
    client.force_login(cast.coordinator)
    response = client.post(plan_url(plan, "add_goal"),
                           {"version": plan.version, "text": "Handle selv",
                            "status": "not_started"}, **HTMX)
    assert response.status_code == 200
    plan.refresh_from_db()
    response = client.post(plan_url(plan, "add_measure"),
                           {"version": plan.version, "service": service.pk,
                            "extent": "2 ganger i uka"}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Hverdagsrehabilitering" in html
    assert plan.measures.get().service == service
    assert 'id="version-' in html


def test_a_measure_needs_a_service_or_a_description(client, cast, kora):
    plan = make_plan(cast, kora)
    client.force_login(cast.coordinator)
    response = client.post(plan_url(plan, "add_measure"), {"version": plan.version}, **HTMX)
    assert response.status_code == 422
    assert not plan.measures.exists()


def test_outsiders_cannot_edit_the_plan(client, cast, kora):
    plan = make_plan(cast, kora)
    client.force_login(cast.ke_bodo)
    response = client.post(plan_url(plan, "add_goal"),
                           {"version": plan.version, "text": "X", "status": "not_started"})
    assert response.status_code == 404
    assert not plan.goals.exists()


def test_status_change_and_consent_inline(client, cast, kora):
    plan = make_plan(cast, kora)
    services.add_goal(plan, by=cast.ke_tromso, text="Gå tur")
    plan.refresh_from_db()
    client.force_login(cast.coordinator)
    response = client.post(plan_url(plan, "record_consent"),
                           {"version": plan.version, "organization": cast.tromso.pk,
                            "scope": ConsentScope.PLAN, "method": ConsentMethod.WRITTEN}, **HTMX)
    assert response.status_code == 200
    plan.refresh_from_db()
    response = client.post(plan_url(plan, "change_status"),
                           {"version": plan.version, "status": PlanStatus.ACTIVE}, **HTMX)
    assert response.status_code == 200
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE
    consent = plan.consents.get()
    response = client.post(plan_url(plan, "revoke_consent", consent_uuid=consent.uuid), **HTMX)
    assert response.status_code == 200
    consent.refresh_from_db()
    assert consent.revoked_at is not None


def test_a_closed_plan_is_read_only(client, cast, kora):
    plan = activate(cast, make_plan(cast, kora))
    plan = services.set_status(plan, PlanStatus.CLOSED, by=cast.ke_tromso)
    client.force_login(cast.ke_tromso)  # the coordinator's access ended with the plan
    html = client.get(plan_url(plan)).content.decode()
    assert 'id="plan-read-only"' in html
    assert "<form" not in html.split('id="plan-body"')[1].split("</main>")[0]
    response = client.post(plan_url(plan, "add_goal"),
                           {"version": plan.version, "text": "Ny", "status": "not_started"},
                           **HTMX)
    assert response.status_code == 409
    assert plan.goals.count() == 1


@pytest.mark.parametrize(("member", "status"), [
    ("coordinator", 200), ("ke_tromso", 200), ("ke_bodo", 404), ("planner", 404)])
def test_the_pdf_downloads_within_scope_only(client, cast, kora, member, status):
    plan = make_plan(cast, kora)
    client.force_login(getattr(cast, member))
    response = client.get(plan_url(plan, "plan_pdf"))
    assert response.status_code == status
    if status == 200:
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")


@pytest.mark.parametrize("reader", ["coordinator", "ke_tromso"])
@pytest.mark.parametrize("rows", [3, 30])
def test_the_plan_page_keeps_its_query_budget(client, cast, kora, second_coordinator,
                                              django_assert_max_num_queries, rows, reader):
    plan = make_plan(cast, kora)
    service = factories.service(cast.tromso, "3")
    for n in range(rows):
        services.add_goal(plan, by=cast.ke_tromso, text=f"Mål {n}")
        services.add_measure(plan, by=cast.ke_tromso, service=service, description=f"Tiltak {n}")
    client.force_login(getattr(cast, reader))
    with django_assert_max_num_queries(PLAN_BUDGET):
        response = client.get(plan_url(plan))
    assert response.content.decode().count('<tr id="measure-') == rows
    assert ('id="reassign-form"' in response.content.decode()) == (reader == "ke_tromso")


def test_the_coordinator_who_closes_the_plan_goes_back_to_the_overview(client, cast, kora):
    plan = activate(cast, make_plan(cast, kora))
    client.force_login(cast.coordinator)
    response = client.post(plan_url(plan, "change_status"),
                           {"version": plan.version, "status": PlanStatus.CLOSED}, **HTMX)
    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("coordination:ke_overview")
    page = client.get(reverse("coordination:ke_overview")).content.decode()
    assert "den blir liggende hos koordinerende enhet" in page
    plan.refresh_from_db()
    assert plan.status == PlanStatus.CLOSED
    assert client.get(plan_url(plan)).status_code == 404


@pytest.mark.parametrize("kept", [0, 1])
def test_a_plan_with_no_or_one_stored_version_opens_with_its_history(client, cast, plan, kept):
    """A plan imported or made before versions were kept has fewer versions than the
    history pairs up: the page still opens, showing the versions there are."""
    for version in PlanVersion.objects.filter(plan=plan).order_by("-number")[kept:]:
        version.delete()
    client.force_login(cast.ke_tromso)
    response = client.get(plan_url(plan))
    assert response.status_code == 200
    assert response.content.decode().count('id="version-') == kept
