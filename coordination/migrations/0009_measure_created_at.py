"""When a measure was written into its plan: the start of the observed waiting time per
pyramid level (indicators). Older measures get the time of their creation in the audit
trail, else the plan's creation."""

import django.utils.timezone
from django.db import migrations, models


def fill_in(apps, schema_editor):
    Measure = apps.get_model("coordination", "Measure")
    AuditEvent = apps.get_model("registry", "AuditEvent")
    created = dict(AuditEvent.objects.filter(object_type="measure", action="create")
                   .order_by("-at").values_list("object_id", "at").iterator())
    changed = []
    for measure in Measure.objects.select_related("plan").iterator(chunk_size=2000):
        measure.created_at = created.get(str(measure.uuid)) or measure.plan.created_at
        changed.append(measure)
        if len(changed) == 2000:
            Measure.objects.bulk_update(changed, ["created_at"])
            changed = []
    if changed:
        Measure.objects.bulk_update(changed, ["created_at"])


class Migration(migrations.Migration):

    dependencies = [
        ("coordination", "0008_goal_reworded"),
        ("registry", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="measure",
            name="created_at",
            field=models.DateTimeField(default=django.utils.timezone.now, editable=False,
                                       null=True, verbose_name="created at"),
        ),
        migrations.RunPython(fill_in, migrations.RunPython.noop, elidable=True),
    ]
