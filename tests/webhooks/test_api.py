"""/api/v1/webhook-subscriptions/ and /api/v1/webhook-deliveries/: a client manages its own
subscriptions (the secret shown once), reads its delivery log and replays; its organisation's
administrator reads and replays; everyone else gets 404."""


import pytest

from registry.models import ApiScope, AuditAction, AuditEvent, Role
from tests import factories
from tests.api.support import error
from webhooks import events, tasks
from webhooks.models import WebhookDelivery, WebhookDeliveryStatus, WebhookSubscription

from .conftest import subscriber

SUBSCRIPTIONS = "/api/v1/webhook-subscriptions/"
DELIVERIES = "/api/v1/webhook-deliveries/"
S = WebhookDeliveryStatus


def detail(base, obj, step=""):
    return f"{base}{obj.uuid}/" + (f"{step}/" if step else "")


@pytest.fixture
def tromso(cast, receiver):
    return subscriber(cast.tromso, receiver.url, name="Gerica Tromsø")


@pytest.fixture
def org_admin(cast):
    return factories.user("admin_tromso", cast.tromso, Role.ORG_ADMIN)


@pytest.fixture
def delivered(cast, tromso, receiver, queue, django_capture_on_commit_callbacks):
    """One delivered admission.created to Tromsø's receiver."""
    with django_capture_on_commit_callbacks(execute=True):
        factories.admit(cast, hours_ago=1)
    queue.run()
    return WebhookDelivery.objects.get()


# --- subscriptions ------------------------------------------------------------------------------

