"""The operator's PLO message log (issue 16): an organisation's administrator sees the messages
sent to or from it, others nothing (404 for a message, 403 for the list); filters, a bad
filter a form error; a page of rows in a fixed number of queries; a refused message processed
again once the sender is connected, its new receipt written; the stored message shown as
text, escaped; the patient named only to those who may see the patient, every read of a
message with a patient audited."""

from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from plo import services, views, xml
from plo.models import Direction, MessageStatus, PloMessage
from plo.transports import FolderTransport
from registry.models import AuditEvent, Membership, OrganizationKind, Role
from tests import factories

pytestmark = pytest.mark.django_db

EXAMPLES = Path(xml.__file__).resolve().parent / "standards" / "examples"
ADMITTED = (EXAMPLES / "Pasientlogistikk_Innlagt_pasient_v1-6_Ny.xml").read_bytes()
READY = (EXAMPLES / "Pasientlogistikk_Utskrivningsklar_pasient_v1-6_Ny.xml").read_bytes()
NUMBER = "15876500288"  # Roland Gundersen's synthetic number in the examples
LIST = reverse("plo:messages")
HTMX = {"HTTP_HX_REQUEST": "true"}


def to(receiver_her_id: str, msg_id: str) -> bytes:
    """The admission message to another HER-id, under another MsgId."""
    return ADMITTED.replace(b"<Id>99387</Id>", f"<Id>{receiver_her_id}</Id>".encode()).replace(
        b"b088a160-0698-11e8-b566-0800200c9a66", msg_id.encode())


def detail(message):
    return reverse("plo:message", kwargs={"uuid": message.uuid})


@pytest.fixture
def parties(cast):
    """The examples' parties: St. Olavs (HER-id 59, not connected by PLO yet) and Alvdal
    (99387), each with its administrator; Alvdal's KE; Bodø's administrator, unrelated."""
    hospital = factories.organization(OrganizationKind.HOSPITAL, "St. Olavs hospital",
                                      her_id="59", parent=cast.unn_hf)
    factories.ward(hospital, "Ortopedi Øya", code="ORTØYA")
    municipality = factories.organization(name="Alvdal", her_id="99387")
    cast.hospital, cast.alvdal = hospital, municipality
    cast.admin_alvdal = factories.user("admin_alvdal", municipality, Role.ORG_ADMIN)
    cast.admin_olavs = factories.user("admin_olavs", hospital, Role.ORG_ADMIN)
    cast.admin_bodo = factories.user("admin_bodo", cast.bodo, Role.ORG_ADMIN)
    cast.ke_alvdal = factories.user("ke_alvdal", municipality, Role.KE_STAFF)
    return cast


@pytest.fixture
def refused(parties):
    """LOG_INNLAGT from a hospital the portal has no PLO connection for: refused (X99)."""
    message = services.receive(ADMITTED, transport="folder")
    assert (message.status, message.error_code) == (MessageStatus.REJECTED, "X99")
    return message


@pytest.fixture
def processed(parties):
    services.connect(parties.hospital)
    message = services.receive(ADMITTED, transport="folder")
    assert message.status == MessageStatus.PROCESSED, message.error_text
    return message


def rows(response) -> list[str]:
    return [str(message.uuid) for message in response.context["rows"]]


# -- Who sees what --------------------------------------------------------------------------

def test_the_receivers_administrator_sees_the_message(client, parties, refused):
    client.force_login(parties.admin_alvdal)
    response = client.get(LIST)
    assert response.status_code == 200
    assert rows(response) == [str(refused.uuid)]
    html = response.content.decode()
    assert 'id="nav-plo"' in html and detail(refused) in html
    page = client.get(detail(refused))
    assert page.status_code == 200
    assert page.context["message"] == refused
    assert "X99" in page.content.decode()


def test_the_senders_administrator_sees_it_too(client, parties, refused):
    client.force_login(parties.admin_olavs)
    assert rows(client.get(LIST)) == [str(refused.uuid)]
    assert client.get(detail(refused)).status_code == 200


