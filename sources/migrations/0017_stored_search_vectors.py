"""PostgreSQL: search a stored, GIN-indexed tsvector per searched table instead of the
GIN expression indexes of 0004 and 0013 (issue 13). With the expression index the
planner, below about 100,000 rows, recomputed to_tsvector for every row in each of
a search list's statements, and ranking computed two more vectors per match.

The column, its trigger and index come from review_portal/lib/search.py
(install_postgresql_index), which sources/apps.py also runs after a migrate that
changed what is searched. SQLite keeps its FTS5 table: nothing here."""

from django.db import migrations

# Written out, not imported, so that the reverse keeps doing what it did:
# (table, old expression index, its columns).
OLD_INDEXES = [
    (
        "recommendations_recommendation",
        "recommendation_search_idx",
        ["title", "summary", "addressed_to"],
    ),
    (
        "sources_stakeholderresponse",
        "response_search_idx",
        ["summary", "quotation", "person", "role"],
    ),
    (
        "sources_sourcedocument",
        "sourcedocument_search_idx",
        ["title", "publisher", "cleaned_text"],
    ),
    ("sources_organisation", "organisation_search_idx", ["name", "description"]),
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from review_portal.lib.search import install_postgresql_index

    with schema_editor.connection.cursor() as cursor:
        for _table, index, _columns in OLD_INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {index}")
        install_postgresql_index(cursor)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for table, index, columns in OLD_INDEXES:
            function = f"{table}_search_vector"
            cursor.execute(f"DROP TRIGGER IF EXISTS {function} ON {table}")
            cursor.execute(f"DROP FUNCTION IF EXISTS {function}()")
            cursor.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS search_vector")
            joined = " || ' ' || ".join(f"COALESCE({c}, '')" for c in columns)
            cursor.execute(
                f"CREATE INDEX {index} ON {table} "
                f"USING gin (to_tsvector('english'::regconfig, ({joined})))"
            )


class Migration(migrations.Migration):
    dependencies = [("sources", "0016_response_date_index")]

    operations = [migrations.RunPython(forward, backward)]
