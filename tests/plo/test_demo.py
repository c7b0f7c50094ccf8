"""`make run`'s demo shows PLO at work: UNN Tromsø and Tromsø connected by folder, Tromsø
taking admissions as PLO, and UNN's admission message received, made a stay the KE sees,
and passed on to Tromsø's EPJ; a second run changes nothing."""

from io import StringIO

import pytest
from django.core.management import call_command

from pathways.models import Admission, Patient
from plo import demo
from plo.models import Direction, MessageStatus, PloEndpoint, PloMessage
from registry.models import ChannelChoice, User

pytestmark = pytest.mark.django_db


def test_the_demo_connects_unn_and_tromso_and_receives_an_admission_message():
    out = StringIO()
    call_command("seed_demo", stdout=out, stderr=StringIO())
    assert "PLO: UNN Tromsø and Tromsø connected by folder" in out.getvalue()
    assert PloEndpoint.objects.count() == 2
    received = PloMessage.objects.get(direction=Direction.IN)
    assert (received.msg_id, received.msg_type, received.status) == (
        demo.ADMISSION_MSG_ID, "LOG_INNLAGT", MessageStatus.PROCESSED)
    stay = Admission.objects.get(uuid=received.subject_uuid)
    assert (stay.patient.given_name, stay.patient.family_name) == ("Per", "Pedersen")
    assert Patient.objects.visible_to(User.objects.get(username="ke.tromso")).filter(
        pk=stay.patient_id).exists()
    passed_on = PloMessage.objects.get(direction=Direction.OUT)
    assert (passed_on.msg_type, passed_on.status, passed_on.receiver.name) == (
        "LOG_INNLAGT", MessageStatus.QUEUED, "Tromsø")

    call_command("seed_demo", stdout=StringIO(), stderr=StringIO())
    assert PloMessage.objects.count() == 2
    assert Admission.objects.filter(patient=stay.patient).count() == 1
    assert ChannelChoice.objects.count() == 7
