"""A readable diff between two versions of an individual plan (PlanVersion.snapshot).

Each change names the section (plan, goals, measures, participants, consents, evaluations),
the item (which goal, which measure ...), the field, and the values before and after. For long
texts `text_diff` gives word-level segments from difflib, so the reader sees what was
rewritten in a paragraph instead of two whole paragraphs side by side.

`section`, `item`, `field`, `before` and `after` are the snapshot's raw keys and values (what
the API returns). The page reads the `*_label` and `*_display` properties instead: the
models' verbose names and choice labels, translated when they are shown, dates as dates, and
a goal's text where the snapshot holds its id.
"""

import difflib
from dataclasses import dataclass, field

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import formats
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .models import Consent, Evaluation, Goal, IndividualPlan, Measure, PlanParticipant

SECTIONS = ("plan", "goals", "measures", "participants", "consents", "evaluations")
LONG_TEXT = 80  # characters; longer (or multi-line) texts get a word-level diff

ADDED, REMOVED, CHANGED = "added", "removed", "changed"

SECTION_MODELS = {"plan": IndividualPlan, "goals": Goal, "measures": Measure,
                  "participants": PlanParticipant, "consents": Consent,
                  "evaluations": Evaluation}
SECTION_LABELS = {"plan": _("plan"), "goals": _("goals"), "measures": _("measures"),
                  "participants": _("responsible group"), "consents": _("consent"),
                  "evaluations": _("evaluations")}
# Snapshot keys that are no model field, or whose field's name says less than this.
FIELD_LABELS = {
    ("plan", "coordinator"): _("coordinator"),
    ("goals", "parent"): _("main goal"),
    ("measures", "level"): _("pyramid level"),
    ("goals", "position"): _("order"),
    ("measures", "position"): _("order"),
}
# Snapshot keys holding the id of a goal in the same snapshot.
GOAL_REFERENCES = {("goals", "parent"), ("measures", "goal")}
# Snapshot keys that are no model field, shown after the field they belong with.
SHOWN_AFTER = {("measures", "level"): "service"}


def _model_field(section: str, name: str):
    model = SECTION_MODELS.get(section)
    try:
        return model._meta.get_field(name) if model and name else None
    except FieldDoesNotExist:
        return None


def field_label(section: str, name: str):
    """The field's name as a reader knows it (lazy: translated when shown)."""
    if (section, name) in FIELD_LABELS:
        return FIELD_LABELS[section, name]
    model_field = _model_field(section, name)
    if model_field is not None and getattr(model_field, "verbose_name", None):
        return model_field.verbose_name
    return name.replace("_", " ")


def display_value(section: str, name: str, value):
    """A snapshot value as the page shows it: a choice's label, a date, yes or no. None for
    an empty value, so that the page shows a dash."""
    if value is None or value == "":
        return None
    model_field = _model_field(section, name)
    if model_field is None:
        return value
    if model_field.choices:
        return dict(model_field.flatchoices).get(value, value)
    if isinstance(model_field, models.BooleanField):
        return _("yes") if value else _("no")
    if isinstance(model_field, models.DateTimeField) and isinstance(value, str):
        return parse_datetime(value) or value
    if isinstance(model_field, models.DateField) and isinstance(value, str):
        return parse_date(value) or value
    return value


@dataclass(frozen=True)
class Change:
    section: str
    item: str  # "" for the plan's own fields
    field: str  # "" when a whole item was added or removed
    before: object
    after: object
    kind: str = CHANGED
    text_diff: tuple = field(default=())  # (("equal"|"delete"|"insert", text), ...)
    # For the page only: the item as a reader names it (a consent's scope translated, an
    # evaluation's date as a date), and for a goal reference (id) the goals' texts before and
    # after. Not part of the API, which keeps the raw values above.
    item_shown: object = field(default=None, compare=False, repr=False)
    references: tuple = field(default=(), compare=False, repr=False)

    @property
    def section_label(self):
        return SECTION_LABELS.get(self.section, self.section)

    @property
    def field_label(self):
        return field_label(self.section, self.field) if self.field else ""

    @property
    def item_display(self):
        return self.item if self.item_shown is None else self.item_shown

    def _display(self, value, index: int):
        if self.kind in (ADDED, REMOVED):
            return self.item_display if value is not None else None
        if self.references:
            return self.references[index]
        return display_value(self.section, self.field, value)

    @property
    def before_display(self):
        return self._display(self.before, 0)

    @property
    def after_display(self):
        return self._display(self.after, 1)

    def __str__(self) -> str:
        """"plan what matters to you?", "goals «Walk the dog» target date": translated
        labels, not the snapshot's keys (a stale form names what changed so)."""
        parts = [str(self.section_label)]
        if self.item:
            parts.append(f"«{formats.localize(self.item_display)}»")
        if self.field:
            parts.append(str(self.field_label))
        return " ".join(parts)


