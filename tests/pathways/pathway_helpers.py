"""Shared steps for the pathway service tests."""

import datetime

from django.utils import timezone

from pathways import services
from tests.factories import admit


def one_of_everything(cast) -> dict:
    """A stay with a sent notice, a meeting in two days with the coordinator invited, and a
    plan accepted from a request: one of each thing the pages and the API show."""
    from coordination import services as coordination
    from tests import factories

    factories.service(cast.tromso, "3", name="Hverdagsrehabilitering")
    admission = admit(cast)
    notice = services.send_early_notification(admission, by=cast.planner,
                                              rehabilitation_need="Trenger trening")
    meeting = services.schedule_discharge_meeting(
        admission, by=cast.planner, location="Rom 3",
        scheduled_at=timezone.now() + datetime.timedelta(days=2),
        participants=[{"kind": "coordinator", "user": cast.coordinator}])
    kora = coordination.create_coordinator_profile(user=cast.coordinator,
                                                   organization=cast.tromso, by=cast.ke_tromso)
    request = coordination.submit_plan_request(
        patient=cast.tromso_only, municipality=cast.tromso, kind="individual_plan",
        source="patient", by=cast.ke_tromso)
    plan = coordination.accept_request(request, by=cast.ke_tromso, coordinator=kora)
    return {"admission": admission, "notice": notice, "meeting": meeting, "plan": plan,
            "request": request}
