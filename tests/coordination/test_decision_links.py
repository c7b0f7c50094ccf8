"""Every decision on a request links to what it made: the plan and the coordinator
assignment, in the confirmation and again on the request's page once decided."""

from django.urls import reverse

from coordination.models import IndividualPlan, RequestKind
from registry.models import AuditEvent

from .conftest import submit

HTMX = {"HTTP_HX_REQUEST": "true"}


def accept_url(request):
    return reverse("coordination:accept_request", kwargs={"uuid": request.uuid})


def test_the_confirmation_of_an_accepted_request_links_to_the_plan_and_the_assignment(
        client, cast, kora):
    request = submit(cast)
    client.force_login(cast.ke_tromso)
    response = client.post(accept_url(request), {"coordinator": kora.pk}, **HTMX)
    assert response.status_code == 200
    plan = IndividualPlan.objects.get(request=request)
    plan_url = reverse("coordination:plan_detail", kwargs={"uuid": plan.uuid})
    html = response.content.decode()
    assert f'href="{plan_url}"' in html
    assignment = plan.assignments.get()
    assert f'href="{plan_url}#assignment-{assignment.uuid}"' in html
    # The anchor is there on the plan page.
    assert f'id="assignment-{assignment.uuid}"' in client.get(plan_url).content.decode()


def test_without_javascript_the_message_after_accepting_links_to_the_plan(client, cast, kora):
    request = submit(cast)
    client.force_login(cast.ke_tromso)
    response = client.post(accept_url(request), {"coordinator": kora.pk}, follow=True)
    plan = IndividualPlan.objects.get(request=request)
    assert reverse("coordination:plan_detail", kwargs={"uuid": plan.uuid}) in (
        response.content.decode())


def test_the_decided_requests_page_shows_the_decision_and_links_to_the_plan(
        client, cast, kora):
    request = submit(cast)
    client.force_login(cast.ke_tromso)
    client.post(accept_url(request), {"coordinator": kora.pk}, **HTMX)
    plan = IndividualPlan.objects.get(request=request)
    response = client.get(accept_url(request))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="decision-links"' in html and "Innvilget" in html
    assert reverse("coordination:plan_detail", kwargs={"uuid": plan.uuid}) in html
    assert f"#assignment-{plan.assignments.get().uuid}" in html
    assert AuditEvent.objects.filter(user=cast.ke_tromso, object_type="planrequest",
                                     object_id=str(request.uuid)).exists()
    # Posting again changes nothing and says why, with the same links.
    again = client.post(accept_url(request), {"coordinator": kora.pk}, **HTMX)
    assert again.status_code == 409
    assert 'id="decision-links"' in again.content.decode()
    assert IndividualPlan.objects.filter(patient=request.patient).count() == 1


def test_a_decline_without_a_coordinator_says_it_made_nothing(client, cast):
    request = submit(cast, kind=RequestKind.REHABILITATION_ASSESSMENT)
    client.force_login(cast.ke_tromso)
    url = reverse("coordination:decline_request", kwargs={"uuid": request.uuid})
    response = client.post(url, {"reason": "Ikke behov nå"}, **HTMX)
    assert response.status_code == 200
    assert "#assignment-" not in response.content.decode()
    html = client.get(url).content.decode()
    assert 'id="decision-made-nothing"' in html