def _label(section: str, item: dict) -> str:
    if section == "goals":
        return item.get("text", "")[:60]
    if section == "measures":
        return (item.get("description") or item.get("service") or "")[:60]
    if section == "participants":
        return item.get("name", "")
    if section == "consents":
        return f"{item.get('organization', '')} ({item.get('scope', '')})"
    if section == "evaluations":
        return item.get("evaluated_on") or ""
    return ""


def _shown(section: str, item: dict):
    """The item's name for the page (None: the same as _label)."""
    if section == "consents":
        return format_lazy("{} ({})", item.get("organization", ""),
                           display_value("consents", "scope", item.get("scope")) or "")
    if section == "evaluations":
        return display_value("evaluations", "evaluated_on", item.get("evaluated_on"))
    return None


def _goal_texts(snapshot: dict) -> dict:
    return {row["id"]: row.get("text", "")[:60] for row in snapshot.get("goals", [])}


def _is_long(value) -> bool:
    return isinstance(value, str) and (len(value) > LONG_TEXT or "\n" in value)


def text_diff(before: str, after: str) -> tuple:
    """Word-level segments: runs of equal, deleted and inserted words (whitespace kept)."""
    a, b = (before or "").split(" "), (after or "").split(" ")
    segments = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            segments.append(("equal", " ".join(a[i1:i2])))
            continue
        if op in ("delete", "replace"):
            segments.append(("delete", " ".join(a[i1:i2])))
        if op in ("insert", "replace"):
            segments.append(("insert", " ".join(b[j1:j2])))
    return tuple(segments)


def _reading_order(section: str, names) -> list[str]:
    """The snapshot's keys in the model's field order: a snapshot read back from PostgreSQL's
    jsonb has its keys shortest first, which would make the page's order depend on the
    database."""
    model = SECTION_MODELS.get(section)
    position = {f.name: n for n, f in enumerate(model._meta.concrete_fields)} if model else {}

    def key(name):
        owner = SHOWN_AFTER.get((section, name))
        if owner is not None:
            return position.get(owner, len(position)), 1
        return position.get(name, len(position)), 0

    return sorted(names, key=key)


def _field_changes(section: str, item: str, before: dict, after: dict, *, shown=None,
                   goals=({}, {})) -> list[Change]:
    changes = []
    for name in _reading_order(section, [*before, *(k for k in after if k not in before)]):
        if name == "id" or name not in before or name not in after:
            continue  # a key only one of them has came with a newer snapshot: no change
        old, new = before[name], after[name]
        if old == new:
            continue
        long = _is_long(old) or _is_long(new)
        references = ()
        if (section, name) in GOAL_REFERENCES:
            references = (goals[0].get(old) if old is not None else None,
                          goals[1].get(new) if new is not None else None)
        changes.append(Change(section, item, name, old, new,
                              text_diff=text_diff(old or "", new or "") if long else (),
                              item_shown=shown, references=references))
    return changes


def diff_snapshots(before: dict, after: dict) -> list[Change]:
    """Changes from one snapshot to another, in section order, items matched by id."""
    changes = _field_changes("plan", "", before.get("plan", {}), after.get("plan", {}))
    goals = (_goal_texts(before), _goal_texts(after))
    for section in SECTIONS[1:]:
        old = {row["id"]: row for row in before.get(section, [])}
        new = {row["id"]: row for row in after.get(section, [])}
        for key, row in old.items():
            if key not in new:
                changes.append(Change(section, _label(section, row), "", _label(section, row),
                                      None, kind=REMOVED, item_shown=_shown(section, row)))
        for key, row in new.items():
            if key not in old:
                changes.append(Change(section, _label(section, row), "", None,
                                      _label(section, row), kind=ADDED,
                                      item_shown=_shown(section, row)))
            else:
                changes.extend(_field_changes(section, _label(section, row), old[key], row,
                                              shown=_shown(section, row), goals=goals))
    return changes


def diff_versions(older, newer) -> list[Change]:
    """Changes between two PlanVersion rows (of the same plan)."""
    if older.plan_id != newer.plan_id:
        raise ValueError("The versions belong to different plans.")
    return diff_snapshots(older.snapshot, newer.snapshot)


def diff_plan(plan, from_number: int, to_number: int | None = None) -> list[Change]:
    """Changes to the plan from version `from_number` to `to_number` (default: the latest)."""
    versions = plan.versions.all()
    older = versions.get(number=from_number)
    newer = versions.get(number=to_number) if to_number else versions.order_by("-number")[0]
    return diff_versions(older, newer)
