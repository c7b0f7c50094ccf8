"""A page's audit INSERT does less: no foreign-key checks of each event against the user and
organisation tables at commit (PROTECT still keeps those rows while events name them), and no
index of the patient alone (the two indexes that start with the patient serve its lookups).

On SQLite, Django would rebuild the table to change a column, which drops the append-only
trigger (0002): there only the index goes, by name; the foreign keys stay in the table's
definition, where they cost nothing that matters.
"""

import copy

from django.db import migrations, models

CHANGED = {"user": {"db_constraint": False}, "organization": {"db_constraint": False},
           "patient_uuid": {"db_index": False}}


def _fields(model):
    """(before, after) of each changed field. In both directions RunPython is given the state
    before this migration (database operations do not move the state here)."""
    for name, change in CHANGED.items():
        before = model._meta.get_field(name)
        after = copy.copy(before)
        for attribute, value in change.items():
            setattr(after, attribute, value)
        yield before, after


def _alter(apps, schema_editor, forwards: bool):
    model = apps.get_model("registry", "AuditEvent")
    if schema_editor.connection.vendor == "sqlite":
        index = schema_editor._create_index_name(model._meta.db_table, ["patient_uuid"])
        if forwards:
            schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(index)}")
        else:
            schema_editor.execute(schema_editor._create_index_sql(
                model, fields=[model._meta.get_field("patient_uuid")], name=index))
        return
    for before, after in _fields(model):
        schema_editor.alter_field(model, *((before, after) if forwards else (after, before)))


def forwards(apps, schema_editor):
    _alter(apps, schema_editor, forwards=True)


def backwards(apps, schema_editor):
    _alter(apps, schema_editor, forwards=False)


class Migration(migrations.Migration):

    dependencies = [
        ("registry", "0008_audit_patient_object_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="auditevent", name="user",
                    field=models.ForeignKey(blank=True, db_constraint=False, null=True,
                                            on_delete=models.PROTECT, related_name="+",
                                            to="registry.user", verbose_name="user"),
                ),
                migrations.AlterField(
                    model_name="auditevent", name="organization",
                    field=models.ForeignKey(blank=True, db_constraint=False, null=True,
                                            on_delete=models.PROTECT, related_name="+",
                                            to="registry.organization",
                                            verbose_name="organisation"),
                ),
                migrations.AlterField(
                    model_name="auditevent", name="patient_uuid",
                    field=models.UUIDField(blank=True, null=True, verbose_name="patient"),
                ),
            ],
            database_operations=[migrations.RunPython(forwards, backwards)],
        ),
    ]
