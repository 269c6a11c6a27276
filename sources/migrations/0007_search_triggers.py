"""Reinstall the SQLite search triggers of 0004_search_indexes.

0005_public_record changes constraints of the responses, sources and organisations
tables, and SQLite does that by remaking each table, which drops its triggers. This
recreates every trigger and refills the index. Nothing to do on other databases:
their indexes survive."""

from importlib import import_module

from django.db import migrations

search_indexes = import_module("sources.migrations.0004_search_indexes")


def reinstall_sqlite_index(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        with schema_editor.connection.cursor() as cursor:
            search_indexes.reinstall_sqlite_index_if_needed(apps, cursor)


class Migration(migrations.Migration):
    dependencies = [
        ("recommendations", "0002_public_record"),
        ("sources", "0006_curators_public_record"),
    ]

    operations = [
        # Going back, the triggers 0005 dropped can stay: 0004's reverse drops them.
        migrations.RunPython(reinstall_sqlite_index, migrations.RunPython.noop),
    ]
