"""Short English words that mean two things in the UI get a translation context, so that
bokmål can say each meaning: the discharge destination "Home" is "Hjem", the navigation's
"Home" is "Forside" (they once shared one msgid and the timeline said "Forside")."""

import re
from pathlib import Path

import pytest
from django.db import models
from django.utils import translation

from coordination.models import PlanStatus, RequestStatus
from pathways.models import DischargeDestination, MessageStatus, ParticipantStatus

ROOT = Path(__file__).resolve().parent.parent
APPS = ("common", "registry", "webhooks", "pathways", "coordination", "fhir_api", "indicators",
        "rehab_portal")
SHORT = 2  # words: longer msgids rarely mean two things

# Short msgids used by a choice and elsewhere (another choice set, a label, a heading),
# reviewed: each means the same everywhere it is used, in this bokmål.
SAME_MEANING = {
    "Active": "Aktiv", "Admission": "Innleggelse", "Admitted": "Innlagt",
    "Attended": "Til stede", "Coordinator": "Koordinator", "D-number": "D-nummer",
    "Deceased": "Død", "Delivered": "Levert", "E-mail": "E-post", "GP": "Fastlege",
    "Health trust": "Helseforetak", "Hospital": "Sykehus",
    "Hospital staff": "Sykehusets ansatte", "Individual plan": "Individuell plan",
    "Municipality": "Kommune", "Not started": "Ikke startet", "Other": "Annet",
    "Patient": "Pasient", "Pending": "Venter", "Received": "Mottatt", "Sent": "Sendt",
    "The patient": "Pasienten", "created": "opprettet", "fødselsnummer": "fødselsnummer",
    "updated": "endret",
}

_PY = re.compile(r'''(?<![\w.])(?:_|gettext|gettext_lazy)\(\s*"((?:[^"\\]|\\.)*)"\s*\)''')
_TEMPLATE = re.compile(r'''{%\s*(?:translate|trans)\s+"([^"]+)"(?![^%]*\bcontext\b)''')
_CHOICE_LINE = re.compile(r"^\s+[A-Z][A-Z0-9_]* = .*\b_\(")


def _choice_enums():
    """Every TextChoices of the portal's apps, with its members' plain (context-free)
    msgids."""
    found, todo = {}, list(models.TextChoices.__subclasses__())
    while todo:
        enum = todo.pop()
        todo.extend(enum.__subclasses__())
        if enum.__module__.split(".")[0] not in APPS:
            continue
        for member in enum:
            args = getattr(member.label, "_args", ())
            if len(args) == 1:  # gettext_lazy(msgid); pgettext_lazy has (context, msgid)
                found.setdefault(args[0], set()).add(f"{enum.__module__}.{enum.__name__}")
    return found


def _other_uses():
    """msgid → where the source translates it without context, outside choice members."""
    uses = {}
    for app in (*APPS, "templates"):
        for path in (ROOT / app).rglob("*"):
            if "migrations" in path.parts or not path.is_file():
                continue
            if path.suffix == ".py":
                pattern, skip = _PY, _CHOICE_LINE
            elif path.suffix in (".html", ".txt"):
                pattern, skip = _TEMPLATE, None
            else:
                continue
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if skip is not None and skip.match(line):
                    continue
                for match in pattern.finditer(line):
                    uses.setdefault(match.group(1), []).append(
                        f"{path.relative_to(ROOT)}:{number}")
    return uses


def shared_msgids() -> dict[str, list[str]]:
    """Short choice labels whose msgid is also used by another choice set or elsewhere."""
    uses, shared = _other_uses(), {}
    for msgid, enums in _choice_enums().items():
        if len(msgid.split()) > SHORT:
            continue
        where = sorted(enums) + uses.get(msgid, [])
        if len(enums) > 1 or msgid in uses:
            shared[msgid] = where
    return shared


def test_no_short_choice_label_shares_its_msgid_unreviewed():
    """A choice label that is also a heading, a button or another choice set's label must
    either carry a context (pgettext_lazy) or be reviewed in SAME_MEANING."""
    unreviewed = {msgid: where for msgid, where in shared_msgids().items()
                  if msgid not in SAME_MEANING}
    assert unreviewed == {}


@pytest.mark.parametrize("msgid, bokmal", sorted(SAME_MEANING.items()))
def test_a_reviewed_shared_msgid_reads_as_reviewed(msgid, bokmal):
    with translation.override("nb"):
        assert translation.gettext(msgid) == bokmal


@pytest.mark.parametrize("label, bokmal", [
    (DischargeDestination.HOME.label, "Hjem"),
    (MessageStatus.CANCEL.label, "Annullering"),
    (RequestStatus.ACCEPTED.label, "Innvilget"),
    (ParticipantStatus.ACCEPTED.label, "Takket ja"),
    (RequestStatus.DECLINED.label, "Avslått"),
    (PlanStatus.DECLINED.label, "Avslått"),
    (ParticipantStatus.DECLINED.label, "Takket nei"),
])
def test_choice_labels_say_their_own_meaning_in_bokmal(label, bokmal):
    with translation.override("nb"):
        assert str(label) == bokmal


def test_the_navigation_keeps_its_own_words():
    with translation.override("nb"):
        assert (translation.gettext("Home"), translation.gettext("Cancel"),
                translation.gettext("Declined")) == ("Forside", "Avbryt", "Takket nei")
