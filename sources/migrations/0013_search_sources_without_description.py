"""The sources' search leaves out their description: it is our own note on where the
record came from ("A web page cited in the research notes ...; title taken from the
page's address"), the same boilerplate on most sources (issue 14).

PostgreSQL: the GIN index is rebuilt on the columns searched now. SQLite: nothing
here; sources/apps.py reinstalls the FTS5 index after migrate when a trigger's
columns differ from the live declarations (review_portal/lib/search.py).
Written out, not imported, so this migration keeps doing what it did.
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations

NAME = "sourcedocument_search_idx"
BEFORE = ["title", "publisher", "cleaned_text", "description"]
AFTER = ["title", "publisher", "cleaned_text"]


def _swap(old, new):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        model = apps.get_model("sources", "sourcedocument")
        schema_editor.remove_index(
            model, GinIndex(SearchVector(*old, config="english"), name=NAME)
        )
        schema_editor.add_index(
            model, GinIndex(SearchVector(*new, config="english"), name=NAME)
        )

    return run


class Migration(migrations.Migration):
    dependencies = [("sources", "0012_commitment")]

    operations = [migrations.RunPython(_swap(BEFORE, AFTER), _swap(AFTER, BEFORE))]
