"""An admission names its ward by key (registry.Ward of its hospital) instead of free text:
the text is kept as ward_text until 0015 has mapped it, and 0016 drops it."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("pathways", "0013_message_status_cancellation"),
        ("registry", "0010_departments_and_wards"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="admission", name="pathways_ad_hospita_371b4e_idx"),
        migrations.RenameField(model_name="admission", old_name="ward", new_name="ward_text"),
        # Blank with a default, so that going back from 0015 can add the column to rows.
        migrations.AlterField(
            model_name="admission", name="ward_text",
            field=models.CharField(blank=True, default="", max_length=120,
                                   verbose_name="ward"),
        ),
        migrations.AddField(
            model_name="admission", name="ward",
            field=models.ForeignKey(
                db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT,
                related_name="admissions", to="registry.ward", verbose_name="ward"),
        ),
    ]
