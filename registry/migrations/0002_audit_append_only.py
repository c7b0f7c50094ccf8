"""Make the audit table append-only in the database itself, not only in the ORM.

PostgreSQL refuses UPDATE and DELETE (TRUNCATE, used by test teardown, stays possible).
SQLite refuses UPDATE; DELETE stays open there because test teardown flushes with DELETE.
"""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION registry_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'registry_auditevent is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER registry_auditevent_no_update BEFORE UPDATE OR DELETE ON registry_auditevent
    FOR EACH ROW EXECUTE FUNCTION registry_auditevent_append_only();
"""
PG_BACKWARD = """
DROP TRIGGER IF EXISTS registry_auditevent_no_update ON registry_auditevent;
DROP FUNCTION IF EXISTS registry_auditevent_append_only();
"""
SQLITE_FORWARD = """
CREATE TRIGGER registry_auditevent_no_update BEFORE UPDATE ON registry_auditevent
BEGIN SELECT RAISE(ABORT, 'registry_auditevent is append-only'); END;
"""
SQLITE_BACKWARD = "DROP TRIGGER IF EXISTS registry_auditevent_no_update;"


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_FORWARD)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
