"""The care relationships' patient index also holds the columns an access check reads, so
PostgreSQL answers the check from the index alone; it replaces the foreign key's own index,
which it built first (the patient column is never without an index)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("pathways", "0009_notice_municipality_required"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="carerelationship",
            index=models.Index(fields=["patient"],
                               include=("organization", "user", "valid_from", "valid_to"),
                               name="care_relationship_patient_idx"),
        ),
        migrations.AlterField(
            model_name="carerelationship",
            name="patient",
            field=models.ForeignKey(db_index=False,
                                    on_delete=django.db.models.deletion.CASCADE,
                                    related_name="care_relationships", to="pathways.patient"),
        ),
    ]
