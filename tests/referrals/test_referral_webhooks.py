"""A referral's webhook events (referral.created, referral.updated) reach the EPJ systems of
the units it concerns, as each comes to care for the patient, and no one else's: a system
learns of a referral only where it may read it, and every delivery's URL answers its key."""

from urllib.parse import urlsplit

from referrals import services
from tests.webhooks.conftest import subscriber
from webhooks.models import WebhookDelivery

EVENTS = ["referral.created", "referral.updated"]


def received(system) -> list[tuple[str, str]]:
    return [(d.event, d.payload["data"]["uuid"]) for d in WebhookDelivery.objects.filter(
        subscription=system.subscription).order_by("pk")]


def test_each_unit_the_referral_concerns_hears_of_it_and_no_other(cast, world):
    systems = {name: subscriber(organization, f"https://{name}.example.org/hooks",
                                name=f"EPJ {name}", events=EVENTS)
               for name, organization in (("tromso", cast.tromso), ("unn", cast.unn),
                                          ("rve", world.rve),
                                          ("valnesfjord", world.valnesfjord),
                                          ("skibotn", world.skibotn))}
    # Tromsø's KE refers the shared patient, whom UNN also cares for, through the RVE.
    referral = services.refer(by=cast.ke_tromso, patient=cast.shared,
                              service=world.valnesfjord_rehab, reason="Etter hjerneslag")
    created = [("referral.created", str(referral.uuid))]
    assert received(systems["tromso"]) == received(systems["rve"]) == created
    for name in ("unn", "valnesfjord", "skibotn"):
        assert received(systems[name]) == [], name

    # The RVE allocates a place at Valnesfjord, which now cares for the patient and hears.
    services.accept(referral, by=world.rve_assessor, has_right=False,
                    allocated_service=world.valnesfjord_rehab)
    updated = [("referral.updated", str(referral.uuid))]
    assert received(systems["tromso"]) == received(systems["rve"]) == created + updated
    assert received(systems["valnesfjord"]) == updated
    assert received(systems["unn"]) == received(systems["skibotn"]) == []

    # Each system may read what it was told of, with its own key.
    for name in ("tromso", "rve", "valnesfjord"):
        delivery = WebhookDelivery.objects.filter(
            subscription=systems[name].subscription).latest("pk")
        response = systems[name].http.get(urlsplit(delivery.payload["data"]["url"]).path)
        assert response.status_code == 200, name
        assert response.json()["status"] == "accepted"
    # The hospital's system, though it sees the patient, cannot read the referral.
    assert systems["unn"].http.get(f"/api/v1/referrals/{referral.uuid}/").status_code == 404


def test_a_forwarded_referral_is_news_to_the_new_receiver(cast, world):
    other = subscriber(world.skibotn, "https://skibotn.example.org/hooks", events=EVENTS)
    hospital = subscriber(cast.unn, "https://unn.example.org/hooks", events=EVENTS)
    # The hospital department refers directly to the institution (seed 001 § 3.2).
    referral = services.refer(by=cast.planner, patient=cast.shared,
                              service=world.valnesfjord_rehab, reason="Etter hjerneslag")
    assert referral.receiver == world.valnesfjord
    onward = services.forward(referral, by=world.valnesfjord_assessor,
                              to_service=world.skibotn_rehab, reason="Nærmere hjemmet")
    assert received(other) == [("referral.created", str(onward.uuid))]
    assert received(hospital) == [("referral.created", str(referral.uuid)),
                                  ("referral.updated", str(referral.uuid)),
                                  ("referral.created", str(onward.uuid))]
