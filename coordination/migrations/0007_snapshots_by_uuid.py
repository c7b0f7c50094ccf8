"""Plan versions name their items by public UUID: a stored snapshot's item ids and goal
references (a goal's parent, a measure's goal) become the items' UUIDs. An item deleted since
has no UUID to find; it gets a stable stand-in (uuid5 of its section and old id), the same in
every version, so that the diff still matches it across versions. Backwards, the UUIDs of
items that still exist become their ids again."""

import uuid

from django.db import migrations

SECTIONS = {"goals": "Goal", "measures": "Measure", "participants": "PlanParticipant",
            "consents": "Consent", "evaluations": "Evaluation"}
REFERENCES = {("goals", "parent"), ("measures", "goal")}
DELETED = uuid.UUID("5d1f9a52-3f39-4f0e-9a43-1b1f6e0c2a77")  # namespace of the stand-ins
BATCH = 500


def _convert(apps, schema_editor, forwards: bool):
    PlanVersion = apps.get_model("coordination", "PlanVersion")
    db = schema_editor.connection.alias
    versions = PlanVersion.objects.using(db).order_by("pk")
    last = 0
    while batch := list(versions.filter(pk__gt=last)[:BATCH]):
        last = batch[-1].pk
        plan_ids = {version.plan_id for version in batch}
        maps = {}
        for section, model_name in SECTIONS.items():
            model = apps.get_model("coordination", model_name)
            pairs = model.objects.using(db).filter(plan_id__in=plan_ids).values_list("pk", "uuid")
            maps[section] = ({pk: str(u) for pk, u in pairs} if forwards
                             else {str(u): pk for pk, u in pairs})
        for version in batch:
            if _rewrite(version.snapshot, maps, forwards):
                version.save(update_fields=["snapshot"])


def _rewrite(snapshot: dict, maps: dict, forwards: bool) -> bool:
    changed = False

    def mapped(section, value):
        if value is None:
            return None
        if forwards:
            if not isinstance(value, int):
                return value  # written as a UUID already
            return maps[section].get(value) or str(uuid.uuid5(DELETED, f"{section}:{value}"))
        return maps[section].get(value, value)

    for section in SECTIONS:
        for row in snapshot.get(section, []):
            for key in ("id", *(name for sec, name in REFERENCES if sec == section)):
                if key in row:
                    target = "goals" if key != "id" else section
                    new = mapped(target, row[key])
                    if new != row[key]:
                        row[key], changed = new, True
    return changed


def forwards(apps, schema_editor):
    _convert(apps, schema_editor, forwards=True)


def backwards(apps, schema_editor):
    _convert(apps, schema_editor, forwards=False)


class Migration(migrations.Migration):

    dependencies = [
        ("coordination", "0006_assignment_uuid"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
