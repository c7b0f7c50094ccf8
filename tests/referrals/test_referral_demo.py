"""The referrals' demo data (seed_demo): the RVE's inbox holds Gerd's application, whose
assessment shows her goals first and the GP's override of the suggested level; Valnesfjord's
waiting list holds Hans; the waiting time is computed, and nothing in the catalogue is typed
in."""

from referrals.models import Referral, ReferralStatus
from registry.models import ServiceOffering, User
from tests.test_seed_demo import seed


def test_the_demo_fills_the_rve_inbox_the_waiting_list_and_computes_the_waiting(db, client):
    seed()
    seed()  # idempotent
    gerd = Referral.objects.get(patient__given_name="Gerd")
    assert (gerd.status, gerd.receiver.name) == (ReferralStatus.RECEIVED,
                                                  "Regional vurderingsenhet, UNN")
    assessment = gerd.needs_assessment
    assert (assessment.suggested_level.code, assessment.level.code) == ("4", "5.1")
    assert assessment.override_reason
    valnesfjord = ServiceOffering.objects.get(provider__name="Valnesfjord Helsesportsenter")
    assert [r.patient.given_name for r in Referral.objects.waiting_list(valnesfjord)] == [
        "Hans"]
    # One start in the last 90 days and one waiting: 90 days for the next (Little's law).
    assert valnesfjord.waiting_days == 90
    # Services with neither a list nor a start have no figure, not a typed one.
    assert not ServiceOffering.objects.filter(waiting_days__isnull=False).exclude(
        pk=valnesfjord.pk).exists()
    client.force_login(User.objects.get(username="vurdering.rve"))
    page = client.get(f"/referrals/{gerd.uuid}/")
    assert page.status_code == 200
    assert "Klare meg selv hjemme" in page.content.decode()
