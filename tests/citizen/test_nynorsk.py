"""The patient's own door in nynorsk (issue 14: "plain bokmål, and nynorsk and English
available; nynorsk through gettext like the rest"). Every text of the citizen pages has a
nynorsk translation in locale/nn (what has none would fall back to bokmål, and a nynorsk
reader would meet a page in two written standards), and a patient who chose nynorsk reads
their overview, plan, meetings, messages and access log in nynorsk, under <html lang="nn">."""

import ast
import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils.translation.template import templatize

from citizen.auth import BACKEND, citizen_user
from coordination import services as coordination_services
from pathways.models import ParticipantKind
from tests import factories

ROOT = Path(__file__).resolve().parents[2]
NN_CATALOGUE = ROOT / "locale" / "nn" / "LC_MESSAGES" / "django.po"

# The shared partials the citizen pages include (the language switch, a form's fields and
# its error summary).
SHARED_PARTIALS = ["templates/partials/language_form.html",
                   "templates/partials/error_summary.html", "templates/partials/field.html"]

# The labels of choices the citizen pages show (status of a plan, goal, measure, meeting, an
# answer, a consent, a representation, the survey's questions), by the module defining them.
SHOWN_CHOICES = {
    "pathways/models/citizens.py": ["RepresentationKind", "RepresentationScope"],
    "pathways/models/meetings.py": ["MeetingStatus", "ParticipantStatus", "ParticipantKind"],
    "coordination/models/patient_input.py": ["ProposalStatus"],
    "coordination/models/experience.py": ["ExperienceQuestion"],
    "coordination/models/plans.py": ["PlanStatus"],
    "coordination/models/plan_items.py": ["AchievementStatus", "MeasureStatus",
                                          "PlanParticipantKind", "ConsentScope",
                                          "ConsentMethod"],
}

# gettext's names, and where the context and the message are among their arguments.
GETTEXT = {"_": (None, 0), "gettext": (None, 0), "gettext_lazy": (None, 0),
           "gettext_noop": (None, 0), "ngettext": (None, 0), "ngettext_lazy": (None, 0),
           "pgettext": (0, 1), "pgettext_lazy": (0, 1), "npgettext": (0, 1),
           "npgettext_lazy": (0, 1)}

# A string literal as templatize writes it (repr, with a u prefix).
LITERAL = r"""u?(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")"""
TEMPLATE_CALL = re.compile(
    rf"\b(gettext|ngettext|pgettext|npgettext|_)\(\s*({LITERAL})(?:\s*,\s*({LITERAL}))?")


def template_msgids(path: Path) -> set[tuple[str | None, str]]:
    """(context, msgid) of every translate / blocktranslate in a template, as makemessages
    sees them: Django's templatize turns the template into gettext calls."""
    found = set()
    for name, first, second in TEMPLATE_CALL.findall(templatize(path.read_text("utf-8"))):
        first = ast.literal_eval(first)
        if name in ("pgettext", "npgettext"):
            found.add((first, ast.literal_eval(second)))
        else:
            found.add((None, first))
    return found


def python_msgids(path: Path, classes=None) -> set[tuple[str | None, str]]:
    """(context, msgid) of every gettext call with literal text in a module (or only in the
    classes named)."""
    tree = ast.parse(path.read_text("utf-8"))
    roots = [tree] if classes is None else [
        node for node in tree.body if isinstance(node, ast.ClassDef) and node.name in classes]
    assert classes is None or len(roots) == len(classes), (path, classes)
    found = set()
    for root in roots:
        for node in ast.walk(root):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in GETTEXT):
                continue
            context_at, message_at = GETTEXT[node.func.id]
            args = node.args
            if len(args) <= message_at or not all(
                    isinstance(arg, ast.Constant) and isinstance(arg.value, str)
                    for arg in args[:message_at + 1]):
                continue
            found.add((args[context_at].value if context_at is not None else None,
                       args[message_at].value))
    return found


def citizen_msgids() -> dict[tuple[str | None, str], str]:
    """Every text of the patient's door, with where it is used."""
    where = {}
    templates = sorted((ROOT / "citizen" / "templates").rglob("*.html"))
    for path in templates + [ROOT / name for name in SHARED_PARTIALS]:
        for key in template_msgids(path):
            where.setdefault(key, str(path.relative_to(ROOT)))
    for path in sorted((ROOT / "citizen").rglob("*.py")):
        if "migrations" not in path.parts:
            for key in python_msgids(path):
                where.setdefault(key, str(path.relative_to(ROOT)))
    for name, classes in SHOWN_CHOICES.items():
        for key in python_msgids(ROOT / name, classes):
            where.setdefault(key, name)
    return where