def test_an_unrelated_administrator_gets_404_and_an_empty_list(client, parties, refused):
    client.force_login(parties.admin_bodo)
    assert client.get(detail(refused)).status_code == 404
    assert rows(client.get(LIST)) == []
    for step in ("plo:reprocess", "plo:answer_again"):
        assert client.post(reverse(step, kwargs={"uuid": refused.uuid})).status_code == 404
    refused.refresh_from_db()
    assert refused.status == MessageStatus.REJECTED


@pytest.mark.parametrize("member", ["ke_alvdal", "ke_tromso", "planner", "coordinator"])
def test_staff_who_administer_nothing_get_403_on_the_list_and_404_on_a_message(
        client, parties, refused, member):
    client.force_login(getattr(parties, member))
    response = client.get(LIST)
    assert response.status_code == 403
    assert "administratorene" in response.content.decode()
    assert client.get(detail(refused)).status_code == 404
    assert client.post(reverse("plo:reprocess", kwargs={"uuid": refused.uuid})).status_code \
        == 404
    # And no link leads there.
    assert 'id="nav-plo"' not in client.get(reverse("registry:home")).content.decode()


def test_a_superuser_sees_every_message(client, parties, refused):
    from django.contrib.auth import get_user_model

    root = get_user_model().objects.create_superuser("root", "root@example.org", "x")
    stray = services.receive(to("12345", "2d41b1f0-0698-11e8-b566-0800200c9a66"),
                             transport="folder")
    assert stray.pk != refused.pk and stray.receiver is None
    client.force_login(root)
    assert set(rows(client.get(LIST))) == {str(refused.uuid), str(stray.uuid)}


def test_a_message_to_a_her_id_registered_later_is_that_organisations(client, cast):
    """Sent to a HER-id nobody had: refused, the receiver unknown; the organisation that
    registers the HER-id afterwards reads it in its log, others do not."""
    factories.organization(OrganizationKind.HOSPITAL, "St. Olavs hospital", her_id="59",
                           parent=cast.unn_hf)
    message = services.receive(ADMITTED, transport="folder")
    assert message.receiver is None and message.error_code == "E21"
    alvdal = factories.organization(name="Alvdal", her_id="99387")
    client.force_login(factories.user("admin_alvdal", alvdal, Role.ORG_ADMIN))
    assert client.get(detail(message)).status_code == 200
    client.force_login(factories.user("admin_bodo", cast.bodo, Role.ORG_ADMIN))
    assert client.get(detail(message)).status_code == 404


# -- The patient: named to those who may see the patient, every read audited --------------

def test_the_patient_is_named_only_to_those_who_may_see_the_patient(client, parties,
                                                                     processed):
    client.force_login(parties.admin_alvdal)  # an administrator sees no patient
    html = client.get(detail(processed)).content.decode()
    assert "Gundersen" not in html.split('id="plo-document"')[0]
    assert "En pasient utenfor ditt ansvar" in html
    assert reverse("pathways:patient_detail", kwargs={"uuid": processed.patient.uuid}) \
        not in html
    assert "Gundersen" not in client.get(LIST).content.decode()
    # Administrator and KE staff of Alvdal: the patient is in the KE's care.
    Membership.objects.create(user=parties.ke_alvdal, organization=parties.alvdal,
                                        role=Role.ORG_ADMIN)
    client.force_login(parties.ke_alvdal)
    html = client.get(detail(processed)).content.decode()
    assert "Roland Gundersen" in html
    assert reverse("pathways:patient_pathway", kwargs={"uuid": processed.patient.uuid}) in html
    assert "Roland Gundersen" in client.get(LIST).content.decode()


