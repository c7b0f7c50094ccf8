from django.db import migrations, models
from django.db.models import Q
import django.db.models.deletion


class Migration(migrations.Migration):
    """Apart from 0008: PostgreSQL does not alter a table with the update's deferred foreign
    key checks still pending in the same transaction."""

    dependencies = [
        ('pathways', '0008_notice_municipality'),
    ]

    operations = [
        migrations.AlterField(
            model_name='earlynotification',
            name='municipality',
            field=models.ForeignKey(editable=False,
                                    on_delete=django.db.models.deletion.PROTECT,
                                    related_name='+', to='registry.organization',
                                    verbose_name='municipality'),
        ),
        migrations.AddIndex(
            model_name='earlynotification',
            index=models.Index(condition=Q(('acknowledged_at__isnull', True), ('state', 'sent')),
                               fields=['municipality', '-sent_at', '-id'],
                               name='notice_unacknowledged_muni_idx'),
        ),
    ]
