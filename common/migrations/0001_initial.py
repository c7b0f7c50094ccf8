"""Heartbeat and IdempotencyRecord moved here from rehab_portal (now the composition root,
which holds no models): the same tables, taken over in the migration state only."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("rehab_portal", "0003_idempotency_access_stamp"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Heartbeat",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True,
                                                   serialize=False, verbose_name="ID")),
                        ("name", models.CharField(max_length=50, unique=True)),
                        ("last_seen", models.DateTimeField()),
                    ],
                    options={"db_table": "rehab_portal_heartbeat"},
                ),
                migrations.CreateModel(
                    name="IdempotencyRecord",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True,
                                                   serialize=False, verbose_name="ID")),
                        ("key", models.CharField(max_length=255)),
                        ("fingerprint", models.CharField(
                            help_text="SHA-256 of method, path and body.", max_length=64)),
                        ("access_stamp", models.CharField(
                            blank=True, max_length=64,
                            help_text="SHA-256 of the caller's scopes and memberships when "
                                      "the key was used.")),
                        ("status_code", models.PositiveSmallIntegerField(blank=True, null=True)),
                        ("response_body", models.BinaryField(blank=True, default=b"")),
                        ("response_headers", models.JSONField(blank=True, default=dict)),
                        ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                        ("completed_at", models.DateTimeField(blank=True, null=True)),
                        ("owner", models.ForeignKey(
                            on_delete=django.db.models.deletion.CASCADE, related_name="+",
                            to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "db_table": "rehab_portal_idempotencyrecord",
                        "constraints": [models.UniqueConstraint(
                            fields=("owner", "key"), name="one_record_per_key")],
                    },
                ),
            ],
        ),
    ]
