"""The portal speaks PLO too: a step on the pathway becomes its PLO message for the other
side when that organisation chose PLO for the step; the message is valid, written in the
step's transaction, sent once through the folder transport (retried when the transport
fails), and its AppRec marks it acknowledged or refused with the receiver's reason."""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from pathways import services as pathway_services
from pathways.models import DischargeDestination, MunicipalAnswerKind
from pathways.services import admissions as admission_services
from plo import apprec, outbox, outgoing, services, xml
from plo.envelope import Party, read_envelope
from plo.models import Direction, MessageStatus, PloMessage
from plo.tasks import sweep_outbox
from plo.transports import FolderTransport
from registry.models import ChannelChoice, ChannelStep, StepChannel
from tests import factories
from webhooks.models import WebhookDelivery, WebhookSubscription

pytestmark = pytest.mark.django_db


@pytest.fixture
def folder(tmp_path, settings):
    settings.PLO_FOLDER = str(tmp_path)
    return FolderTransport(tmp_path)


def her_ids(cast) -> None:
    """Tromsø and UNN in the address register: HER-ids 9001 and 9002."""
    for organization, her_id in ((cast.tromso, "9001"), (cast.unn, "9002")):
        organization.her_id = her_id
        organization.save(update_fields=["her_id"])


@pytest.fixture
def tromso_wants_plo(cast, folder):
    """Tromsø (HER-id 9001) takes admissions, declarations, withdrawals and discharges as PLO
    messages from UNN (HER-id 9002) into its EPJ system."""
    her_ids(cast)
    endpoint = services.connect(cast.tromso)
    for step in (ChannelStep.ADMISSION, ChannelStep.READY, ChannelStep.WITHDRAWN,
                 ChannelStep.DISCHARGED):
        ChannelChoice.objects.create(organization=cast.tromso, step=step,
                                     channel=StepChannel.PLO)
    return endpoint


def sent(folder, message) -> bytes:
    return (folder.outbox / message.receiver_her_id /
            f"{message.msg_type.lower()}-{message.msg_id}.xml").read_bytes()


def test_an_admission_on_the_ward_board_goes_to_the_municipality_as_log_innlagt(
        cast, tromso_wants_plo, folder):
    admission = factories.admit(cast)
    [message] = PloMessage.objects.filter(direction=Direction.OUT)
    assert (message.msg_type, message.status, message.step) == (
        "LOG_INNLAGT", MessageStatus.QUEUED, "admission.created")
    assert (message.sender, message.receiver, message.patient) == (
        cast.unn, cast.tromso, cast.shared)
    assert message.subject_uuid == admission.uuid
    envelope = read_envelope(xml.read(bytes(message.document)))  # valid against the schemas
    assert envelope.patient.identity_number == cast.shared.identity_number
    assert outbox.send(message.pk)
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and message.delivered_at is not None
    assert sent(folder, message) == bytes(message.document)
    # A second attempt (a message the broker delivered twice) sends nothing more.
    assert not outbox.send(message.pk)


def test_a_step_that_rolls_back_writes_no_message(cast, tromso_wants_plo):
    with pytest.raises(RuntimeError), transaction.atomic():
        factories.admit(cast)
        raise RuntimeError("the request failed after the step")
    assert not PloMessage.objects.exists()


def test_an_organisation_that_did_not_choose_plo_gets_no_message(cast, folder):
    services.connect(cast.tromso)  # connected, but chose nothing: the portal only
    factories.admit(cast)
    assert not PloMessage.objects.exists()
    ChannelChoice.objects.create(organization=cast.tromso, step=ChannelStep.ADMISSION,
                                 channel=StepChannel.PORTAL)
    factories.admit(cast, patient=cast.tromso_only)
    assert not PloMessage.objects.exists()


def test_the_whole_stay_travels_and_every_message_validates(cast, tromso_wants_plo, folder):
    admission = factories.admit(cast, hours_ago=30)
    pathway_services.declare_ready_for_discharge(
        admission, by=cast.planner, physician="Dr. Lege",
        declared_at=timezone.now() - datetime.timedelta(hours=3))
    pathway_services.withdraw_ready_for_discharge(admission, by=cast.planner,
                                                  reason="Feber igjen")
    admission.refresh_from_db()
    pathway_services.discharge_patient(admission, by=cast.planner,
                                       destination=DischargeDestination.NURSING_HOME)
    kinds = list(PloMessage.objects.filter(direction=Direction.OUT).order_by("pk")
                 .values_list("msg_type", flat=True))
    assert kinds == ["LOG_INNLAGT", "LOG_UTSKRIVNINGSKLAR", "LOG_AVMELDING", "LOG_UTSKREVET"]
    for message in PloMessage.objects.filter(direction=Direction.OUT):
        xml.read(bytes(message.document))
    withdrawal = PloMessage.objects.get(msg_type="LOG_AVMELDING")
    assert b"Feber igjen" in bytes(withdrawal.document)
    discharge = PloMessage.objects.get(msg_type="LOG_UTSKREVET")
    to = xml.read(bytes(discharge.document)).find(".//{*}UtskrevetTil/{*}UtTil")
    assert to.get("OT") == "Sykehjem / korttidsopphold" and to.get("V") is None


