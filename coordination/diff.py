"""A readable diff between two versions of an individual plan (PlanVersion.snapshot).

Each change names the section (plan, goals, measures, participants, consents, evaluations),
the item (which goal, which measure ...), the field, and the values before and after. For long
texts `text_diff` gives word-level segments from difflib, so the reader sees what was
rewritten in a paragraph instead of two whole paragraphs side by side.
"""

import difflib
from dataclasses import dataclass, field

SECTIONS = ("plan", "goals", "measures", "participants", "consents", "evaluations")
LONG_TEXT = 80  # characters; longer (or multi-line) texts get a word-level diff

ADDED, REMOVED, CHANGED = "added", "removed", "changed"


@dataclass(frozen=True)
class Change:
    section: str
    item: str  # "" for the plan's own fields
    field: str  # "" when a whole item was added or removed
    before: object
    after: object
    kind: str = CHANGED
    text_diff: tuple = field(default=())  # (("equal"|"delete"|"insert", text), ...)


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


def _field_changes(section: str, item: str, before: dict, after: dict) -> list[Change]:
    changes = []
    for name in [*before, *(k for k in after if k not in before)]:
        if name == "id":
            continue
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        long = _is_long(old) or _is_long(new)
        changes.append(Change(section, item, name, old, new,
                              text_diff=text_diff(old or "", new or "") if long else ()))
    return changes


def diff_snapshots(before: dict, after: dict) -> list[Change]:
    """Changes from one snapshot to another, in section order, items matched by id."""
    changes = _field_changes("plan", "", before.get("plan", {}), after.get("plan", {}))
    for section in SECTIONS[1:]:
        old = {row["id"]: row for row in before.get(section, [])}
        new = {row["id"]: row for row in after.get(section, [])}
        for key, row in old.items():
            if key not in new:
                changes.append(Change(section, _label(section, row), "", _label(section, row),
                                      None, kind=REMOVED))
        for key, row in new.items():
            if key not in old:
                changes.append(Change(section, _label(section, row), "", None,
                                      _label(section, row), kind=ADDED))
            else:
                changes.extend(_field_changes(section, _label(section, row), old[key], row))
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
