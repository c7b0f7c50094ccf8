"""A step opened without htmx (no JavaScript, a link opened in a new tab) is a whole page with
the form in it, titled by the patient: the panel page once answered 500 when its context named
no hospital."""

import pytest
from django.urls import reverse

from tests.factories import admit

STEPS = ("early_notification", "declare_ready", "discharge", "transfer", "record_death",
         "schedule_meeting")


@pytest.mark.parametrize("step", STEPS)
def test_a_ward_step_opens_as_a_whole_page(client, cast, step):
    admission = admit(cast)
    client.force_login(cast.planner)
    response = client.get(reverse(f"pathways:{step}", args=[admission.uuid]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "<title>Astrid Aune" in page
    assert "<form" in page