def nynorsk_translated() -> set[tuple[str | None, str]]:
    translated = set()
    for entry in polib.pofile(str(NN_CATALOGUE)):
        if entry.obsolete or "fuzzy" in entry.flags:
            continue
        done = (all(entry.msgstr_plural.values()) if entry.msgid_plural
                else bool(entry.msgstr))
        if done:
            translated.add((entry.msgctxt, entry.msgid))
    return translated


def test_the_extraction_finds_the_citizen_texts_with_their_contexts():
    """The guard below is worth what its extraction is: it sees a plain translate, a
    blocktranslate with a variable, a plural, a context, and a view's message."""
    found = citizen_msgids()
    assert (None, "My rights") in found
    assert (None, "You are acting for %(name)s.") in found
    assert (None, "Who is invited (%(count)s person)") in found
    assert ("proposal", "Accepted") in found
    assert (None, "Your goal is saved.") in found
    assert (None, "read %(thing)s") in found
    assert len(found) > 300


def test_every_text_of_the_citizen_pages_has_a_nynorsk_translation():
    translated = nynorsk_translated()
    missing = sorted(f"{where}: {context + ' | ' if context else ''}{msgid}"
                     for (context, msgid), where in citizen_msgids().items()
                     if (context, msgid) not in translated)
    assert not missing, (
        "These texts of the patient's own door have no nynorsk translation; append them to "
        "locale/nn/LC_MESSAGES/django.po:\n" + "\n".join(missing))


# --- what a patient who chose nynorsk reads ----------------------------------------------------

# Words only bokmål (or English) would put on these pages; the data here has none of them.
NOT_NYNORSK = re.compile(r"\b(ikke|hvem|hva|hvordan|ennå|Mine rettigheter|Koordinerende enhet|"
                         r"Du selv|My rights|My plan)\b")


@pytest.fixture
def astrid(cast):
    """Astrid with an active plan (a goal, a consent), a coordinator's message and a meeting
    she is invited to; signed in on her own page, in nynorsk."""
    plan = factories.individual_plan(cast, factories.coordinator(cast), cast.shared)
    factories.activate_plan(cast, plan)
    coordination_services.send_message(plan, cast.coordinator,
                                       "Hei Astrid, vi ses på møtet på torsdag.")
    factories.discharge_meeting(cast, participants=[
        {"kind": ParticipantKind.PATIENT},
        {"kind": ParticipantKind.COORDINATING_UNIT, "user": cast.ke_tromso},
    ])
    return cast.shared


def open_in_nynorsk(client, patient, name) -> str:
    client.force_login(citizen_user(patient.identity_number), backend=BACKEND)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nn"
    response = client.get(reverse(f"citizen:{name}", args=[patient.uuid]))
    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="nn">' in page
    assert not NOT_NYNORSK.findall(page), NOT_NYNORSK.findall(page)
    return page


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "words"), [
    ("overview", ["Rettane mine", "Planen min", "Meldingar", "Mi side",
                  "Opplysningane dine er verna."]),
    ("plan", ["Måla mine", "Dette blir gjort", "Kven som hjelper deg", "Planen er i bruk.",
              "Ikkje starta", "Last ned planen (PDF)"]),
    ("meetings", ["Komande møte", "Invitasjonen din", "Eg kjem", "Legg til i kalenderen min"]),
    ("messages", ["Skriv til koordinatoren din og koordinerande eining",
                  "Meldingar, eldste først", "Meldinga di"]),
    ("rights_log", ["Kven har lese opplysningane mine", "Hendingar, dei nyaste først",
                    "<strong>Du sjølv</strong> las loggen over kven som har lese "
                    "opplysningane dine"]),
])
def test_a_patient_who_chose_nynorsk_reads_their_pages_in_nynorsk(client, astrid, name, words):
    page = open_in_nynorsk(client, astrid, name)
    for word in words:
        assert word in page, word


@pytest.mark.django_db
def test_the_language_switch_is_what_makes_it_nynorsk(client, astrid):
    """Without the choice the same page is bokmål: nynorsk is the patient's choice."""
    client.force_login(citizen_user(astrid.identity_number), backend=BACKEND)
    page = client.get(reverse("citizen:overview", args=[astrid.uuid])).content.decode()
    assert '<html lang="nb">' in page and "Mine rettigheter" in page
    assert "Rettane mine" not in page
