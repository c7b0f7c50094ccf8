"""Departments and wards as registry data of each hospital; a membership names its ward by
key (the free text it had is mapped in 0011 and dropped in 0012)."""

import django.db.models.deletion
import uuid
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0009_audit_lighter_insert'),
    ]

    operations = [
        migrations.CreateModel(
            name='Department',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('uuid', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                ('updated_at', models.DateTimeField(auto_now=True, db_index=True, verbose_name='updated at')),
                ('name', models.CharField(max_length=120, verbose_name='name')),
                ('code', models.CharField(blank=True, max_length=20, verbose_name='code')),
                ('created_by', models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('hospital', models.ForeignKey(limit_choices_to={'kind': 'hospital'}, on_delete=django.db.models.deletion.PROTECT, related_name='departments', to='registry.organization', verbose_name='hospital')),
                ('updated_by', models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'department',
                'verbose_name_plural': 'departments',
                'ordering': ['hospital__name', 'name'],
            },
        ),
        migrations.CreateModel(
            name='Ward',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('uuid', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                ('updated_at', models.DateTimeField(auto_now=True, db_index=True, verbose_name='updated at')),
                ('name', models.CharField(max_length=120, verbose_name='name')),
                ('code', models.CharField(help_text='Unique within the hospital; EPJ systems name the ward by it. Stored in capitals.', max_length=20, verbose_name='short code')),
                ('active', models.BooleanField(default=True, help_text='Inactive wards keep their admissions but are no longer offered.', verbose_name='active')),
                ('created_by', models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('department', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='wards', to='registry.department', verbose_name='department')),
                ('hospital', models.ForeignKey(editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='wards', to='registry.organization', verbose_name='hospital')),
                ('updated_by', models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'ward',
                'verbose_name_plural': 'wards',
                'ordering': ['hospital__name', 'department__name', 'name'],
            },
        ),
        # The free text stays beside the new key until 0011 has mapped it (0012 drops it).
        migrations.RenameField(model_name='membership', old_name='ward', new_name='ward_text'),
        migrations.AddField(
            model_name='membership',
            name='ward',
            field=models.ForeignKey(blank=True, help_text="A discharge planner's own ward: the ward board opens on it, and the ward's reminders go to them. Empty: all wards of the hospital.", null=True, on_delete=django.db.models.deletion.PROTECT, related_name='memberships', to='registry.ward', verbose_name='ward'),
        ),
        migrations.AddConstraint(
            model_name='department',
            constraint=models.UniqueConstraint(fields=('hospital', 'name'), name='unique_department_name_per_hospital'),
        ),
        migrations.AddConstraint(
            model_name='ward',
            constraint=models.UniqueConstraint(fields=('hospital', 'code'), name='unique_ward_code_per_hospital'),
        ),
    ]
