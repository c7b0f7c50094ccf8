"""The patient's "My rights": who has read my data (the access log in plain words, paged by
keyset so that it costs the same however long the trail), the consents they can withdraw
(and what that means, said truthfully), and that all of it is the patient's own: another
patient's is not there, and a representative meets 404."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from citizen.auth import BACKEND, citizen_user
from coordination import services as coordination_services
from coordination.models import Consent, ConsentMethod, ConsentScope
from pathways.models import (
    CareRelationship,
    CareRelationshipReason,
    Patient,
    Representation,
    RepresentationKind,
)
from registry.models import AuditAction, AuditEvent, AuditObjectType, OrganizationKind, Role
from tests import factories

pytestmark = pytest.mark.django_db

LOG_BUDGET = 12


def sign_in(client, identity_number):
    user = citizen_user(identity_number, given_name="Astrid", family_name="Aune")
    client.force_login(user, backend=BACKEND)
    return user


@pytest.fixture
def plan(cast):
    plan = factories.individual_plan(cast, factories.coordinator(cast), cast.shared)
    factories.activate_plan(cast, plan)
    return plan


def url(name, patient, *args):
    return reverse(f"citizen:{name}", args=[patient.uuid, *args])


def log_items(html: str) -> list[str]:
    return [chunk.split("</p>")[0] for chunk in html.split('class="citizen-log__what">')[1:]]


def test_the_log_shows_the_kes_read_of_the_plan_in_plain_words(cast, plan, client):
    client.force_login(cast.ke_tromso)
    assert client.get(reverse("coordination:plan_detail", args=[plan.uuid])).status_code == 200
    astrid = sign_in(client, cast.shared.identity_number)
    response = client.get(url("rights_log", cast.shared))
    assert response.status_code == 200
    items = log_items(response.content.decode())
    assert "<strong>Kåre Tromsø, koordinerende enhet, Tromsø</strong> leste planen din" in items
    # Newest first: this very read of the log is at the top, as the patient's own.
    assert items[0] == "<strong>Du selv</strong> leste loggen over hvem som har lest " \
                       "opplysningene dine"
    assert AuditEvent.objects.filter(user=astrid, object_type=AuditObjectType.ACCESS_LOG,
                                     patient_uuid=cast.shared.uuid).count() == 1
    # Never an internal code.
    page = response.content.decode()
    for code in ("individualplan", "ke_staff", "care_relationship", "view"):
        assert f">{code}<" not in page and f" {code} " not in page


def test_only_others_and_the_period_filter_the_log(cast, plan, client, monkeypatch):
    sign_in(client, cast.shared.identity_number)
    client.get(url("rights", cast.shared))
    items = log_items(client.get(url("rights_log", cast.shared), {"others": "on"}).content
                      .decode())
    assert items and not any(item.startswith("<strong>Du selv</strong>") for item in items)
    # A month from now, nothing is within the last 30 days; everything still is "all".
    later = timezone.now() + datetime.timedelta(days=31)
    monkeypatch.setattr("citizen.views.rights.now", lambda: later)
    recent = client.get(url("rights_log", cast.shared), {"period": "30", "others": "on"})
    assert log_items(recent.content.decode()) == []
    assert "Ingenting i denne perioden." in recent.content.decode()
    assert log_items(client.get(url("rights_log", cast.shared), {"period": "all"}).content
                     .decode())


def _events(patient, user, count):
    AuditEvent.objects.bulk_create([AuditEvent(
        user=user, user_display=user.display_name(), organization=user.memberships.first()
        .organization, role=Role.KE_STAFF, action=AuditAction.VIEW,
        object_type=AuditObjectType.GOAL, patient_uuid=patient.uuid, via="web")
        for _ in range(count)])


def test_paging_keeps_its_queries_whatever_the_number_of_events(cast, plan, client):
    sign_in(client, cast.shared.identity_number)
    client.get(url("rights_log", cast.shared))  # the citizen's first visit writes more
    with CaptureQueriesContext(connection) as few:
        first = client.get(url("rights_log", cast.shared))
    _events(cast.shared, cast.ke_tromso, 300)
    with CaptureQueriesContext(connection) as many:
        page = client.get(url("rights_log", cast.shared))
    total = AuditEvent.objects.filter(patient_uuid=cast.shared.uuid).count()
    assert len(many) == len(few) <= LOG_BUDGET, [q["sql"] for q in many]
    assert len(log_items(first.content.decode())) < 50 == len(log_items(page.content.decode()))
    # No count of the whole trail (the page never says "page 3 of 20 000").
    assert not [q for q in many if "COUNT(" in q["sql"].upper() and "auditevent" in q["sql"]]
    # The next page: older events, without the ones already shown.
    older = page.context["older"]
    assert older and "before=" in older
    with CaptureQueriesContext(connection) as next_page:
        second = client.get(url("rights_log", cast.shared) + older)
    assert len(next_page) == len(many)
    assert second.status_code == 200
    assert len(log_items(second.content.decode())) == 50
    assert second.context["older"] != older and not second.context["first_page"]
    assert "Tilbake til de nyeste" in second.content.decode()
    # Walking on to the end shows every event there was at the first page once (each page's
    # own read comes newer than the first page's, so not again).
    seen, path = 100, second.context["older"]
    while path:
        more = client.get(url("rights_log", cast.shared) + path)
        seen += len(log_items(more.content.decode()))
        path = more.context["older"]
    assert seen == total
    # A made-up cursor is the first page, not an error.
    assert client.get(url("rights_log", cast.shared), {"before": "nonsense"}).status_code == 200


def test_the_representatives_reads_are_named_as_such(cast, plan, client):
    number = factories.identity_number(datetime.date(1976, 4, 2))
    Representation.objects.create(
        patient=cast.shared, kind=RepresentationKind.NEXT_OF_KIN,
        representative_identity_number=number, representative_name="Dina Aune",
        sees_meetings=True)
    dina = citizen_user(number, given_name="Dina", family_name="Aune")
    client.force_login(dina, backend=BACKEND)
    assert client.get(url("overview", cast.shared)).status_code == 200
    sign_in(client, cast.shared.identity_number)
    items = log_items(client.get(url("rights_log", cast.shared)).content.decode())
    assert "<strong>Dina Aune (pårørende)</strong> åpnet siden din" in items


def test_another_patients_rights_are_not_there(cast, plan, client):
    sign_in(client, cast.shared.identity_number)
    for name in ("rights", "rights_log", "rights_consents", "rights_representatives"):
        assert client.get(url(name, cast.bodo_only)).status_code == 404, name
        assert client.get(url(name, cast.shared)).status_code == 200, name
    consent = plan.consents.get()
    other = factories.patient(cast.ke_tromso, "Tor", "Tinn", municipality=cast.tromso)
    assert client.get(url("rights_consent_withdraw", other, consent.uuid)).status_code == 404


def test_a_representative_meets_404_on_every_rights_page(cast, plan, client):
    number = factories.identity_number(datetime.date(1976, 4, 2))
    grant = Representation.objects.create(
        patient=cast.shared, kind=RepresentationKind.NEXT_OF_KIN,
        representative_identity_number=number, representative_name="Dina Aune",
        sees_plan=True, sees_meetings=True, sees_messages=True)
    client.force_login(citizen_user(number), backend=BACKEND)
    consent = plan.consents.get()
    for path in (url("rights", cast.shared), url("rights_log", cast.shared),
                 url("rights_consents", cast.shared), url("rights_representatives", cast.shared),
                 url("rights_consent_withdraw", cast.shared, consent.uuid),
                 url("rights_representative_withdraw", cast.shared, grant.uuid)):
        assert client.get(path).status_code == 404, path
        assert client.post(path, {"version": 1}).status_code == 404, path
    consent.refresh_from_db()
    grant.refresh_from_db()
    assert consent.revoked_at is None and grant.withdrawn_at is None
    assert url("rights", cast.shared) not in client.get(url("overview", cast.shared)).content \
        .decode()


def _physio(cast, plan):
    """A private physiotherapy practice Astrid consented to share her plan with."""
    physio = factories.organization(OrganizationKind.PRIVATE_INSTITUTION, "Fysio Nord")
    staff = factories.user("fysio", physio, Role.KE_STAFF)
    consent = coordination_services.record_consent(
        plan, physio, ConsentScope.INFORMATION_SHARING, ConsentMethod.WRITTEN,
        by=cast.ke_tromso)
    return physio, staff, consent


def test_the_patient_withdraws_a_consent_and_is_told_what_it_means(cast, plan, client):
    physio, staff, consent = _physio(cast, plan)
    assert Patient.objects.visible_to(staff).filter(pk=cast.shared.pk).exists()
    astrid = sign_in(client, cast.shared.identity_number)
    page = client.get(url("rights_consents", cast.shared)).content.decode()
    withdraw = url("rights_consent_withdraw", cast.shared, consent.uuid)
    assert "Fysio Nord" in page and withdraw in page
    confirm = client.get(withdraw).content.decode()
    assert "Hvis du trekker det tilbake, kan ikke Fysio Nord lenger se planen din." in confirm
    response = client.post(withdraw, follow=True)
    assert "Fysio Nord kan ikke lenger se planen din." in response.content.decode()
    consent.refresh_from_db()
    assert consent.revoked_at is not None and consent.revoked_by == astrid
    # The access ended at once.
    assert not Patient.objects.visible_to(staff).filter(pk=cast.shared.pk).exists()
    assert not CareRelationship.objects.active().filter(
        patient=cast.shared, organization=physio).exists()
    assert AuditEvent.objects.filter(user=astrid, object_type=AuditObjectType.CONSENT,
                                     action=AuditAction.UPDATE).exists()
    # Listed as withdrawn; a second withdrawal changes nothing.
    assert "Samtykker du har trukket tilbake" in client.get(
        url("rights_consents", cast.shared)).content.decode()
    version = plan.__class__.objects.get(pk=plan.pk).version
    assert client.post(withdraw).status_code == 302
    assert plan.__class__.objects.get(pk=plan.pk).version == version


def test_withdrawing_says_so_when_the_organisation_still_gives_care(cast, plan, client):
    """Tromsø's KE holds the plan on its own grounds (the patient lives there): withdrawing
    the consent is honest about it."""
    consent = plan.consents.get(organization=cast.tromso)
    assert CareRelationship.objects.active().filter(
        patient=cast.shared, organization=cast.tromso,
        reason=CareRelationshipReason.RESIDENCE).exists()
    sign_in(client, cast.shared.identity_number)
    withdraw = url("rights_consent_withdraw", cast.shared, consent.uuid)
    confirm = client.get(withdraw).content.decode()
    assert "kan ikke Tromsø lenger se planen din" not in confirm
    assert "De ser likevel opplysningene dine fordi de gir deg helsehjelp" in confirm
    assert "En individuell plan lages bare når du samtykker." in confirm
    client.post(withdraw)
    assert Consent.objects.get(pk=consent.pk).revoked_at is not None
