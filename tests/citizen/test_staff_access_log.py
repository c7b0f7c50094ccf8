"""The staff access log (the KE's view of who read a patient's record) names what the
patient's door wrote to the trail in words: the patient's own page as the channel, the plan
by its name, never an internal code."""

import pytest
from django.urls import reverse

from citizen.auth import BACKEND, citizen_user
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_ke_reads_the_patients_own_reads_in_words(cast, client):
    plan = factories.individual_plan(cast, factories.coordinator(cast), cast.shared)
    factories.activate_plan(cast, plan)
    client.force_login(citizen_user(cast.shared.identity_number), backend=BACKEND)
    assert client.get(f"/me/p/{cast.shared.uuid}/plan/").status_code == 200

    client.force_login(cast.ke_tromso)
    page = client.get(reverse("pathways:access_log", args=[cast.shared.uuid]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Pasientens egen side" in text
    assert "Individuell plan" in text
    assert ">citizen<" not in text and ">individualplan<" not in text
