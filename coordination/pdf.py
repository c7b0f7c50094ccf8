"""The individual plan as an A4 PDF (WeasyPrint), for the patient and the group.

Printed in the language of the user who asks (bokmål or English), its dates in that
language's formats as on the pages (common/formats: "06.01.2025" or "6 Jan 2025"), tagged
(PDF/UA-1) so screen readers get its structure, and stamped with the plan's version, its
time and who made it, so two printouts can be told apart. A rendering is stored once per plan
version and served from the store while the version is unchanged (see print_plan).

The renderer may read the app's own static files and nothing else (common.static_fetcher):
plan texts are the patient's and many people's words, so a URL in them must never reach the
network or disk.
The identity number is printed masked (its six birth-date digits): the paper goes to the
patient, relatives and several services, and name plus birth date identify the patient on it.
"""

import logging
import uuid
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from weasyprint import HTML

from common import dates
from common.lookup import one_or_404
from common.static_fetcher import STATIC_BASE_URL, StaticOnlyFetcher
from pathways.access import audit_reads
from pathways.models import Patient
from registry.models import AuditAction, AuditObjectType

from .access import visible_plans
from .models import Consent, Evaluation, Goal, IndividualPlan, Measure, PlanParticipant

PRINT_TIME_ZONE = ZoneInfo("Europe/Oslo")
# Part of every stored rendering's name. Raise it whenever the template, the stylesheet or the
# renderer's options change what a printed plan looks like: renderings of an older revision
# are then never served, and the next rendering of each plan removes them.
RENDER_REVISION = 3  # 3: dates in the print language's formats (common/formats)
# Tagged PDF (structure tree, /MarkInfo, document language and title): PDF/UA-1.
PDF_VARIANT = "pdf/ua-1"
# Where the renderings live in the default storage (STORAGES["default"]: MEDIA_ROOT under
# VAR_DIR by default, a shared volume or an S3-compatible bucket with several web instances).
# They hold health data: never serve this storage publicly (no MEDIA_URL route, no public
# bucket). They are read only through print_plan, behind the plan view's access check and
# audit, and deleted once their version is superseded.
STORE_PREFIX = "individual-plans"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GoalRow:
    number: str
    depth: int
    goal: Goal


def plan_for_print(plan: IndividualPlan) -> IndividualPlan:
    """The plan with everything the print shows, in a fixed number of queries."""
    goals = Goal.objects.select_related("reworded_by").order_by("position", "pk")
    return (
        IndividualPlan.objects
        .select_related("patient__municipality", "municipality", "coordinator__user",
                        "updated_by")
        .prefetch_related(
            Prefetch("goals", queryset=goals),
            Prefetch("measures", queryset=Measure.objects.select_related(
                "service__level", "service__provider", "responsible_organization")),
            Prefetch("participants", queryset=PlanParticipant.objects.select_related(
                "organization")),
            Prefetch("consents", queryset=Consent.objects.select_related(
                "organization")),
            Prefetch("evaluations", queryset=Evaluation.objects.select_related(
                "evaluated_by")),
        )
        .get(pk=plan.pk)
    )


def numbered_goals(goals) -> list[GoalRow]:
    """Goals 1, 2 ... each followed by its sub-goals 1.1, 1.2 ..., in reading order."""
    children: dict[int | None, list[Goal]] = {}
    for goal in goals:
        children.setdefault(goal.parent_id, []).append(goal)
    rows: list[GoalRow] = []

    def walk(parent_id, prefix, depth):
        for i, goal in enumerate(children.get(parent_id, []), start=1):
            rows.append(GoalRow(f"{prefix}{i}", depth, goal))
            walk(goal.pk, f"{prefix}{i}.", depth + 1)

    walk(None, "", 0)
    return rows


def _label(model, name: str) -> str:
    return capfirst(model._meta.get_field(name).verbose_name)


