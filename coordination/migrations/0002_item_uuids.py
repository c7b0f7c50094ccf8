"""Public UUIDs for a plan's goals, measures, participants, consents and evaluations, so the
API never exposes database ids. Existing rows get a fresh UUID each before the column becomes
unique."""

import uuid

from django.db import migrations, models

MODELS = ("goal", "measure", "planparticipant", "consent", "evaluation")


def fill_uuids(apps, schema_editor):
    for name in MODELS:
        model = apps.get_model("coordination", name)
        for pk in model.objects.values_list("pk", flat=True).iterator():
            model.objects.filter(pk=pk).update(uuid=uuid.uuid4())


class Migration(migrations.Migration):

    dependencies = [("coordination", "0001_individual_plans")]

    operations = [
        *[migrations.AddField(model_name=name, name="uuid",
                              field=models.UUIDField(null=True, editable=False))
          for name in MODELS],
        migrations.RunPython(fill_uuids, migrations.RunPython.noop),
        *[migrations.AlterField(model_name=name, name="uuid",
                                field=models.UUIDField(default=uuid.uuid4, editable=False,
                                                       unique=True))
          for name in MODELS],
    ]
