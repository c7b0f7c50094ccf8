"""One open request of each kind and one open plan per patient and municipality: held by the
database, so two decisions at the same moment cannot both pass the services' check."""

import threading

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from common.exceptions import StateConflict
from coordination import services
from coordination.models import (
    OPEN_PLAN_STATUSES,
    OPEN_REQUEST_STATUSES,
    IndividualPlan,
    PlanRequest,
    PlanStatus,
    RequestKind,
    RequestStatus,
)
from tests.conftest import skip_or_fail

from .conftest import submit

REQUESTS = "/api/v1/plan-requests/"


def hold_first_save(monkeypatch, model, parties: int = 2) -> threading.Barrier:
    """Let each thread's first save of `model` wait until every thread has reached it: all
    of them have then passed the service's check before any of them inserts (the race)."""
    barrier = threading.Barrier(parties, timeout=20)
    seen = threading.local()
    original = model.save

    def save(self, *args, **kwargs):
        if not getattr(seen, "waited", False):
            seen.waited = True
            barrier.wait()
        return original(self, *args, **kwargs)

    monkeypatch.setattr(model, "save", save)
    return barrier


def post_at_once(user, calls):
    """POST each (path, body) from its own thread and connection; return the responses."""
    results = [None] * len(calls)

    def post(index, path, body):
        try:
            client = APIClient()
            client.force_login(user)
            results[index] = client.post(path, body, format="json")
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(i, *call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def require_postgresql():
    if connection.vendor != "postgresql":
        skip_or_fail("the race needs PostgreSQL (DATABASE_URL): SQLite serialises writers")


@pytest.mark.django_db(transaction=True)
def test_two_submits_at_once_create_one_request_and_the_other_gets_409(cast, monkeypatch):
    require_postgresql()
    hold_first_save(monkeypatch, PlanRequest)
    body = {"patient": str(cast.tromso_only.uuid), "municipality": str(cast.tromso.uuid),
            "kind": "individual_plan", "source": "patient"}
    responses = post_at_once(cast.ke_tromso, [(REQUESTS, body), (REQUESTS, body)])
    assert sorted(r.status_code for r in responses) == [201, 409]
    loser = next(r for r in responses if r.status_code == 409)
    assert loser.json()["error"]["code"] == "duplicate_request"
    assert PlanRequest.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_acceptances_at_once_open_one_plan_and_the_other_gets_409(
        cast, kora, second_coordinator, monkeypatch):
    require_postgresql()
    for_plan = submit(cast, kind=RequestKind.INDIVIDUAL_PLAN)
    for_coordinator = submit(cast, kind=RequestKind.COORDINATOR)
    hold_first_save(monkeypatch, IndividualPlan)
    responses = post_at_once(cast.ke_tromso, [
        (f"{REQUESTS}{for_plan.uuid}/accept/", {"coordinator": str(kora.uuid)}),
        (f"{REQUESTS}{for_coordinator.uuid}/accept/",
         {"coordinator": str(second_coordinator.uuid)}),
    ])
    assert sorted(r.status_code for r in responses) == [200, 409]
    loser = next(r for r in responses if r.status_code == 409)
    assert loser.json()["error"]["code"] == "plan_exists"
    assert IndividualPlan.objects.count() == 1
    # Nothing of the losing decision was written: its request still waits.
    assert sorted(PlanRequest.objects.values_list("status", flat=True)) == [
        RequestStatus.ACCEPTED, RequestStatus.RECEIVED]


@pytest.mark.django_db(transaction=True)
def test_a_notice_racing_a_manual_request_gives_the_one_open_request(cast, monkeypatch):
    require_postgresql()
    from pathways import services as pathway_services
    from tests.factories import admit

    admission = admit(cast, patient=cast.shared)
    notice = pathway_services.send_early_notification(
        admission, by=cast.planner, requests_individual_plan=True,
        rehabilitation_need="Trenger oppfølging")
    PlanRequest.objects.all().delete()  # what the signal made: the race starts from none
    hold_first_save(monkeypatch, PlanRequest)
    results = []

    def from_notice():
        try:
            results.append(services.request_from_early_notification(notice, by=cast.planner))
        finally:
            connection.close()

    def by_hand():
        try:
            results.append(submit(cast, cast.shared, by=cast.ke_tromso))
        except StateConflict as exc:
            results.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=from_notice), threading.Thread(target=by_hand)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    request = PlanRequest.objects.get()
    # Either the notice's request won, and the manual one was refused as a duplicate, or the
    # manual one won and the notice found it: never two, never an error for the hospital.
    assert request in results
    assert len(results) == 2


# --- the constraints themselves (any database) -------------------------------------------

def test_the_database_refuses_a_second_open_request_of_a_kind(cast):
    first = submit(cast)
    duplicate = PlanRequest(patient=first.patient, municipality=first.municipality,
                            kind=first.kind, source=first.source, received_at=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()
    # Another kind, or once the first is decided, is allowed.
    submit(cast, kind=RequestKind.COORDINATOR)
    PlanRequest.objects.filter(pk=first.pk).update(status=RequestStatus.DECLINED,
                                                   decline_reason="Nei")
    duplicate.save()


def test_the_database_refuses_a_second_open_plan(cast, kora):
    plan = services.accept_request(submit(cast), by=cast.ke_tromso, coordinator=kora)
    for status in OPEN_PLAN_STATUSES:
        with pytest.raises(IntegrityError), transaction.atomic():
            IndividualPlan.objects.create(patient=plan.patient, municipality=plan.municipality,
                                          status=status)
    IndividualPlan.objects.create(patient=plan.patient, municipality=plan.municipality,
                                  status=PlanStatus.CLOSED)
    IndividualPlan.objects.create(patient=plan.patient, municipality=cast.bodo)


def test_an_appeal_cannot_reopen_a_request_while_another_is_open(cast):
    declined = submit(cast)
    services.decline_request(declined, by=cast.ke_tromso, reason="Nei",
                             coordinator_offered=True)
    submit(cast)  # the patient asked again
    with pytest.raises(StateConflict) as exc_info:
        services.record_appeal(declined, by=cast.ke_tromso, note="Jeg klager")
    assert exc_info.value.code == "duplicate_request"
    declined.refresh_from_db()
    assert declined.status == RequestStatus.DECLINED and not declined.appeal_note
    assert PlanRequest.objects.filter(status__in=OPEN_REQUEST_STATUSES).count() == 1
