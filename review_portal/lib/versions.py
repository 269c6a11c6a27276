"""The data version: one value that changes whenever any public record changes.

Every curated model keeps its history (django-simple-history), and every save,
delete, revert or reload writes a history row with a larger id than any before it.
The newest history id of every historical table, read in one query (each MAX is an
index lookup on the primary key, so it costs the same at 62 records or 100,000),
is therefore a version of the data: the page cache keys pages by it
(review_portal.lib.pagecache), the whole-dataset download and the search vocabulary
are rebuilt when it moves.

A model without history that public pages read (a correction from the public, once
a curator accepts it) is added with `track(model, field)`, naming an indexed field
that every change moves forward (a model's `auto_now` timestamp).
"""

from django.apps import apps
from django.db import connection
from simple_history.models import HistoricalChanges

_tracked = {}


def track(model, field):
    """Count changes to `model` by the newest value of `field` (indexed, auto_now)."""
    _tracked[model._meta.label] = (model, field)


def _sources(models=None):
    if models is None:
        historical = [m for m in apps.get_models() if issubclass(m, HistoricalChanges)]
        sources = [(m, "history_id") for m in historical] + list(_tracked.values())
    else:
        sources = [(m.history.model, "history_id") for m in models]
    return sorted(sources, key=lambda source: source[0]._meta.label)


def data_version(models=None):
    """A tuple that changes whenever a record of `models` (by default, any record
    the public can see) is saved or deleted. One query: a scalar MAX subquery per
    table (an aggregate in values_list() would be grouped by every column)."""
    quote = connection.ops.quote_name
    columns = [
        f"(SELECT MAX({quote(model._meta.get_field(field).column)})"
        f" FROM {quote(model._meta.db_table)})"
        for model, field in _sources(models)
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)}")
        return tuple(cursor.fetchone())
