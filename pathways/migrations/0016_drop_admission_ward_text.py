"""Every admission has its ward (0015): the key becomes required, the free text goes, and
the ward board's index is (hospital, ward, status) again, on the key."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("pathways", "0015_admission_wards_from_text"),
    ]

    operations = [
        migrations.RemoveField(model_name="admission", name="ward_text"),
        migrations.AlterField(
            model_name="admission", name="ward",
            field=models.ForeignKey(
                db_index=False, on_delete=django.db.models.deletion.PROTECT,
                related_name="admissions", to="registry.ward", verbose_name="ward"),
        ),
        migrations.AddIndex(
            model_name="admission",
            index=models.Index(fields=["hospital", "ward", "status"], name="admission_board_idx"),
        ),
    ]
