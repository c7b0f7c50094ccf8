from django.db import migrations, models
from django.db.models import OuterRef, Q, Subquery
import django.db.models.deletion


def address_sent_notices(apps, schema_editor):
    """Every notice so far was to its admission's municipality."""
    EarlyNotification = apps.get_model("pathways", "EarlyNotification")
    Admission = apps.get_model("pathways", "Admission")
    EarlyNotification.objects.update(municipality_id=Subquery(
        Admission.objects.filter(pk=OuterRef("admission_id")).values("municipality_id")[:1]))


class Migration(migrations.Migration):

    dependencies = [
        ('pathways', '0007_one_open_care_relationship'),
        ('registry', '0007_notification_subject_idx'),
    ]

    operations = [
        migrations.AddField(
            model_name='earlynotification',
            name='municipality',
            field=models.ForeignKey(editable=False, null=True,
                                    on_delete=django.db.models.deletion.PROTECT,
                                    related_name='+', to='registry.organization',
                                    verbose_name='municipality'),
        ),
        migrations.RunPython(address_sent_notices, migrations.RunPython.noop, elidable=True),
    ]