def test_every_read_of_a_message_with_a_patient_is_audited(client, parties, processed):
    refused = PloMessage.objects.create(
        direction=Direction.IN, document=b"not XML", transport="folder",
        receiver=parties.alvdal, status=MessageStatus.REJECTED, error_code="T01")
    client.force_login(parties.admin_alvdal)
    before = AuditEvent.objects.count()
    client.get(detail(processed))
    event = AuditEvent.objects.order_by("-pk").first()
    assert AuditEvent.objects.count() == before + 1
    assert (event.user, event.action, event.object_type, event.object_id,
            event.patient_uuid) == (parties.admin_alvdal, "view", "plomessage",
                                    str(processed.uuid), processed.patient.uuid)
    # The list: the row with a patient, not the refused one without.
    client.get(LIST)
    events = list(AuditEvent.objects.filter(pk__gt=event.pk))
    assert [e.patient_uuid for e in events] == [processed.patient.uuid]
    assert "message log" in events[0].detail
    # A message without a patient is no patient's read.
    client.get(detail(refused))
    assert not AuditEvent.objects.filter(pk__gt=events[0].pk).exists()


# -- Filters --------------------------------------------------------------------------------

@pytest.fixture
def log(parties, refused):
    """Refused (X99), then processed once connected (LOG_INNLAGT), a refused declaration for
    a stay the portal did not have before... and one sent message."""
    services.connect(parties.hospital)
    admitted = services.reprocess(refused)
    other = services.receive(READY.replace(b"15876500288", b"12857900101"), transport="folder")
    sent = PloMessage.objects.create(
        direction=Direction.OUT, document=b"<x/>", transport="folder", msg_type="LOG_INNLAGT",
        sender=parties.alvdal, receiver=parties.hospital, sender_her_id="99387",
        receiver_her_id="59", status=MessageStatus.SENT)
    return {"admitted": admitted, "other": other, "sent": sent}


@pytest.mark.parametrize(("params", "expected"), [
    ({"status": "rejected"}, ["other"]),
    ({"status": "processed"}, ["admitted"]),
    ({"direction": "out"}, ["sent"]),
    ({"msg_type": "LOG_UTSKRIVNINGSKLAR"}, ["other"]),
    ({"msg_type": "LOG_INNLAGT", "direction": "in"}, ["admitted"]),
    ({}, ["sent", "other", "admitted"]),
])
def test_it_filters(client, parties, log, params, expected):
    assert log["other"].status == MessageStatus.REJECTED
    client.force_login(parties.admin_alvdal)
    response = client.get(LIST, params)
    assert response.status_code == 200
    assert rows(response) == [str(log[name].uuid) for name in expected]


def test_it_filters_by_organisation(client, parties, log):
    root = factories.user("root", is_superuser=True)
    stray = services.receive(to("12345", "2d41b1f0-0698-11e8-b566-0800200c9a66"),
                             transport="folder")
    client.force_login(root)
    everything = rows(client.get(LIST))
    assert str(stray.uuid) in everything and len(everything) == 4
    response = client.get(LIST, {"organization": str(parties.alvdal.uuid)})
    assert str(stray.uuid) not in rows(response) and len(rows(response)) == 3
    choices = dict(response.context["form"].fields["organization"].choices)
    assert choices[str(parties.alvdal.uuid)] == "Alvdal"


def test_it_finds_a_patients_messages_by_identity_number_posted(client, parties, log):
    client.force_login(parties.admin_alvdal)
    response = client.post(LIST, {"patient": "158765 00288"})
    assert response.status_code == 200
    assert rows(response) == [str(log["admitted"].uuid)]
    # Never from a URL: a GET ignores it.
    assert len(rows(client.get(LIST, {"patient": NUMBER}))) == 3


def test_bad_filter_input_is_a_form_error_not_a_500(client, parties, log):
    client.force_login(parties.admin_alvdal)
    response = client.post(LIST, {"status": "bogus", "organization": "nobody",
                                  "msg_type": "<b>", "patient": "12345"})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"status", "organization", "msg_type",
                                                    "patient"}
    assert "har 11 siffer" in response.content.decode()  # the identity number's own words
    response = client.get(LIST, {"direction": "sideways", "page": "many"}, **HTMX)
    assert response.status_code == 200 and "<html" not in response.content.decode()
    assert set(response.context["form"].errors) == {"direction"}


