"""The words of the UI (issue 12, item 8): the plan request has one name, the glossary's
("melding om behov"), and "vedtak" is kept for the decision the patient may appeal; the
message kinds are PLO's and never the Cancel button's word; no select says "---------"; no
"created" left in English; one date style per language, with a 24-hour clock in both."""

import datetime
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import formats, translation

from common import dates
from coordination.forms import ConsentForm, CoordinatorProfileForm, MeasureForm, ParticipantForm
from coordination.models import PlanVersion
from pathways.forms import DischargeForm, EarlyNotificationForm
from pathways.models import MessageStatus
from registry.models import NotificationChannel, ServiceOffering
from registry.notifications import Message, notify
from tests import factories

NB_CATALOGUE = Path(__file__).resolve().parents[2] / "locale" / "nb" / "LC_MESSAGES" / "django.po"
MOMENT = datetime.datetime(2026, 12, 6, 13, 5, tzinfo=datetime.UTC)  # 14:05 in Oslo


def _entries():
    """(references, msgid, msgstr) of every entry in the Norwegian catalogue."""
    text = NB_CATALOGUE.read_text(encoding="utf-8")
    for block in text.split("\n\n"):
        refs = " ".join(re.findall(r"^#: (.*)$", block, re.M))
        msgid = re.search(r'^msgid ((?:".*"\n?)+)', block, re.M)
        msgstr = re.search(r'^msgstr ((?:".*"\n?)+)', block, re.M)
        if msgid and msgstr:
            yield (refs, "".join(re.findall(r'"(.*)"', msgid.group(1))),
                   "".join(re.findall(r'"(.*)"', msgstr.group(1))))


def test_the_plan_request_is_called_melding_om_behov_everywhere_in_the_ui():
    plan_request_texts = [(msgid, msgstr) for refs, msgid, msgstr in _entries()
                          if "coordination/" in refs and "common/" not in refs  # not HTTP's
                          and re.search(r"\brequests?\b", msgid)]
    assert plan_request_texts
    assert [pair for pair in plan_request_texts if "forespørsel" in pair[1].lower()] == []
    with translation.override("nb"):
        assert translation.gettext("Accept the request") == "Innvilg meldingen om behov"
        assert translation.gettext("Open requests") == "Åpne meldinger om behov"
        assert "melding om behov" in translation.gettext("No request waits for a decision.")


def test_vedtak_is_only_the_decision_the_patient_may_appeal():
    uses = [msgid for _refs, msgid, msgstr in _entries() if "vedtak" in msgstr.lower()]
    assert uses and all("appeal" in msgid for msgid in uses), uses


def test_the_message_kinds_are_plos_and_none_is_the_cancel_buttons_word():
    with translation.override("nb"):
        labels = [str(status.label) for status in MessageStatus]
        cancel_button = translation.gettext("Cancel")
    assert labels == ["Første melding", "Endring", "Tillegg", "Annullering", "Erstatter"]
    assert cancel_button == "Avbryt" and cancel_button not in labels
    with translation.override("en"):
        assert "Cancel" not in [str(status.label) for status in MessageStatus]


def test_words_that_read_wrongly_are_gone():
    with translation.override("nb"):
        assert translation.gettext("Dropped") == "Frafalt"
        assert "for nå" not in translation.gettext("Leave empty for now.")
        assert PlanVersion(summary="created").get_summary_display() == "Planen er opprettet"
        assert PlanVersion(summary="created (coordinator only)").get_summary_display() == \
            "Koordinator oppnevnt, ingen plan"


@pytest.mark.django_db
@pytest.mark.parametrize("form", [
    lambda: MeasureForm(services=ServiceOffering.objects.none()), lambda: ConsentForm(),
    lambda: ParticipantForm(),
    lambda: CoordinatorProfileForm(org_ids=[]), lambda: EarlyNotificationForm(),
    lambda: EarlyNotificationForm(follow_up=True), lambda: DischargeForm(),
], ids=["measure", "consent", "participant", "coordinator", "notice", "later notice",
        "discharge"])
def test_no_select_offers_dashes(form):
    with translation.override("nb"):
        html = str(form())
    assert "---------" not in html
    assert "<select" in html or 'type="radio"' in html


@pytest.mark.parametrize(("language", "moment", "day"), [
    ("nb", "06.12.2026 14:05", "06.12.2026"),
    ("en", "6 Dec 2026, 14:05", "6 Dec 2026"),
])
def test_one_date_style_per_language_with_a_24_hour_clock(language, moment, day):
    with translation.override(language):
        assert formats.date_format(MOMENT.astimezone(dates.OSLO),
                                   "SHORT_DATETIME_FORMAT") == moment
        assert dates.when(MOMENT) == moment  # messages say it as the pages do
        assert dates.day(datetime.date(2026, 12, 6)) == day
        assert formats.time_format(MOMENT.astimezone(dates.OSLO), "TIME_FORMAT") == "14:05"


@pytest.mark.parametrize(("language", "pattern"), [
    ("nb", r"\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}"),
    ("en", r"\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}"),
])
def test_a_page_shows_times_in_its_languages_style(client, cast, language, pattern):
    notify([cast.ke_tromso], Message(kind="test", title="Varsel"),
           channels=[NotificationChannel.IN_APP])
    client.force_login(cast.ke_tromso)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    html = client.get(reverse("registry:notification_list")).content.decode()
    assert re.search(rf"<time[^>]*>{pattern}</time>", html)
    assert not re.search(r"\d{2}/\d{2}/\d{4}|[ap]\.m\.", html)


def test_the_plan_pages_organisation_selects_say_velg(client, cast):
    """The plan page fills the consent's and the member's organisation lists itself (one
    query for both): each keeps its own "Velg ..." instead of "---------"."""
    plan = factories.individual_plan(cast, factories.coordinator(cast))
    client.force_login(cast.ke_tromso)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nb"
    html = client.get(reverse("coordination:plan_detail", args=[plan.uuid])).content.decode()
    assert "---------" not in html
    assert re.search(r'<select name="organization"[^>]*id="id_consent_organization"[^>]*>\s*'
                     r'<option value="" selected>Velg en organisasjon</option>', html)
    assert re.search(r'<select name="organization"[^>]*id="id_participant_organization"[^>]*>'
                     r'\s*<option value="" selected>Velg en organisasjon \(valgfritt\)</option>',
                     html)
