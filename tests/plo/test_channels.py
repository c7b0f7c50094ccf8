"""An organisation's administrator chooses how it hears of the other side's steps: the
portal only, webhooks, or PLO (only with a PLO connection); nobody else may."""

import pytest
from django.urls import reverse

from plo import services
from registry.models import ChannelChoice, ChannelStep, Role, StepChannel
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def tromso_admin(cast):
    return factories.user("admin_tromso", cast.tromso, Role.ORG_ADMIN)


def test_the_administrator_chooses_plo_for_admissions(client, cast, tromso_admin):
    services.connect(cast.tromso)
    client.force_login(tromso_admin)
    page = client.get(reverse("plo:channels"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "PLO-meldinger til vårt EPJ-system" in text and "En pasient er lagt inn" in text
    response = client.post(reverse("plo:channels"), {
        "organization": str(cast.tromso.uuid), ChannelStep.ADMISSION: StepChannel.PLO,
        ChannelStep.EARLY_NOTIFICATION: StepChannel.PLO, ChannelStep.READY: StepChannel.WEBHOOK,
        ChannelStep.WITHDRAWN: StepChannel.PLO,
        ChannelStep.DISCHARGED: StepChannel.PORTAL, ChannelStep.QUESTION: StepChannel.PLO,
        ChannelStep.QUESTION_ANSWERED: StepChannel.PLO})
    assert response.status_code == 302
    chosen = dict(ChannelChoice.objects.filter(organization=cast.tromso)
                  .values_list("step", "channel"))
    assert chosen[ChannelStep.ADMISSION] == StepChannel.PLO
    assert chosen[ChannelStep.DISCHARGED] == StepChannel.PORTAL
    assert client.get(response.url).content.decode().count('checked') == 7


def test_plo_without_a_connection_is_refused_and_nothing_is_saved(client, cast,
                                                                  tromso_admin):
    client.force_login(tromso_admin)
    page = client.get(reverse("plo:channels"))
    assert "ingen aktiv PLO-tilkobling" in page.content.decode()
    response = client.post(reverse("plo:channels"), {
        "organization": str(cast.tromso.uuid), ChannelStep.ADMISSION: StepChannel.PLO,
        ChannelStep.READY: StepChannel.PORTAL, ChannelStep.WITHDRAWN: StepChannel.PORTAL,
        ChannelStep.DISCHARGED: StepChannel.PORTAL, ChannelStep.QUESTION: StepChannel.PORTAL,
        ChannelStep.QUESTION_ANSWERED: StepChannel.PORTAL})
    assert response.status_code == 422
    assert not ChannelChoice.objects.exists()


def test_a_webhook_for_a_step_without_webhook_events_is_refused(client, cast, tromso_admin):
    client.force_login(tromso_admin)
    response = client.post(reverse("plo:channels"), {
        "organization": str(cast.tromso.uuid), ChannelStep.ADMISSION: StepChannel.PORTAL,
        ChannelStep.READY: StepChannel.PORTAL, ChannelStep.WITHDRAWN: StepChannel.WEBHOOK,
        ChannelStep.DISCHARGED: StepChannel.PORTAL, ChannelStep.QUESTION: StepChannel.PORTAL,
        ChannelStep.QUESTION_ANSWERED: StepChannel.PORTAL})
    assert response.status_code == 422
    assert not ChannelChoice.objects.exists()


def test_staff_who_are_not_administrators_may_not_choose(client, cast):
    client.force_login(cast.ke_tromso)
    assert client.get(reverse("plo:channels")).status_code == 403
    assert client.post(reverse("plo:channels"), {
        ChannelStep.ADMISSION: StepChannel.PORTAL}).status_code == 403
    assert not ChannelChoice.objects.exists()


def test_an_administrator_cannot_choose_for_another_organisation(client, cast, tromso_admin):
    """Naming another organisation shows (and saves) the administrator's own."""
    client.force_login(tromso_admin)
    response = client.post(reverse("plo:channels"), {
        "organization": str(cast.bodo.uuid), ChannelStep.ADMISSION: StepChannel.PORTAL,
        ChannelStep.EARLY_NOTIFICATION: StepChannel.PORTAL, ChannelStep.READY: StepChannel.PORTAL,
        ChannelStep.WITHDRAWN: StepChannel.PORTAL,
        ChannelStep.DISCHARGED: StepChannel.PORTAL, ChannelStep.QUESTION: StepChannel.PORTAL,
        ChannelStep.QUESTION_ANSWERED: StepChannel.PORTAL})
    assert response.status_code == 302
    assert not ChannelChoice.objects.filter(organization=cast.bodo).exists()
    assert ChannelChoice.objects.filter(organization=cast.tromso).count() == 7