# -- Paging: newest first, a fixed number of queries whatever the rows --------------------

def _messages(parties, count, start=0):
    for n in range(start, start + count):
        PloMessage.objects.create(
            direction=Direction.IN, document=b"<x/>", transport="folder", msg_type="LOG_INNLAGT",
            msg_id=f"00000000-0000-4000-8000-{n:012d}", sender=parties.hospital,
            receiver=parties.alvdal, sender_her_id="59", receiver_her_id="99387",
            patient=parties.shared if n % 2 else None, status=MessageStatus.RECEIVED)


def test_the_list_keeps_its_query_budget_whatever_the_rows(client, parties):
    """1 session, 2 user, 3 memberships, 4 the organisations (choices), 5 the count, 6 the
    page's messages with parties, patient and grounds, 7 the audit INSERT."""
    client.force_login(parties.admin_alvdal)
    counted = []
    for start, count in ((0, 2), (2, 38)):
        _messages(parties, count, start=start)
        client.get(LIST)  # the session is warm, as in use
        with CaptureQueriesContext(connection) as queries:
            response = client.get(LIST, {"status": "received"})
        assert len(response.context["rows"]) == start + count
        counted.append(len(queries))
    assert counted == [7, 7], counted


def test_it_pages_newest_first_with_the_forms_own_buttons(client, parties,
                                                         django_assert_max_num_queries):
    _messages(parties, 55)
    client.force_login(parties.admin_alvdal)
    first = client.post(LIST, {"status": "received"})
    shown = first.context["rows"]
    assert len(shown) == 50
    assert [m.received_at for m in shown] == sorted((m.received_at for m in shown),
                                                    reverse=True)
    html = first.content.decode()
    assert 'form="plo-filters"' in html and 'name="page" value="2"' in html
    with django_assert_max_num_queries(7):
        second = client.post(LIST, {"status": "received", "page": "2"}, **HTMX)
    assert len(second.context["rows"]) == 5
    assert {m.pk for m in second.context["rows"]}.isdisjoint({m.pk for m in shown})


def test_the_count_stops_at_its_limit_and_says_so(client, parties, monkeypatch):
    """The log only grows: past the limit the page does not count every message, and tells
    the operator to narrow the filters; the organisations offered come from the registry,
    not from the log."""
    monkeypatch.setattr(views, "COUNT_LIMIT", 3)
    _messages(parties, 5)
    client.force_login(parties.admin_alvdal)
    html = client.get(LIST).content.decode()
    assert "Mer enn 3 meldinger: avgrens filtrene" in html
    monkeypatch.setattr(views, "COUNT_LIMIT", 10)
    assert "5 meldinger." in client.get(LIST).content.decode()


# -- The steps ------------------------------------------------------------------------------

def test_process_again_turns_a_refused_message_into_a_processed_one(client, parties,
                                                                    refused, settings):
    """The hospital had no PLO connection: refused (X99). The connection made, the
    operator processes it again from its page: the patient is admitted, and the new, positive
    receipt is written for the hospital."""
    client.force_login(parties.admin_alvdal)
    html = client.get(detail(refused)).content.decode()
    assert 'id="plo-reprocess"' in html
    services.connect(parties.hospital)
    url = reverse("plo:reprocess", kwargs={"uuid": refused.uuid})
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == detail(refused)
    refused.refresh_from_db()
    assert refused.status == MessageStatus.PROCESSED and refused.error_code == ""
    assert refused.patient.identity_number == NUMBER
    receipt = FolderTransport().outbox / "59" / f"apprec-{refused.uuid}.xml"
    assert receipt.read_bytes() == bytes(refused.apprec)
    page = client.get(detail(refused)).content.decode()
    assert "behandlet og besvart med en positiv kvittering" in page
    assert 'id="plo-reprocess"' not in page
    # Processed is done: a second try is refused, and changes nothing.
    again = client.post(url, **HTMX)
    assert again.status_code == 409 and 'id="plo-error"' in again.content.decode()


