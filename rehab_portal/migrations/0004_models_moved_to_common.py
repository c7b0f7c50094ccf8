"""Heartbeat and IdempotencyRecord belong to the shared base, common (common 0001 takes over
their tables): removed from this app's migration state only, and their content types
renamed so that permissions and admin log entries follow them."""

from django.db import migrations

MOVED = ("heartbeat", "idempotencyrecord")


def rename_content_types(apps, schema_editor, source="rehab_portal", target="common"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    taken = set(ContentType.objects.using(db).filter(app_label=target, model__in=MOVED)
                .values_list("model", flat=True))
    ContentType.objects.using(db).filter(app_label=source, model__in=MOVED).exclude(
        model__in=taken).update(app_label=target)


def restore_content_types(apps, schema_editor):
    rename_content_types(apps, schema_editor, source="common", target="rehab_portal")


class Migration(migrations.Migration):

    dependencies = [
        ("rehab_portal", "0003_idempotency_access_stamp"),
        ("common", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="Heartbeat"),
                migrations.DeleteModel(name="IdempotencyRecord"),
            ],
        ),
        migrations.RunPython(rename_content_types, restore_content_types),
    ]
