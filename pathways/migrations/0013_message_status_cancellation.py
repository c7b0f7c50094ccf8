from django.db import migrations, models


class Migration(migrations.Migration):
    """The cancelling message status is labelled "Cancellation" (PLO's "Annullering"), no
    longer the word of the panel's Cancel button, and the first notice "First notice"
    (not "New", which read as unread); the stored values stay."""

    dependencies = [
        ("pathways", "0012_notice_assignment"),
    ]

    operations = [
        migrations.AlterField(
            model_name="earlynotification",
            name="message_status",
            field=models.CharField(choices=[("new", "First notice"), ("change", "Change"),
                                            ("addition", "Addition"),
                                            ("cancel", "Cancellation"),
                                            ("replaces", "Replaces")],
                                   default="new", max_length=10,
                                   verbose_name="message status"),
        ),
    ]
