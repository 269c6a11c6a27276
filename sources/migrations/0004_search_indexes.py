"""Full-text search indexes for the site search, by database vendor.

PostgreSQL: a GIN index on to_tsvector('english', ...) of each searched model's
columns, built from the same SearchVector expression the search filters on, so the
planner can use it.

SQLite: one FTS5 table, sources_search(title, body), porter-stemmed, filled from
the four tables and kept in sync by triggers on their inserts, updates and deletes.
Its rowid is the record's id * 4 + the kind's code (each model's `searchable`).

Other vendors get nothing. These are not Django model indexes (SQLite cannot build a
GIN index, and the FTS5 table is no model), so the migration state does not change.

This is a frozen snapshot. On SQLite, a later migration that remakes one of these
tables (adding or removing a constraint, most AlterField and RemoveField) drops its
triggers; sources/apps.py runs review_portal/lib/search.py's
reinstall_sqlite_index_if_needed() after every migrate (post_migrate) to put them
back from the live declarations, and tests/test_search.py checks every trigger.
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations

# Written out here, not imported, so this migration keeps doing what it did.
# (app label, model, kind code, title columns, body columns, GIN index columns, name)
SEARCHED = [
    (
        "recommendations",
        "recommendation",
        0,
        ["title"],
        ["summary", "addressed_to"],
        ["title", "summary", "addressed_to"],
        "recommendation_search_idx",
    ),
    (
        "sources",
        "stakeholderresponse",
        1,
        ["person", "role"],
        ["summary", "quotation"],
        ["summary", "quotation", "person", "role"],
        "response_search_idx",
    ),
    (
        "sources",
        "sourcedocument",
        2,
        ["title", "publisher"],
        ["description", "cleaned_text"],
        ["title", "publisher", "cleaned_text", "description"],
        "sourcedocument_search_idx",
    ),
    (
        "sources",
        "organisation",
        3,
        ["name"],
        ["description"],
        ["name", "description"],
        "organisation_search_idx",
    ),
]
FTS_TABLE = "sources_search"
STRIDE = 4
SPACE, NEWLINE = "' '", "char(10)"


def _joined(row, columns, separator):
    return f" || {separator} || ".join(f"coalesce({row}.{c}, '')" for c in columns)


def _insert(row, code, title, body):
    """INSERT ... SELECT of one row's index entry; `row` is a table, or new."""
    return (
        f"INSERT INTO {FTS_TABLE}(rowid, title, body) SELECT "
        f"{row}.id * {STRIDE} + {code}, {_joined(row, title, SPACE)}, "
        f"{_joined(row, body, NEWLINE)}"
    )


def install_sqlite_index(apps, cursor):
    """Create the FTS5 table and the triggers if missing, and refill the table.

    Idempotent, so that it can run again after a migration remade a searched table
    (which drops its triggers): see sources/apps.py."""
    try:
        cursor.execute("CREATE VIRTUAL TABLE temp.fts5_probe USING fts5(x)")
        cursor.execute("DROP TABLE temp.fts5_probe")
    except Exception as error:
        raise RuntimeError(
            "Search on SQLite needs its FTS5 extension, which this SQLite was "
            "built without. Use a Python whose sqlite3 has FTS5 (most do), or "
            "PostgreSQL."
        ) from error
    cursor.execute(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
        "title, body, tokenize = 'porter unicode61')"
    )
    cursor.execute(f"DELETE FROM {FTS_TABLE}")
    for app_label, model_name, code, title, body, _, _ in SEARCHED:
        table = apps.get_model(app_label, model_name)._meta.db_table
        prefix = f"{FTS_TABLE}_{model_name}"
        insert = _insert("new", code, title, body)
        delete = f"DELETE FROM {FTS_TABLE} WHERE rowid = old.id * {STRIDE} + {code}"
        cursor.execute(_insert(table, code, title, body) + f" FROM {table}")
        for event, action in [
            ("insert", insert),
            ("update", f"{delete}; {insert}"),
            ("delete", delete),
        ]:
            cursor.execute(f"DROP TRIGGER IF EXISTS {prefix}_{event}")
            cursor.execute(
                f"CREATE TRIGGER {prefix}_{event} AFTER {event.upper()} ON {table} "
                f"BEGIN {action}; END"
            )


def reinstall_sqlite_index_if_needed(apps, cursor):
    """Reinstall the index if the FTS5 table exists but a trigger is gone: run after
    any migration that may have remade a searched table."""
    cursor.execute(
        "SELECT type, name FROM sqlite_master WHERE name LIKE %s",
        [f"{FTS_TABLE}%"],
    )
    found = set(cursor.fetchall())
    if ("table", FTS_TABLE) not in found:
        return  # migrated back to before 0004: no index is expected
    expected = {
        ("trigger", f"{FTS_TABLE}_{model_name}_{event}")
        for _, model_name, *_ in SEARCHED
        for event in ["insert", "update", "delete"]
    }
    if not expected <= found:
        install_sqlite_index(apps, cursor)


def drop_sqlite_index(cursor):
    for _, model_name, *_ in SEARCHED:
        for event in ["insert", "update", "delete"]:
            cursor.execute(f"DROP TRIGGER IF EXISTS {FTS_TABLE}_{model_name}_{event}")
    cursor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")


def _gin_index(columns, name):
    return GinIndex(SearchVector(*columns, config="english"), name=name)


def create_search_indexes(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for app_label, model_name, _, _, _, columns, name in SEARCHED:
            model = apps.get_model(app_label, model_name)
            schema_editor.add_index(model, _gin_index(columns, name))
    elif vendor == "sqlite":
        with schema_editor.connection.cursor() as cursor:
            install_sqlite_index(apps, cursor)


def drop_search_indexes(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for app_label, model_name, _, _, _, columns, name in SEARCHED:
            model = apps.get_model(app_label, model_name)
            schema_editor.remove_index(model, _gin_index(columns, name))
    elif vendor == "sqlite":
        with schema_editor.connection.cursor() as cursor:
            drop_sqlite_index(cursor)


class Migration(migrations.Migration):
    dependencies = [
        ("recommendations", "0001_initial"),
        ("sources", "0003_citation_target_message"),
    ]

    operations = [
        migrations.RunPython(create_search_indexes, drop_search_indexes),
    ]