def test_it_creates_a_subscription_and_shows_the_secret_only_once(cast, epj, receiver):
    response = epj.post(SUBSCRIPTIONS, {"target_url": receiver.url,
                                        "events": ["admission.created", "admission.created",
                                                   "early_notification.sent"]}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    subscription = WebhookSubscription.objects.get()
    assert body["secret"] == subscription.secret and body["secret"].startswith("whsec_")
    assert body["events"] == ["admission.created", "early_notification.sent"]
    assert (body["active"], body["version"], response["ETag"]) == (True, 1, 'W/"1"')
    assert response["Location"].endswith(detail(SUBSCRIPTIONS, subscription))
    assert "secret" not in epj.get(detail(SUBSCRIPTIONS, subscription)).json()
    assert "secret" not in epj.get(SUBSCRIPTIONS).json()["results"][0]
    event = AuditEvent.objects.get(action=AuditAction.CREATE,
                                   object_type="webhooksubscription")
    assert subscription.secret not in event.detail


def test_it_rotates_the_secret_and_shows_the_new_one_once(tromso, receiver):
    old = tromso.subscription.secret
    response = tromso.http.post(detail(SUBSCRIPTIONS, tromso.subscription, "rotate-secret"),
                                HTTP_IF_MATCH='W/"1"')
    assert response.status_code == 200
    tromso.subscription.refresh_from_db()
    assert response.json()["secret"] == tromso.subscription.secret != old
    assert response["ETag"] == 'W/"2"'
    assert AuditEvent.objects.filter(object_type="webhooksubscription",
                                     detail="secret rotated").exists()


def test_it_needs_the_webhooks_write_scope_to_subscribe(cast, receiver):
    reader = subscriber(cast.tromso, receiver.url, scopes=[ApiScope.WEBHOOKS_READ,
                                                           ApiScope.PATHWAYS_READ])
    response = reader.http.post(SUBSCRIPTIONS, {"target_url": receiver.url,
                                                "events": ["admission.created"]},
                                format="json")
    assert response.status_code == 403
    assert "webhooks:write" in error(response)["message"]
    assert reader.http.get(SUBSCRIPTIONS).status_code == 200
    none = subscriber(cast.tromso, receiver.url, name="No webhooks",
                      scopes=[ApiScope.PATHWAYS_READ])
    assert none.http.get(SUBSCRIPTIONS).status_code == 403


@pytest.mark.parametrize(("target_url", "events", "field"), [
    ("http://epj.example.no/hooks", ["admission.created"], "target_url"),
    ("https://user:pw@epj.example.no/hooks", ["admission.created"], "target_url"),
    ("ftp://epj.example.no/hooks", ["admission.created"], "target_url"),
    ("https://epj.example.no/hooks", ["admission.deleted"], "events.0"),
    ("https://epj.example.no/hooks", [], "events"),
])
def test_it_refuses_a_bad_url_or_unknown_events(epj, target_url, events, field):
    response = epj.post(SUBSCRIPTIONS, {"target_url": target_url, "events": events},
                        format="json")
    assert response.status_code == 400
    assert field in error(response)["fields"]
    assert not WebhookSubscription.objects.exists()


def test_it_allows_plain_http_only_to_this_machine_and_only_where_the_settings_say(
        epj, settings):
    payload = {"target_url": "http://localhost:9000/hooks", "events": ["admission.created"]}
    settings.WEBHOOK_ALLOW_INSECURE_URLS = False
    assert epj.post(SUBSCRIPTIONS, payload, format="json").status_code == 400
    settings.WEBHOOK_ALLOW_INSECURE_URLS = True
    assert epj.post(SUBSCRIPTIONS, payload, format="json").status_code == 201
    https = {"target_url": "https://epj.example.no/hooks", "events": ["admission.created"]}
    settings.WEBHOOK_ALLOW_INSECURE_URLS = False
    assert epj.post(SUBSCRIPTIONS, https, format="json").status_code == 201


def test_it_changes_a_subscription_only_with_the_current_etag(tromso):
    url = detail(SUBSCRIPTIONS, tromso.subscription)
    change = {"active": False, "events": ["individual_plan.updated"]}
    response = tromso.http.patch(url, change, format="json")
    assert response.status_code == 428
    response = tromso.http.patch(url, change, format="json", HTTP_IF_MATCH='W/"7"')
    assert response.status_code == 412 and response["ETag"] == 'W/"1"'
    response = tromso.http.patch(url, change, format="json", HTTP_IF_MATCH='W/"1"')
    assert response.status_code == 200, response.json()
    assert (response.json()["active"], response.json()["events"], response["ETag"]) == (
        False, ["individual_plan.updated"], 'W/"2"')
    assert "secret" not in response.json()
    assert AuditEvent.objects.filter(action=AuditAction.UPDATE,
                                     object_type="webhooksubscription",
                                     detail="active, events").exists()


def test_it_deletes_a_subscription(tromso):
    response = tromso.http.delete(detail(SUBSCRIPTIONS, tromso.subscription),
                                  HTTP_IF_MATCH='W/"1"')
    assert response.status_code == 204
    assert not WebhookSubscription.objects.exists()
    assert AuditEvent.objects.filter(action=AuditAction.DELETE,
                                     object_type="webhooksubscription").exists()


def test_it_pings_the_receiver(tromso, receiver, queue, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = tromso.http.post(detail(SUBSCRIPTIONS, tromso.subscription, "ping"))
    assert response.status_code == 201
    assert (response.json()["event"], response.json()["status"]) == ("ping", "pending")
    queue.run()
    [event] = receiver.events()
    assert event["type"] == "ping"
    assert event["data"]["uuid"] == str(tromso.subscription.uuid)
    assert tromso.http.get(response["Location"]).json()["status"] == "delivered"


def test_it_hides_another_clients_subscriptions_and_deliveries(cast, tromso, delivered, receiver):
    other = subscriber(cast.tromso, receiver.url, name="Another system in Tromsø")
    assert other.http.get(SUBSCRIPTIONS).json()["results"] == [
        other.http.get(detail(SUBSCRIPTIONS, other.subscription)).json()]
    assert other.http.get(DELIVERIES).json()["results"] == []
    for response in (
        other.http.get(detail(SUBSCRIPTIONS, tromso.subscription)),
        other.http.patch(detail(SUBSCRIPTIONS, tromso.subscription), {"active": False},
                         format="json", HTTP_IF_MATCH='W/"1"'),
        other.http.delete(detail(SUBSCRIPTIONS, tromso.subscription)),
        other.http.post(detail(SUBSCRIPTIONS, tromso.subscription, "rotate-secret")),
        other.http.get(detail(DELIVERIES, delivered)),
        other.http.post(detail(DELIVERIES, delivered, "replay")),
    ):
        assert response.status_code == 404
        assert error(response)["code"] == "not_found"
    tromso.subscription.refresh_from_db()
    assert tromso.subscription.active and tromso.subscription.version == 1


# --- delivery log and replay ---------------------------------------------------------------------

def test_it_lists_and_filters_the_delivery_log(tromso, delivered):
    body = tromso.http.get(DELIVERIES).json()
    [row] = body["results"]
    assert (row["uuid"], row["event"], row["status"], row["attempts"],
            row["last_status_code"]) == (str(delivered.uuid), "admission.created",
                                         "delivered", 1, 204)
    assert row["payload"]["id"] == row["event_id"]
    assert row["subscription"] == str(tromso.subscription.uuid)
    for query, count in [({"status": "failed"}, 0), ({"status": "delivered"}, 1),
                         ({"event": "admission.created"}, 1), ({"event": "ping"}, 0),
                         ({"subscription": str(tromso.subscription.uuid)}, 1)]:
        assert tromso.http.get(DELIVERIES, query).json()["count"] == count, query


def test_it_replays_a_delivery_with_the_same_event_id(tromso, delivered, receiver, queue,
                                                      django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = tromso.http.post(detail(DELIVERIES, delivered, "replay"))
    assert response.status_code == 201, response.json()
    assert response.json()["replay_of"] == str(delivered.uuid)
    queue.run()
    first, second = receiver.requests
    assert receiver.events()[0]["id"] == receiver.events()[1]["id"] == str(delivered.event_id)
    assert first.headers["X-RehabPortal-Delivery"] != second.headers["X-RehabPortal-Delivery"]
    replayed = WebhookDelivery.objects.get(uuid=response.json()["uuid"])
    assert (replayed.status, replayed.event_id) == (S.DELIVERED, delivered.event_id)
    assert AuditEvent.objects.filter(action=AuditAction.CREATE,
                                     object_type="webhookdelivery",
                                     detail__startswith=f"replay of {delivered.uuid}").exists()


def test_it_replays_a_failed_delivery_once_the_receiver_is_back(tromso, delivered, receiver,
                                                                queue,
                                                                django_capture_on_commit_callbacks):
    WebhookDelivery.objects.filter(pk=delivered.pk).update(status=S.FAILED, attempts=10)
    with django_capture_on_commit_callbacks(execute=True):
        response = tromso.http.post(detail(DELIVERIES, delivered, "replay"))
    assert response.status_code == 201
    queue.run()
    assert tromso.http.get(response["Location"]).json()["status"] == "delivered"


def test_it_refuses_to_replay_a_delivery_still_on_its_way(tromso, delivered):
    WebhookDelivery.objects.filter(pk=delivered.pk).update(status=S.PENDING)
    response = tromso.http.post(detail(DELIVERIES, delivered, "replay"))
    assert response.status_code == 409
    assert WebhookDelivery.objects.count() == 1


def test_the_organisation_administrator_reads_and_replays_but_does_not_subscribe(
        cast, api, org_admin, tromso, delivered, receiver, django_capture_on_commit_callbacks):
    admin = api(org_admin)
    assert [row["uuid"] for row in admin.get(SUBSCRIPTIONS).json()["results"]] == [
        str(tromso.subscription.uuid)]
    assert admin.get(detail(DELIVERIES, delivered)).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        assert admin.post(detail(DELIVERIES, delivered, "replay")).status_code == 201
    assert AuditEvent.objects.filter(user=org_admin, object_type="webhookdelivery").exists()
    response = admin.post(SUBSCRIPTIONS, {"target_url": receiver.url,
                                          "events": ["admission.created"]}, format="json")
    assert response.status_code == 403
    response = admin.patch(detail(SUBSCRIPTIONS, tromso.subscription), {"active": False},
                           format="json", HTTP_IF_MATCH='W/"1"')
    assert response.status_code == 403


@pytest.mark.parametrize("member", ["planner", "ke_tromso", "coordinator", "ke_bodo"])
def test_people_without_the_administrator_role_see_no_webhooks(cast, api, tromso, delivered,
                                                               member):
    http = api(getattr(cast, member))
    assert http.get(SUBSCRIPTIONS).json()["results"] == []
    assert http.get(DELIVERIES).json()["results"] == []
    assert http.get(detail(DELIVERIES, delivered)).status_code == 404
    assert http.post(detail(DELIVERIES, delivered, "replay")).status_code == 404


def test_the_administrator_of_another_organisation_sees_nothing(cast, api, tromso, delivered):
    bodo_admin = factories.user("admin_bodo", cast.bodo, Role.ORG_ADMIN)
    assert api(bodo_admin).get(DELIVERIES).json()["results"] == []
    assert api(bodo_admin).get(detail(SUBSCRIPTIONS, tromso.subscription)).status_code == 404


def test_the_lists_cost_the_same_for_many_rows(cast, tromso, receiver,
                                                django_assert_max_num_queries):
    for _ in range(3):
        subscriber(cast.tromso, receiver.url)  # other clients' subscriptions: not listed
    WebhookDelivery.objects.bulk_create([
        WebhookDelivery(subscription=tromso.subscription, event="ping",
                        event_id=payload["id"], payload=payload)
        for payload in (events.build_payload("ping", resource="webhook-subscription",
                                             uuid=tromso.subscription.uuid, url="https://x/")
                        for _ in range(30))])
    # 1 API key (authentication), 1 key's last use, 1 client of the user, 1 count, 1 page.
    with django_assert_max_num_queries(5):
        assert tromso.http.get(DELIVERIES).json()["count"] == 30
    with django_assert_max_num_queries(5):
        assert tromso.http.get(SUBSCRIPTIONS).json()["count"] == 1


def test_the_sweep_is_scheduled_every_15_seconds(settings):
    entry = next(e for e in settings.CELERY_BEAT_SCHEDULE.values()
                 if e["task"] == "webhooks.tasks.retry_deliveries")
    assert entry["schedule"] == settings.OUTBOX_SWEEP_SECONDS == 15
    assert tasks.retry_deliveries.name == "webhooks.tasks.retry_deliveries"
