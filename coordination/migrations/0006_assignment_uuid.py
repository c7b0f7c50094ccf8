"""A public UUID for coordinator assignments, so that the audit trail names them as every
other record, never by database id. Existing rows get a distinct UUID each before the column
becomes unique and required; backwards the column goes."""

import uuid

from django.db import migrations, models

from common.uuid_backfill import fill_uuids


class Migration(migrations.Migration):

    dependencies = [("coordination", "0005_plan_sync_index")]

    operations = [
        migrations.AddField(model_name="coordinatorassignment", name="uuid",
                            field=models.UUIDField(null=True, editable=False)),
        migrations.RunPython(fill_uuids("coordination", "coordinatorassignment"),
                             migrations.RunPython.noop),
        migrations.AlterField(model_name="coordinatorassignment", name="uuid",
                              field=models.UUIDField(default=uuid.uuid4, editable=False,
                                                     unique=True)),
    ]