def _labels() -> dict[str, str]:
    """Column and field labels from the models' verbose names: one translation for UI and print."""
    return {
        "birth_date": _label(Patient, "birth_date"),
        "identity_number": _label(Patient, "identity_number"),
        "residence": _label(Patient, "municipality"),
        "status": _label(IndividualPlan, "status"),
        "what_matters": _label(IndividualPlan, "what_matters"),
        "resources": _label(IndividualPlan, "resources"),
        "service_needs": _label(IndividualPlan, "service_needs"),
        "other_agencies": _label(IndividualPlan, "other_agencies"),
        "period_start": _label(IndividualPlan, "period_start"),
        "period_end": _label(IndividualPlan, "period_end"),
        "next_evaluation": _label(IndividualPlan, "next_evaluation_on"),
        "target_date": _label(Goal, "target_date"),
        "achievement": _label(Goal, "status"),
        "measure": _label(Measure, "description"),
        "responsible": _("Responsible"),
        "extent": _label(Measure, "extent"),
        "name": _label(PlanParticipant, "name"),
        "role": _label(PlanParticipant, "kind"),
        "organisation": _label(PlanParticipant, "organization"),
        "contribution": _label(PlanParticipant, "contribution"),
        "scope": _label(Consent, "scope"),
        "method": _label(Consent, "method"),
        "given_at": _label(Consent, "given_at"),
        "revoked_at": _label(Consent, "revoked_at"),
        "goal_achievement": _label(Evaluation, "goal_achievement"),
    }


def print_language(language: str | None = None) -> str:
    """The language the print is made in: the given or active one if the portal offers it."""
    code = (language or translation.get_language() or "").lower().split("-")[0]
    return code if code in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def render_plan_html(plan: IndividualPlan, *, language: str | None = None) -> str:
    """The print layout as HTML, for WeasyPrint. `plan` comes from plan_for_print."""
    language = print_language(language)
    with translation.override(language):
        goals = numbered_goals(plan.goals.all())
        goal_numbers = {row.goal.pk: row.number for row in goals}
        measures = [(m, goal_numbers.get(m.goal_id)) for m in plan.measures.all()]
        # "Side X av Y" around CSS counters (the page margins cannot run a template); assumes
        # the translation keeps the number before the total, as bokmål does.
        page_label = _("Page %(number)s of %(total)s") % {"number": "\0", "total": "\0"}
        before, between, after = (page_label.split("\0") + ["", ""])[:3]
        # The version, its time and who made it, on every page: the stored rendering serves
        # every download of this version, so it cannot name the one who downloads (the audit
        # trail does). Two printouts of different versions differ here.
        changed_at = dates.when(plan.updated_at)  # the pages' format in this language
        if plan.updated_by:
            version_line = _("Version %(number)s, %(who)s, %(time)s") % {
                "number": plan.version, "who": plan.updated_by.display_name(),
                "time": changed_at}
        else:
            version_line = _("Version %(number)s, %(time)s") % {
                "number": plan.version, "time": changed_at}
        context = {
            "language": language,
            "plan": plan,
            "patient": plan.patient,
            "goals": goals,
            "measures": measures,
            "participants": list(plan.participants.all()),
            "consents": list(plan.consents.all()),
            "evaluations": list(plan.evaluations.all()),
            "version_line": version_line,
            "labels": _labels(),
            "page_label": {"before": before, "between": between, "after": after},
        }
        with timezone.override(PRINT_TIME_ZONE):
            return render_to_string("coordination/plan_pdf.html", context)


def render_plan_document(plan: IndividualPlan, *, language: str | None = None) -> bytes:
    """WeasyPrint's rendering of a plan from plan_for_print: the expensive step (about 0.4 s
    for 30 measures), which print_plan runs once per version and language."""
    html = render_plan_html(plan, language=language)
    return HTML(string=html, base_url=STATIC_BASE_URL, url_fetcher=StaticOnlyFetcher()
                ).write_pdf(pdf_variant=PDF_VARIANT)


@dataclass(frozen=True)
class PlanPrint:
    content: bytes
    version: int
    language: str
    rendered: bool  # False when served from the store


