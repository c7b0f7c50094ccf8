"""All 22 official PLO 1.6 examples dropped into the folder transport's inbox in the order
they were written (GenDate), with the examples' parties in the registry: each is stored,
validated and mapped, or refused with the AppRec its case calls for, and the receipts wait
in the outbox for their senders. Kinds issue 16 does not map yet stay received, unanswered
(docs/plo.md); this table says which."""

import os
from pathlib import Path

import pytest

from pathways.models import Admission, AdmissionStatus
from plo import services, xml
from plo.envelope import read_envelope
from plo.models import MessageStatus, PloMessage
from plo.tasks import poll_plo
from registry.models import OrganizationKind
from tests import factories

pytestmark = pytest.mark.django_db

EXAMPLES = Path(xml.__file__).resolve().parent / "standards" / "examples"
R, P, X = MessageStatus.RECEIVED, MessageStatus.PROCESSED, MessageStatus.REJECTED
# The outcome of each example: (status, AppRec error code).
OUTCOMES = {
    # Roland Gundersen's stay, hospital → municipality: admitted, and a minute later
    # cancelled ("sent for the wrong patient"): registered in error. The declaration, its
    # withdrawal and the discharge that follow find no open stay.
    "Pasientlogistikk_Innlagt_pasient_v1-6_Ny": (P, ""),
    "Pasientlogistikk_Innlagt_pasient_v1-6_Kansellering": (P, ""),
    "Pasientlogistikk_Utskrivningsklar_pasient_v1-6_Ny": (X, "E35"),
    "Pasientlogistikk_Avmelding_av_utskrivningsklar_pasient_v1-6_Ny": (X, "E35"),
    "Pasientlogistikk_Melding_om_utskrevet_pasient_v1-6_Ny": (X, "E35"),
    # Alvdal tells the GP of his death (outside hospital), then cancels it.
    "Pasientlogistikk_Orientering_om_dodsfall_v1-6_Ny": (P, ""),
    "Pasientlogistikk_Orientering_om_dodsfall_v1-6_Kansellering": (P, ""),
    # His discharge report, its change and its cancel: the stay was registered in error, so
    # there is no stay to report on (tests/plo/test_discharge_report.py admits him first).
    "Utskrivningsrapport_v1-6_Ny": (X, "E35"),
    "Utskrivningsrapport_v1-6_Endring": (X, "E35"),
    "Utskrivningsrapport_v1-6_Kansellering": (X, "E35"),
    # Gry Telokk's health information and Line Danser's admission report name stays the
    # examples never admit: "the patient has no open stay".
    "Helseopplysninger_Varsel_om_innlagt_pasient_v1-6_Ny": (X, "E35"),
    "Helseopplysninger_Oppdaterte_opplysninger_v1-6_Endring1": (X, "E35"),
    "Helseopplysninger_Oppdaterte_opplysninger_v1-6_Endring2": (X, "E35"),
    "Innleggelsesrapport_v1-6_Ny": (X, "E35"),
    "Innleggelsesrapport_v1-6_Endring": (X, "E35"),
    "Innleggelsesrapport_v1-6_Kansellering": (X, "E35"),
    # Between the municipality and the GP: not the portal's (T10).
    "Medisinske_opplysninger_v1-6_Ny": (X, "T10"),
    "Medisinske_opplysninger_v1-6_Kansellering": (X, "T10"),
    "Orientering_om_tjenestetilbud_v1-6_Ny": (X, "T10"),
    "Orientering_om_tjenestetilbud_v1-6_Kansellering": (X, "T10"),
    "Helseopplysninger_til_lege_v1-6_Ny": (X, "T10"),
    "Helseopplysninger_til_lege_v1-6_Kansellering": (X, "T10"),
}


@pytest.fixture
def region(cast, settings, tmp_path):
    """St. Olavs (59, its orthopaedic ward ORTØYA) and Alvdal (99387), both connected by
    PLO, and the GP office (91096) the municipality writes to."""
    settings.PLO_FOLDER = str(tmp_path)
    hospital = factories.organization(OrganizationKind.HOSPITAL, "St. Olavs hospital",
                                      her_id="59", parent=cast.unn_hf)
    factories.ward(hospital, "Ortopedi Øya", code="ORTØYA")
    municipality = factories.organization(name="Alvdal", her_id="99387")
    factories.organization(OrganizationKind.GP_OFFICE, "Alvdal legekontor", her_id="91096")
    services.connect(hospital)
    services.connect(municipality)
    return tmp_path


def test_every_official_example_is_received_and_answered_as_its_case_calls_for(region):
    inbox = region / "inbox"
    inbox.mkdir()
    files = sorted(EXAMPLES.glob("*.xml"), key=lambda p: read_envelope(
        xml.read(p.read_bytes())).generated_at)
    assert {p.stem for p in files} == set(OUTCOMES)
    for order, path in enumerate(files):  # arriving in the order they were written
        target = inbox / path.name
        target.write_bytes(path.read_bytes())
        os.utime(target, ns=(order * 10**9, order * 10**9))
    assert poll_plo() == 22
    found = {}
    for message in PloMessage.objects.all():
        name = next(p.stem for p in files if p.read_bytes() == bytes(message.document))
        found[name] = (message.status, message.error_code)
        if message.status != R:  # answered: the receipt waits for the sender
            receipt = region / "outbox" / message.sender_her_id / f"apprec-{message.uuid}.xml"
            assert xml.read(receipt.read_bytes()) is not None
        else:
            assert message.apprec is None
    assert found == OUTCOMES
    stay = Admission.objects.get()
    assert (stay.patient.family_name, stay.status) == (
        "Gundersen", AdmissionStatus.ENTERED_IN_ERROR)
    assert not stay.ready_declarations.exists() and stay.patient.died_at is None
    assert not stay.discharge_reports.exists()