def test_the_channel_chosen_decides_between_plo_webhooks_and_the_portal(cast, folder):
    """Tromsø's EPJ subscribes to admissions by webhook. With no choice, or webhooks chosen,
    it gets the webhook; with PLO chosen, the PLO message instead; with the portal only,
    neither."""
    her_ids(cast)
    services.connect(cast.tromso)
    client = factories.api_client(cast.tromso).api_client
    WebhookSubscription.objects.create(client=client, events=["admission.created"],
                                       target_url="https://epj.example.org/hook")
    choice = ChannelChoice(organization=cast.tromso, step=ChannelStep.ADMISSION)

    def told(patient) -> tuple[int, int]:
        before = WebhookDelivery.objects.count(), PloMessage.objects.count()
        factories.admit(cast, patient=patient)
        return (WebhookDelivery.objects.count() - before[0],
                PloMessage.objects.count() - before[1])

    assert told(cast.shared) == (1, 0)
    choice.channel = StepChannel.PLO
    choice.save()
    assert told(cast.tromso_only) == (0, 1)
    choice.channel = StepChannel.PORTAL
    choice.save()
    third = factories.patient(cast.ke_tromso, "Tone", "Tredje", municipality=cast.tromso)
    assert told(third) == (0, 0)


def test_a_failing_transport_is_retried_with_backoff_and_nothing_is_lost(
        cast, tromso_wants_plo, folder, monkeypatch):
    factories.admit(cast)
    message = PloMessage.objects.get(direction=Direction.OUT)
    folder.outbox.mkdir(parents=True, exist_ok=True)
    blocked = folder.outbox / "9001"
    blocked.write_text("a file where the folder should be")  # the write fails
    now = timezone.now()
    assert not outbox.send(message.pk, now)
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.QUEUED, 1)
    assert message.last_error and message.next_attempt_at > now
    # Not due yet: the sweep leaves it; once the backoff is over it goes.
    assert sweep_outbox(now) == 0
    blocked.unlink()
    later = message.next_attempt_at + datetime.timedelta(seconds=1)
    assert outbox.send(message.pk, later)
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == (
        MessageStatus.SENT, 2, "")


def test_a_message_whose_queueing_was_lost_is_sent_by_the_sweep(cast, tromso_wants_plo,
                                                                folder, settings):
    factories.admit(cast)
    message = PloMessage.objects.get(direction=Direction.OUT)
    grace = settings.RETRY["plo"]["FRESH_GRACE_SECONDS"]
    assert outbox.QUEUE.due(timezone.now()).count() == 0  # its own message may still come
    late = timezone.now() + datetime.timedelta(seconds=grace + 1)
    assert list(outbox.QUEUE.due(late).values_list("pk", flat=True)) == [message.pk]


def receipt_for(message, *, errors=()) -> bytes:
    """The AppRec the municipality's EPJ writes for the portal's message."""
    envelope = read_envelope(xml.read(bytes(message.document)))
    return apprec.build(receipt_from=envelope.receiver, receipt_to=envelope.sender,
                        original_type=envelope.msg_type, original_id=envelope.msg_id,
                        original_issued=timezone.now(), errors=list(errors),
                        now=timezone.now())


def test_the_receivers_apprec_marks_the_message_acknowledged_or_refused(
        cast, tromso_wants_plo, folder):
    factories.admit(cast)
    factories.admit(cast, patient=cast.tromso_only)
    first, second = PloMessage.objects.filter(direction=Direction.OUT).order_by("pk")
    for message in (first, second):
        outbox.send(message.pk)
    services.receive(receipt_for(first), transport="folder")
    services.receive(receipt_for(second, errors=[("E36", "Navnet stemmer ikke")]),
                     transport="folder")
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == MessageStatus.ACKNOWLEDGED
    assert (second.status, second.error_code, second.error_text) == (
        MessageStatus.REFUSED, "E36", "Navnet stemmer ikke")


def test_a_receipt_from_another_party_changes_nothing(cast, tromso_wants_plo, folder):
    factories.admit(cast)
    message = PloMessage.objects.get(direction=Direction.OUT)
    outbox.send(message.pk)
    envelope = read_envelope(xml.read(bytes(message.document)))
    forged = apprec.build(receipt_from=Party(her_id="7777", name="Someone else"),
                          receipt_to=envelope.sender, original_type=envelope.msg_type,
                          original_id=envelope.msg_id, original_issued=timezone.now(),
                          errors=[], now=timezone.now())
    services.receive(forged, transport="folder")
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT


