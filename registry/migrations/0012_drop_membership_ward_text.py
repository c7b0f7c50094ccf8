"""The membership's free-text ward is gone: 0011 mapped it onto registry.Ward."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("registry", "0011_membership_wards_from_text"),
    ]

    operations = [
        migrations.RemoveField(model_name="membership", name="ward_text"),
    ]