def test_process_again_over_htmx_answers_the_body_with_the_outcome(client, parties, refused):
    services.connect(parties.hospital)
    client.force_login(parties.admin_alvdal)
    response = client.post(reverse("plo:reprocess", kwargs={"uuid": refused.uuid}), **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and 'id="plo-message-body"' in html
    assert 'id="plo-flash"' in html and "hx-swap-oob" in html
    assert "behandlet" in html


def test_a_refusal_that_still_holds_is_refused_again(client, parties, refused):
    client.force_login(parties.admin_alvdal)
    response = client.post(reverse("plo:reprocess", kwargs={"uuid": refused.uuid}))
    assert response.status_code == 302
    refused.refresh_from_db()
    assert (refused.status, refused.error_code) == (MessageStatus.REJECTED, "X99")


def test_write_the_receipt_again(client, parties, refused):
    receipt = FolderTransport().outbox / "59" / f"apprec-{refused.uuid}.xml"
    receipt.unlink(missing_ok=True)
    client.force_login(parties.admin_alvdal)
    assert 'id="plo-answer"' in client.get(detail(refused)).content.decode()
    response = client.post(reverse("plo:answer_again", kwargs={"uuid": refused.uuid}), **HTMX)
    assert response.status_code == 200
    assert "Kvitteringen er skrevet på nytt" in response.content.decode()
    assert receipt.read_bytes() == bytes(refused.apprec)
    assert client.get(reverse("plo:answer_again", kwargs={"uuid": refused.uuid})) \
        .status_code == 405


def test_a_message_without_a_receipt_has_none_to_write(client, parties, processed):
    waiting = PloMessage.objects.create(
        direction=Direction.IN, document=b"<x/>", transport="folder", sender=parties.hospital,
        receiver=parties.alvdal, status=MessageStatus.RECEIVED)
    client.force_login(parties.admin_alvdal)
    assert 'id="plo-answer"' not in client.get(detail(waiting)).content.decode()
    response = client.post(reverse("plo:answer_again", kwargs={"uuid": waiting.uuid}))
    assert response.status_code == 409


# -- The stored message, as text ------------------------------------------------------------

def test_the_stored_message_is_shown_escaped(client, parties):
    hostile = ADMITTED.replace(b"<GivenName>Roland</GivenName>",
                               b"<GivenName>Roland</GivenName><script>alert(1)</script>")
    message = services.receive(hostile, transport="folder")
    assert message.status == MessageStatus.REJECTED  # not valid against the schema
    # The administrator of the receiver, who has no patient in care: the envelope and the
    # outcome, not the message's text (it names a patient and their health).
    client.force_login(parties.admin_alvdal)
    html = client.get(detail(message)).content.decode()
    assert 'id="plo-text-hidden"' in html and 'id="plo-document"' not in html
    assert "Roland" not in html
    client.force_login(factories.user("operator", is_superuser=True))
    html = client.get(detail(message)).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    # Pretty-printed: the envelope's elements each on a line of their own.
    document = html.split('id="plo-document">')[1].split("</pre>")[0]
    assert "\n  &lt;MsgInfo&gt;\n    &lt;Type V=" in document
    # A DTD is never parsed: shown as it came.
    dtd = services.receive(b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaa">]><x>&a;</x>',
                           transport="folder")
    client.force_login(factories.user("root", is_superuser=True))
    html = client.get(detail(dtd)).content.decode()
    assert "&lt;!DOCTYPE x [&lt;!ENTITY a &quot;aaa&quot;&gt;]&gt;" in html
