"""The patient's referrals on their own page: where each stands in plain words (being
assessed and by when, waiting with the expected start and the waiting time, the date care
must start by and the places to choose among, declined with the reason and how to complain),
only the patient's own and only for the patient (a representative meets 404), each read in
the access log, and the same queries however many referrals."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from citizen.auth import BACKEND, citizen_user
from pathways.models import Representation, RepresentationKind
from referrals import services
from registry.models import AuditAction, AuditEvent, AuditObjectType
from tests import factories
from tests.referrals.conftest import referral_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(cast):
    return referral_world(cast)


def sign_in(client, patient, given_name="Gerd"):
    user = citizen_user(patient.identity_number, given_name=given_name,
                        family_name=patient.family_name)
    client.force_login(user, backend=BACKEND)
    return user


def page(client, patient):
    return client.get(reverse("citizen:referrals", args=[patient.uuid]))


def card(html: str, referral) -> str:
    return html.split(f'id="referral-{referral.uuid}"')[1].split("</article>")[0]


def refer(world, service=None):
    return services.refer(by=world.gp, patient=world.patient,
                          service=service or world.valnesfjord_rehab,
                          reason="Trenger rehabilitering etter hjerneslag")


def test_a_referral_being_assessed_says_by_when_the_answer_comes(client, world):
    referral = refer(world)
    sign_in(client, world.patient)
    response = page(client, world.patient)
    assert response.status_code == 200
    html = response.content.decode()
    text = card(html, referral)
    assert "Valnesfjord: rehabilitering etter hjerneslag" in text
    assert "Tromsø legesenter" in text  # who referred
    assert "Regional vurderingsenhet, UNN" in text  # who assesses it
    due = referral.assessment_due
    assert f"Du får svar innen {due.day}. " in text
    # The overview leads here.
    overview = client.get(reverse("citizen:overview", args=[world.patient.uuid]))
    assert 'id="referrals-card"' in overview.content.decode()


def test_an_accepted_referral_with_the_right_shows_the_wait_the_deadline_and_the_choices(
        client, world):
    referral = refer(world)
    deadline = timezone.localdate() + datetime.timedelta(days=60)
    start = timezone.localdate() + datetime.timedelta(days=30)
    services.accept(referral, by=world.rve_assessor, has_right=True,
                    care_start_deadline=deadline, expected_start=start,
                    allocated_service=world.valnesfjord_rehab)
    sign_in(client, world.patient)
    text = card(page(client, world.patient).content.decode(), referral)
    assert "Du står på ventelisten til Valnesfjord: rehabilitering etter hjerneslag." in text
    assert f'id="expected-start-{referral.uuid}">{start.day}. ' in text
    assert "Ventetid der nå" in text
    assert f"den skal starte senest {deadline.day}. " in text and "HELFO" in text
    # Free choice: both institutions offer 5.1 to a Tromsø patient; this is the place now.
    choices = text.split(f'id="choices-{referral.uuid}"')[1].split("</details>")[0]
    assert "Skibotn: rehabilitering" in choices
    assert "Valnesfjord: rehabilitering etter hjerneslag (Valnesfjord Helsesportssenter)" \
        in choices and "din plass nå" in choices


def test_a_declined_referral_gives_the_reason_and_how_to_complain(client, world):
    referral = refer(world)
    services.decline(referral, by=world.rve_assessor, has_right=False,
                     reason="Kan få tilbudet i kommunen")
    sign_in(client, world.patient)
    html = page(client, world.patient).content.decode()
    assert 'id="no-open-referrals"' in html  # it is among the earlier ones
    text = card(html, referral)
    assert "Kan få tilbudet i kommunen" in text
    assert "klage på avgjørelsen til Statsforvalteren" in text
    assert "Send klagen til Regional vurderingsenhet, UNN" in text


def test_only_the_patient_sees_them_and_each_read_is_in_the_log(client, cast, world):
    referral = refer(world)
    other = refer(world, world.skibotn_rehab)
    # Someone else's referral is not on the page.
    stranger = services.refer(by=cast.ke_tromso, patient=cast.shared,
                              service=world.valnesfjord_rehab, reason="Annen pasient")
    gerd = sign_in(client, world.patient)
    html = page(client, world.patient).content.decode()
    assert f'id="referral-{referral.uuid}"' in html and f'id="referral-{other.uuid}"' in html
    assert str(stranger.uuid) not in html
    read = set(AuditEvent.objects.filter(
        user=gerd, action=AuditAction.VIEW, object_type=AuditObjectType.REFERRAL,
        patient_uuid=world.patient.uuid).values_list("object_id", flat=True))
    assert read == {str(referral.uuid), str(other.uuid)}
    # Another patient's page is not Gerd's door.
    assert page(client, cast.shared).status_code == 404
    # A next of kin with every part a grant can give meets 404 here, and no link.
    number = factories.identity_number(datetime.date(1976, 4, 2))
    grant = Representation(patient=world.patient, kind=RepresentationKind.NEXT_OF_KIN,
                           representative_identity_number=number, representative_name="Kari",
                           sees_plan=True, sees_meetings=True, sees_messages=True)
    grant.full_clean()
    grant.save()
    client.force_login(citizen_user(number), backend=BACKEND)
    assert page(client, world.patient).status_code == 404
    overview = client.get(reverse("citizen:overview", args=[world.patient.uuid]))
    assert overview.status_code == 200 and 'id="referrals-card"' not in \
        overview.content.decode()


def test_the_staffs_reads_of_a_referral_are_in_plain_words_in_the_log(client, world):
    referral = refer(world)
    client.force_login(world.rve_assessor)
    assert client.get(reverse("referrals:referral", args=[referral.uuid])).status_code == 200
    sign_in(client, world.patient)
    html = client.get(reverse("citizen:rights_log", args=[world.patient.uuid])).content.decode()
    assert "henviste deg til rehabilitering" in html  # the GP's referral
    assert "leste en henvisning til rehabilitering" in html  # the RVE's read


def test_the_page_keeps_its_queries_however_many_referrals(client, cast, world):
    sign_in(client, world.patient)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert page(client, world.patient).status_code == 200
        return len(queries)

    refer(world)
    few = count()
    for service in (world.skibotn_rehab, factories.service(cast.tromso, "3", "Hverdagsreh."),
                    factories.service(cast.tromso, "4", "Korttidsopphold")):
        accepted = refer(world, service)
        services.accept(accepted, by=world.rve_assessor if service.level.code.startswith("5")
                        else cast.ke_tromso, has_right=service.level.code.startswith("5"),
                        care_start_deadline=timezone.localdate() + datetime.timedelta(days=30),
                        allocated_service=service)
    assert count() <= few + 1  # the choices of the one level with a right: one query
