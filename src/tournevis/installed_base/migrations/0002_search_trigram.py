"""Trigram indexes for the installed-base search, on PostgreSQL only.

``queries.search`` looks serials and names up with Django's ``istartswith`` / ``icontains``, which
PostgreSQL runs as ``UPPER(col::text) LIKE UPPER(pattern)``: these GIN indexes (pg_trgm) are on the
same expressions, so the planner uses them for ``'X%'`` and ``'%x%'`` patterns of 3 characters or
more, whatever the database collation. SQLite keeps its B-tree indexes and scans with LIKE
(measured in docs/performance.md). pg_trgm is a trusted extension (PostgreSQL 13+): the database
owner may create it.
"""

from django.db import migrations

INDEXES = {
    "installed_base_serial_trgm": "UPPER((serial_number)::text) gin_trgm_ops",
    "installed_base_name_trgm": "UPPER((name)::text) gin_trgm_ops",
}


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm", params=None)
    for name, expression in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON installed_base_serviceobject USING gin ({expression})",
            params=None,
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}", params=None)


class Migration(migrations.Migration):
    dependencies = [("installed_base", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
