"""iCalendar invitations for discharge meetings (RFC 5545, via the icalendar package).

The UID is stable per meeting and SEQUENCE grows with every change, so calendar programs
update or cancel the event they already have instead of adding a new one.
"""

import datetime

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from .models import DischargeMeeting, MeetingStatus, ParticipantKind

PRIVATE_KINDS = (ParticipantKind.PATIENT, ParticipantKind.NEXT_OF_KIN)


def meeting_ics(meeting: DischargeMeeting, *, summary: str, description: str = "") -> str:
    cancelled = meeting.status == MeetingStatus.CANCELLED
    calendar = Calendar()
    calendar.add("prodid", "-//Rehab Portal//Discharge meetings//NB")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "REQUEST")
    event = Event()
    event.add("uid", f"discharge-meeting-{meeting.uuid}@rehab-portal")
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", timezone.now())
    start = meeting.scheduled_at.astimezone(datetime.UTC)
    event.add("dtstart", start)
    event.add("dtend", start + datetime.timedelta(minutes=meeting.duration_minutes))
    event.add("summary", summary)
    if description:
        event.add("description", description)
    if meeting.location:
        event.add("location", vText(meeting.location))
    if meeting.video_link:
        event.add("url", meeting.video_link)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    organizer = vCalAddress(f"mailto:{settings.DEFAULT_FROM_EMAIL}")
    organizer.params["cn"] = vText(meeting.organizer.display_name())
    event["organizer"] = organizer
    for participant in meeting.participants.all():
        # The file goes to every participant: the patient and next of kin are not listed.
        if participant.kind in PRIVATE_KINDS:
            continue
        if participant.email:
            attendee = vCalAddress(f"mailto:{participant.email}")
            attendee.params["cn"] = vText(participant.name)
            attendee.params["partstat"] = {
                "accepted": "ACCEPTED", "declined": "DECLINED",
            }.get(participant.status, "NEEDS-ACTION")
            event.add("attendee", attendee, encode=0)
    calendar.add_component(event)
    return calendar.to_ical().decode()
