"""Early supported discharge tells the other side: the municipality's KE when its patient is
enrolled and when the hospital's team hands the plan over; whoever did not end the pathway
when it ends (the team only while it still follows the patient)."""

import pytest

from pathways import services
from registry.models import Notification
from tests.factories import admit

from .variant_helpers import enrolment

pytestmark = pytest.mark.django_db


def told(kind) -> set[str]:
    return set(Notification.objects.filter(kind=kind).values_list(
        "recipient__username", flat=True))


def test_the_municipality_is_told_of_the_enrolment_and_the_handover(cast):
    enrolled = enrolment(cast)
    assert told("pathway_variant.enrolled") == {"ke_tromso"}
    notice = Notification.objects.get(kind="pathway_variant.enrolled")
    assert "tidlig støttet utskriving" in notice.title.lower()
    assert notice.patient_uuid == cast.shared.uuid
    services.hand_over(enrolled, by=cast.planner, expected_version=enrolled.version,
                       note="Gangtrening to ganger i uka")
    handed = Notification.objects.get(kind="pathway_variant.handed_over")
    assert handed.recipient == cast.ke_tromso and "Gangtrening" in handed.body


@pytest.mark.parametrize(("ender", "handed_over", "expected"), [
    ("planner", False, {"ke_tromso"}),
    ("ke_tromso", False, {"planner"}),
    ("ke_tromso", True, set()),  # the team has left: nobody at the hospital follows it now
])
def test_the_end_is_told_to_the_other_side(cast, ender, handed_over, expected):
    enrolled = enrolment(cast, admit(cast, cast.shared))
    if handed_over:
        enrolled = services.hand_over(enrolled, by=cast.planner,
                                      expected_version=enrolled.version)
    services.end_enrolment(enrolled, by=getattr(cast, ender),
                           expected_version=enrolled.version, note="Ferdig")
    assert told("pathway_variant.ended") == expected