def test_no_receipt_in_time_is_said_and_the_operator_sends_it_again(
        cast, tromso_wants_plo, folder, settings):
    factories.admit(cast)
    message = PloMessage.objects.get(direction=Direction.OUT)
    outbox.send(message.pk)
    message.refresh_from_db()
    wait = datetime.timedelta(seconds=settings.PLO_RECEIPT_WAIT_SECONDS)
    sweep_outbox(message.delivered_at + wait - datetime.timedelta(seconds=1))
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    sweep_outbox(message.delivered_at + wait + datetime.timedelta(seconds=1))
    message.refresh_from_db()
    assert message.status == MessageStatus.UNANSWERED
    outbox.resend(message)
    assert outbox.send(message.pk)
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and message.attempts == 1


def test_a_municipal_answer_goes_to_a_hospital_that_wants_plo(cast, folder):
    her_ids(cast)
    services.connect(cast.unn)
    ChannelChoice.objects.create(organization=cast.unn, step=ChannelStep.MUNICIPAL_ANSWER,
                                 channel=StepChannel.PLO)
    declaration = factories.ready_for_discharge(cast)
    pathway_services.answer_ready_for_discharge(
        declaration, by=cast.ke_tromso, kind=MunicipalAnswerKind.CAN_RECEIVE,
        receive_on=timezone.localdate() + datetime.timedelta(days=2))
    [message] = PloMessage.objects.filter(direction=Direction.OUT)
    assert (message.sender.pk, message.receiver.pk) == (cast.tromso.pk, cast.unn.pk)
    assert message.msg_type.startswith("DIALOG_")
    xml.read(bytes(message.document))


def test_the_operator_sees_a_sent_message_refused_and_sends_an_unanswered_one_again(
        client, cast, tromso_wants_plo, folder):
    from django.urls import reverse

    from registry.models import Role

    admin = factories.user("admin_unn", cast.unn, Role.ORG_ADMIN)
    factories.admit(cast)
    message = PloMessage.objects.get(direction=Direction.OUT)
    outbox.send(message.pk)
    client.force_login(admin)
    page = client.get(reverse("plo:message", args=[message.uuid])).content.decode()
    assert "sendt, venter på kvittering" in page
    assert 'id="plo-resend"' in page  # awaiting its receipt: it may go again
    PloMessage.objects.filter(pk=message.pk).update(status=MessageStatus.ACKNOWLEDGED)
    page = client.get(reverse("plo:message", args=[message.uuid])).content.decode()
    assert 'id="plo-resend"' not in page
    refused = client.post(reverse("plo:resend", args=[message.uuid]))
    assert refused.status_code == 409
    PloMessage.objects.filter(pk=message.pk).update(status=MessageStatus.UNANSWERED)
    response = client.post(reverse("plo:resend", args=[message.uuid]))
    assert response.status_code == 302
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.QUEUED, 0)


def test_a_correction_changes_and_a_mistake_cancels_what_was_sent(cast, tromso_wants_plo,
                                                                   folder):
    """The ward corrects the time of admission (LOG_INNLAGT M), then finds the stay was
    registered on the wrong patient (C): each refers to the message before it, in the same
    conversation, and validates. A stay the portal never told Tromsø about gets neither."""
    admission = factories.admit(cast, hours_ago=5)
    first = PloMessage.objects.get(direction=Direction.OUT)
    admitted_at = timezone.now() - datetime.timedelta(hours=4)
    admission_services.correct_admission(admission, by=cast.planner, admitted_at=admitted_at)
    admission.refresh_from_db()
    admission_services.enter_admission_in_error(admission, by=cast.planner,
                                              reason="Registrert på feil pasient")
    sent = list(PloMessage.objects.filter(direction=Direction.OUT).order_by("pk"))
    assert [(m.msg_type, m.dispatch_status) for m in sent] == [
        ("LOG_INNLAGT", "N"), ("LOG_INNLAGT", "M"), ("LOG_INNLAGT", "C")]
    change, cancel = (read_envelope(xml.read(bytes(m.document))) for m in sent[1:])
    assert (change.parent_id, cancel.parent_id) == (first.msg_id, sent[1].msg_id)
    assert len({first.msg_id, change.msg_id, cancel.msg_id}) == 3
    event = xml.read(bytes(sent[1].document)).find(".//{*}TidspunktForHendelse")
    assert event.get("V") == outgoing.local_time(admitted_at)

    # Another stay, at a moment Tromsø chose the portal only: no message, so no cancel.
    ChannelChoice.objects.filter(organization=cast.tromso).update(channel=StepChannel.PORTAL)
    other = factories.admit(cast, patient=cast.tromso_only)
    admission_services.enter_admission_in_error(other, by=cast.planner, reason="Feil")
    assert PloMessage.objects.filter(direction=Direction.OUT).count() == 3
