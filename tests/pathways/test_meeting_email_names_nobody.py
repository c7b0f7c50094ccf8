"""The e-mail of a discharge meeting invitation names no patient (issue 12, item 7): the
in-app notification may name them to a reader who may see them, the e-mail never does, not
in the subject, the text or the calendar file; and the organiser is sent none."""

from django.core import mail

from pathways.models import ParticipantKind
from registry import tasks
from registry.models import Notification, NotificationChannel
from tests.factories import admit, discharge_meeting


def test_the_invitation_e_mail_names_nobody_and_the_organiser_gets_none(
        cast, django_capture_on_commit_callbacks):
    cast.ke_tromso.email = "kare@tromso.example"
    cast.ke_tromso.save()
    cast.planner.email = "pia@unn.example"
    cast.planner.save()
    with django_capture_on_commit_callbacks(execute=True):
        discharge_meeting(cast, admit(cast), participants=[
            {"kind": ParticipantKind.HOSPITAL_STAFF, "user": cast.planner,
             "organization": cast.unn},
            {"kind": ParticipantKind.COORDINATING_UNIT, "user": cast.ke_tromso,
             "organization": cast.tromso},
            {"kind": ParticipantKind.GP, "name": "Fastlege Fjell", "email": "gp@example.org"}])
    for row in Notification.objects.filter(channel=NotificationChannel.EMAIL,
                                           delivered_at__isnull=True):
        tasks.deliver_notification(row.pk)
    invited = [m for m in mail.outbox if m.to in (["kare@tromso.example"], ["gp@example.org"])]
    assert len(invited) == 2
    for message in invited:
        assert message.attachments  # the calendar file
        text = message.subject + message.body + "".join(
            str(content) for _name, content, _type in message.attachments)
        assert "Astrid" not in text and "Aune" not in text
        assert cast.shared.identity_number not in text
    assert not [m for m in mail.outbox if m.to == ["pia@unn.example"]]