def stored_name(plan: IndividualPlan, language: str) -> str:
    """The rendering's name in the store: plan, plan version, patient version (the printed
    name, birth date and residence are the patient's), language and layout revision. Any
    change to what the print shows moves at least one of them, so a stored rendering is never
    stale; a closed plan is a new version too. Renames of organisations, services or staff
    (admin work, not the plan's) do not: RENDER_REVISION or a cleared store covers those."""
    return (f"{STORE_PREFIX}/{plan.uuid}/v{plan.version}-p{plan.patient.version}-{language}"
            f"-r{RENDER_REVISION}.pdf")


def is_whole_pdf(data: bytes) -> bool:
    """A complete file, not one another process is still writing (FileSystemStorage writes
    in place): it starts with the header and ends with the end-of-file marker."""
    return data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")


def _read_stored(storage, name: str) -> bytes | None:
    try:
        with storage.open(name, "rb") as stored:
            data = stored.read()
    except OSError:  # not stored (yet), or unreadable: render instead
        return None
    return data if is_whole_pdf(data) else None


def _store(storage, plan: IndividualPlan, name: str, data: bytes) -> None:
    """Save the rendering; remove the plan's other renderings but this version's in other
    languages, so the store holds at most one file per plan and language.

    Two first downloads at the same moment may both render: that costs time, not correctness,
    and is rarer than a lock is worth. The store never overwrites, so the second copy lands
    under another name and is deleted here. A reader that meets a file still being written
    finds it incomplete (is_whole_pdf) and renders itself; a truncated file left by a failed
    write is replaced. Should an older version's rendering finish after a newer one was
    stored, the newer file goes and is rendered again on its next download; the older one is
    never served, as its name is not the current version's."""
    try:
        saved = storage.save(name, ContentFile(data))
        if saved != name:
            storage.delete(saved)
            if _read_stored(storage, name) is None:  # a truncated file from a failed write
                storage.delete(name)
                if (again := storage.save(name, ContentFile(data))) != name:
                    storage.delete(again)
        folder = f"{STORE_PREFIX}/{plan.uuid}"
        current = f"v{plan.version}-p{plan.patient.version}-"
        for other in storage.listdir(folder)[1]:
            if not (other.startswith(current) and other.endswith(f"-r{RENDER_REVISION}.pdf")):
                storage.delete(f"{folder}/{other}")
    except OSError:  # the download still works; the next one renders again
        log.exception("could not store the rendering of plan %s", plan.uuid)


def print_plan(plan: IndividualPlan | uuid.UUID | str, *, printed_by,
               language: str | None = None) -> PlanPrint:
    """The plan (or the plan with this UUID) as PDF for `printed_by`, in their language; 404
    outside their scope, also when a rendering is stored.

    The stored rendering of the current version when there is one, else a new rendering,
    stored for the next download. Every download is audited with the version it showed. One
    query decides access and reads the current version: a repeated download costs that, the
    audit and a file read."""
    current = one_or_404(visible_plans(printed_by).select_related("patient"),
                         uuid=plan.uuid if isinstance(plan, IndividualPlan) else plan)
    printed = plan_document(current, language=language)
    audit_reads(printed_by, [current], object_type=AuditObjectType.INDIVIDUAL_PLAN,
                patient_of=lambda plan: plan.patient, action=AuditAction.PRINT,
                detail=f"PDF v{printed.version} {printed.language}")
    return printed


def plan_document(current: IndividualPlan, *, language: str | None = None) -> PlanPrint:
    """The PDF of a plan whose access the caller has decided (`current` with its patient):
    the stored rendering of its current version when there is one, else a new rendering,
    stored for the next download. The caller audits the print."""
    language = print_language(language)
    storage = storages["default"]
    data = _read_stored(storage, stored_name(current, language))
    rendered = data is None
    if rendered:
        # Read everything again: the rendering's name is taken from the same rows it shows.
        current = plan_for_print(current)
        data = render_plan_document(current, language=language)
        _store(storage, current, stored_name(current, language), data)
    return PlanPrint(data, current.version, language, rendered)
