"""Reinstall the SQLite search triggers of 0004_search_indexes, again.

0009_needs_review_correction and recommendations' 0003_history and 0004_needs_review
add columns to the searched tables, and SQLite does that by remaking each table,
which drops its triggers. This recreates every trigger and refills the index.
Nothing to do on other databases: their indexes survive."""

from importlib import import_module

from django.db import migrations

search_indexes = import_module("sources.migrations.0004_search_indexes")


def reinstall_sqlite_index(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        with schema_editor.connection.cursor() as cursor:
            search_indexes.reinstall_sqlite_index_if_needed(apps, cursor)


class Migration(migrations.Migration):
    dependencies = [
        ("recommendations", "0004_needs_review"),
        ("sources", "0010_curators_corrections"),
    ]

    operations = [
        # Going back, the dropped triggers can stay: 0004's reverse drops them.
        migrations.RunPython(reinstall_sqlite_index, migrations.RunPython.noop),
    ]
