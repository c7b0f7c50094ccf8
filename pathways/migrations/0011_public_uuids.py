"""Public UUIDs for care relationships, meeting participants and follow-up tasks, so that URLs,
payloads and the audit trail name them as every other record, never by database id. Existing
rows (a million care relationships) get a distinct UUID each before the column becomes unique
and required; backwards the column goes."""

import uuid

from django.db import migrations, models

from common.uuid_backfill import fill_uuids

MODELS = ("carerelationship", "meetingparticipant", "followuptask")


class Migration(migrations.Migration):

    dependencies = [("pathways", "0010_care_relationship_patient_index")]

    operations = [
        *[migrations.AddField(model_name=name, name="uuid",
                              field=models.UUIDField(null=True, editable=False))
          for name in MODELS],
        migrations.RunPython(fill_uuids("pathways", *MODELS), migrations.RunPython.noop),
        *[migrations.AlterField(model_name=name, name="uuid",
                                field=models.UUIDField(default=uuid.uuid4, editable=False,
                                                       unique=True))
          for name in MODELS],
    ]
