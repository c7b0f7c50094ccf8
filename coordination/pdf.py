"""The individual plan as an A4 PDF (WeasyPrint), in bokmål, for the patient and the group.

The renderer may read the app's own static files and nothing else: plan texts are the
patient's and many people's words, so a URL in them must never reach the network or disk.
The identity number is printed masked (its six birth-date digits): the paper goes to the
patient, relatives and several services, and name plus birth date identify the patient on it.
"""

import mimetypes
import posixpath
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

from django.contrib.staticfiles import finders
from django.db.models import Prefetch
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from pathways.access import log_patient_access
from pathways.models import Patient
from registry.models import AuditAction

from .models import Consent, Evaluation, Goal, IndividualPlan, Measure, PlanParticipant

# The base URL the template's static references resolve against. It names no real host
# (.invalid is reserved); the fetcher maps it to the staticfiles finders and nothing else.
STATIC_BASE_URL = "https://static.rehab-portal.invalid/static/"
PRINT_TIME_ZONE = ZoneInfo("Europe/Oslo")
# Types a print layout may pull in: its stylesheet, images and fonts. No HTML, no SVG with
# its own references.
ALLOWED_SUFFIXES = frozenset({".css", ".png", ".jpg", ".jpeg", ".gif", ".woff", ".woff2",
                              ".ttf", ".otf"})


class FetchRefused(ValueError):
    """A resource outside the app's static files; WeasyPrint logs it and renders without it."""


class StaticOnlyFetcher(URLFetcher):
    """Serves files found by the staticfiles finders under STATIC_BASE_URL; refuses the rest.

    No scheme is opened: not http(s), file, data, ftp. Paths are decoded once, then any
    `..`, `.`, empty or backslash segment, query or fragment is refused before the finders
    see it, and the file the finders return must lie under one of their roots.
    """

    def __init__(self):
        super().__init__(allowed_protocols=(), allow_redirects=False, timeout=1)

    def fetch(self, url, headers=None):
        path = static_path(url)
        found = finders.find(path)
        if not found or isinstance(found, list):
            raise FetchRefused(f"not a static file: {path}")
        resolved = Path(found).resolve()
        if not resolved.is_file() or not any(resolved.is_relative_to(root)
                                             for root in _static_roots()):
            raise FetchRefused(f"outside the static files: {path}")
        content_type = mimetypes.guess_type(resolved.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, resolved.read_bytes(), {"Content-Type": content_type})


def static_path(url: str) -> str:
    """The static file a URL names, or FetchRefused."""
    if not isinstance(url, str) or not url.startswith(STATIC_BASE_URL):
        raise FetchRefused(f"only the app's static files are fetched, not {str(url)[:80]!r}")
    parts = urlsplit(url)
    if parts.query or parts.fragment or "?" in url or "#" in url:
        raise FetchRefused("static URLs take no query or fragment")
    raw = url[len(STATIC_BASE_URL):]
    path = unquote(raw)
    segments = path.split("/")
    if (not path or "\\" in path or "\x00" in path or "%" in path
            or any(s in ("", ".", "..") for s in segments)
            or posixpath.normpath(path) != path):
        raise FetchRefused(f"not a plain static path: {raw[:80]!r}")
    if posixpath.splitext(path)[1].lower() not in ALLOWED_SUFFIXES:
        raise FetchRefused(f"not a stylesheet, image or font: {raw[:80]!r}")
    return path


def _static_roots() -> list[Path]:
    roots = []
    for finder in finders.get_finders():
        for _prefix, storage in getattr(finder, "locations", []):
            roots.append(Path(storage).resolve())
        for storage in getattr(finder, "storages", {}).values():
            location = getattr(storage, "location", None)
            if location:
                roots.append(Path(location).resolve())
    return roots


@dataclass(frozen=True)
class GoalRow:
    number: str
    depth: int
    goal: Goal


def plan_for_print(plan: IndividualPlan) -> IndividualPlan:
    """The plan with everything the print shows, in a fixed number of queries."""
    goals = Goal.objects.order_by("position", "pk")
    return (
        IndividualPlan.objects
        .select_related("patient__municipality", "municipality", "coordinator__user")
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


def render_plan_html(plan: IndividualPlan, *, printed_by, printed_at=None) -> str:
    """The print layout as HTML (bokmål), for WeasyPrint."""
    printed_at = timezone.localtime(printed_at or timezone.now(), PRINT_TIME_ZONE)
    with translation.override("nb"):
        plan = plan_for_print(plan)
        goals = numbered_goals(plan.goals.all())
        goal_numbers = {row.goal.pk: row.number for row in goals}
        measures = [(m, goal_numbers.get(m.goal_id)) for m in plan.measures.all()]
        # "Side X av Y" around CSS counters (the page margins cannot run a template); assumes
        # the translation keeps the number before the total, as bokmål does.
        page_label = _("Page %(number)s of %(total)s") % {"number": "\0", "total": "\0"}
        before, between, after = (page_label.split("\0") + ["", ""])[:3]
        context = {
            "plan": plan,
            "patient": plan.patient,
            "goals": goals,
            "measures": measures,
            "participants": list(plan.participants.all()),
            "consents": list(plan.consents.all()),
            "evaluations": list(plan.evaluations.all()),
            "printed_by_name": printed_by.display_name(),
            "printed_at": date_format(printed_at, "d.m.Y H:i"),
            "labels": _labels(),
            "page_label": {"before": before, "between": between, "after": after},
        }
        with timezone.override(PRINT_TIME_ZONE):
            return render_to_string("coordination/plan_pdf.html", context)


def render_plan_pdf(plan: IndividualPlan, *, printed_by) -> bytes:
    """The plan as PDF bytes; the print is audited. A plan outside the user's scope is a 404."""
    if not IndividualPlan.objects.visible_to(printed_by).filter(pk=plan.pk).exists():
        raise Http404("No such plan.")
    html = render_plan_html(plan, printed_by=printed_by)
    pdf = HTML(string=html, base_url=STATIC_BASE_URL, url_fetcher=StaticOnlyFetcher()
               ).write_pdf()
    log_patient_access(printed_by, AuditAction.PRINT, [plan.patient],
                       object_type="individual_plan", object_ids={plan.patient_id: plan.uuid},
                       detail=f"PDF v{plan.version}")
    return pdf
