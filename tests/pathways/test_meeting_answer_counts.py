""""x of y accepted" counts the people the organiser invited, not the organiser (issue 12,
item 7: she takes part from the start, with no invitation of her own to answer). A planner who
invited three people reads "2 av 3 har takket ja" once two have accepted: on her ward board,
in the KE's inbox and on the meeting page, where her own row is marked as the organiser's."""

import pytest
from django.conf import settings
from django.urls import reverse

from pathways import services
from registry.models import Membership
from tests import factories


@pytest.fixture
def meeting(cast):
    """Called by the planner (she takes part), inviting the KE, the coordinator and the
    patient (no user): three invited. The KE and the coordinator have accepted."""
    admission = factories.admit(cast)
    Membership.objects.filter(user=cast.planner).update(ward=admission.ward)
    meeting = factories.discharge_meeting(cast, admission, participants=[
        {"kind": "hospital_staff", "user": cast.planner},
        {"kind": "coordinating_unit", "user": cast.ke_tromso, "organization": cast.tromso},
        {"kind": "coordinator", "user": cast.coordinator, "organization": cast.tromso},
        {"kind": "patient"}])
    for user in (cast.ke_tromso, cast.coordinator):
        services.respond_to_invitation(meeting.participants.get(user=user), by=user,
                                       status="accepted")
    return meeting


def html_of(client, user, url) -> str:
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nb"
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_ward_board_counts_the_invited_not_the_organiser(client, cast, meeting):
    html = html_of(client, cast.planner, reverse("pathways:ward_board"))
    assert "2 av 3 har takket ja" in html
    assert "3 av 4 har takket ja" not in html


def test_the_ke_inbox_counts_the_same(client, cast, meeting):
    html = html_of(client, cast.ke_tromso, reverse("pathways:ke_inbox"))
    row = html[html.index(f'<tr id="meeting-{meeting.uuid}">'):]
    assert "2 av 3 har takket ja" in row[:row.index("</tr>")]


def test_the_meeting_page_counts_the_same_and_marks_the_organiser(client, cast, meeting):
    html = html_of(client, cast.planner, reverse("pathways:meeting_detail", args=[meeting.uuid]))
    assert "(2 av 3 har takket ja)" in html
    organiser = meeting.participants.get(user=cast.planner)
    row = html[html.index(f'<tr id="participant-{organiser.pk}"'):]
    assert "(arrangør)" in row[:row.index("</tr>")]
    invited = meeting.participants.get(user=cast.ke_tromso)
    row = html[html.index(f'<tr id="participant-{invited.pk}"'):]
    assert "arrangør" not in row[:row.index("</tr>")]


def test_a_declined_invitation_is_counted_among_the_invited(client, cast, meeting):
    services.respond_to_invitation(meeting.participants.get(user=cast.coordinator),
                                   by=cast.coordinator, status="declined")
    html = html_of(client, cast.planner, reverse("pathways:ward_board"))
    assert "1 av 3 har takket ja, 1 har takket nei" in html
