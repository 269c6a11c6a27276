"""CSV and JSON downloads of the filtered lists.

Each download's columns are defined once, beside its app (recommendations/
downloads.py, sources/downloads.py); the /data/ page documents them from the same
definitions, so the two cannot drift. Column names are a public interface: add
columns, never rename or remove one.
"""

import csv
import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from itertools import islice
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.urls import path, reverse
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django_filters import OrderingFilter
from django_filters.filters import QuerySetRequestMixin

from review_portal.lib.errors import problems_body
from review_portal.lib.lists import (
    applied,
    applied_query,
    bind,
    in_stable_order,
    is_multiple,
)

# Longer filenames are cut to "<name>_filtered": the filters are in the JSON anyway.
MAX_FILENAME_LENGTH = 120
# Records read from the database at a time while a download is sent.
CHUNK_SIZE = 2000
JSON_STYLE = {"ensure_ascii": False, "indent": 2}


class AbsoluteBase:
    """What a column needs of the request: absolute addresses, from a scheme and
    host read once per download."""

    def __init__(self, request):
        self.base = request.build_absolute_uri("/").removesuffix("/")

    def build_absolute_uri(self, location):
        return self.base + location


@dataclass(frozen=True)
class Related:
    """What a column reads beside its record's own values: `fetch(pks)` gives
    {pk: value} for a chunk of records in a fixed number of queries, and each row
    gets its record's value (an empty list if it has none) under `name`."""

    name: str
    fetch: Callable[[list], dict]


@dataclass(frozen=True)
class Column:
    name: str
    description: str
    # The record's value in JSON, from its row (a dict of the `reads` values);
    # CSV writes lists joined by ";", booleans as true/false and None as an empty
    # cell. A lookup, or Related data, is a cell as it is.
    value: Callable[[Any, Any], Any] | str | Related
    kind: str = "text"
    # The model's public field it shows, if its name is not that field's.
    field: str = ""
    # What the row must hold: lookups for .values() and Related data.
    reads: tuple = ()

    def __post_init__(self):
        if isinstance(self.value, str | Related):
            key = getattr(self.value, "name", self.value)
            object.__setattr__(self, "reads", (self.value, *self.reads))
            object.__setattr__(self, "value", lambda row, _: row[key])


@dataclass(frozen=True)
class Download:
    """A download of one model's records. It shows every public field of the model
    (`public_fields`, see review_portal.lib.curation.Curated) or says that it
    leaves it out, checked when it is defined, so a field added to a model is not
    forgotten by its download."""

    name: str  # the file's base name, e.g. "recommendations"
    title: str
    description: str
    model: type
    columns: list[Column]
    # Public fields it deliberately does not show.
    leaves_out: tuple[str, ...] = ()
    # What the columns read: the lookups and the Related data.
    lookups: tuple[str, ...] = field(init=False)
    related: tuple[Related, ...] = field(init=False)

    def __post_init__(self):
        reads = [read for column in self.columns for read in column.reads]
        lookups = ["pk", *(read for read in reads if isinstance(read, str))]
        related = {read.name: read for read in reads if isinstance(read, Related)}
        object.__setattr__(self, "lookups", tuple(dict.fromkeys(lookups)))
        object.__setattr__(self, "related", tuple(related.values()))
        shown = {column.field or column.name for column in self.columns}
        shown.update(self.leaves_out)
        missing = [name for name in self.model.public_fields if name not in shown]
        if missing:
            raise ImproperlyConfigured(
                f"The {self.name} download has no column for the public field(s) "
                f"{', '.join(missing)} of {self.model.__name__}."
            )

    def rows(self, queryset):
        """The queryset's records as rows: dicts of the lookups read as values (no
        model instances), in chunks read as the file is sent, each chunk's Related
        data fetched at once."""
        records = queryset.prefetch_related(None).values(*self.lookups)
        records = records.iterator(chunk_size=CHUNK_SIZE)
        while chunk := list(islice(records, CHUNK_SIZE)):
            pks = [row["pk"] for row in chunk]
            for related in self.related:
                found = related.fetch(pks)
                for row in chunk:
                    row[related.name] = found.get(row["pk"], [])
            yield from chunk


def record(columns, row, base):
    """A row's cells by column name; unknown values ("") are null in JSON (and so
    empty in CSV), as the /data/ page says."""
    cells = {}
    for column in columns:
        value = column.value(row, base)
        cells[column.name] = None if value == "" else value
    return cells


def related_values(model, name, *lookups):
    """Related data: for each record of `model`, the `lookups` of its records
    through the relation `name` (a list of values, or of tuples for several), in
    the related model's own order. One query per chunk, on the related table
    (and a many-to-many's own), by the chunk's keys."""
    relation = model._meta.get_field(name)
    back = relation.remote_field.name  # the relation's name from the other side
    related = relation.related_model._default_manager
    ordering = [*related.model._meta.ordering, "pk"]

    def fetch(pks):
        found = defaultdict(list)
        rows = (
            related.filter(**{f"{back}__pk__in": pks})
            .order_by(*ordering)
            .values_list(back, *lookups)
        )
        if len(lookups) == 1:
            for pk, value in rows:
                found[pk].append(value)
        else:
            for row in rows:
                found[row[0]].append(row[1:])
        return found

    return Related(f"{name}:{','.join(lookups)}", fetch)


def filename(download, filterset, extension):
    """E.g. recommendations_mission-stable-homes_confidence-high.csv."""
    parts = {}
    for value in applied(filterset):
        parts.setdefault(value.name, []).append(slugify(value.value)[:40])
    name = download.name + "".join(
        f"_{key}-{'-'.join(values)}" for key, values in parts.items()
    )
    if len(name) > MAX_FILENAME_LENGTH:
        name = f"{download.name}_filtered"
    return f"{name}.{extension}"


def respond(request, download, filterset_class, queryset, extension, tiebreak):
    """The filtered records as a CSV or JSON attachment. Unlike the list pages, a
    download does not leave out values it cannot use: a file silently unfiltered
    would mislead, so it answers 400 and says what was wrong."""
    filterset, problems = bind(
        filterset_class, request.GET, queryset=queryset, request=request
    )
    if problems:
        return problems_response(problems, filterset_class, extension)
    # Absolute addresses from one base, not a build_absolute_uri() per row.
    base = AbsoluteBase(request)
    # Read from the database in chunks as the file is sent, so memory stays flat
    # and the first byte goes at once, whatever the count.
    rows = (
        record(download.columns, row, base)
        for row in download.rows(in_stable_order(filterset.qs, *tiebreak))
    )
    disposition = content_disposition_header(
        as_attachment=True, filename=filename(download, filterset, extension)
    )
    if extension == "json":
        query = applied_query(filterset)
        filters = {name: query.getlist(name) for name in query}
        return _streamed_json(filters, rows, disposition)
    return _streamed_csv(download.columns, rows, disposition)


def problems_response(problems, filterset_class, extension):
    """400, in the error shape the API shares (review_portal/lib/errors.py); as
    text for a CSV, each parameter with the values it accepts."""
    body = problems_body(problems, filterset_class)
    if extension == "json":
        return JsonResponse(body, status=400, json_dumps_params={"ensure_ascii": False})
    lines = ["These filters could not be used:"]
    for item in body["errors"]:
        lines.append(f"{item['parameter']}: {item['message']}")
        if item["valid"] is not None:
            lines.append(f"  valid values: {', '.join(item['valid'])}")
    return HttpResponse(
        "\n".join(lines) + "\n",
        content_type="text/plain; charset=utf-8",
        status=400,
    )


class _Echo:
    """A file that gives back what is written to it: csv.writer's rows as strings."""

    def write(self, value):
        return value


def _streamed_csv(columns, rows, disposition):
    writer = csv.writer(_Echo())

    def lines():
        # A byte order mark, so that Excel reads the file as UTF-8 (“quotes”, £).
        yield "\ufeff" + writer.writerow([column.name for column in columns])
        for row in rows:
            yield writer.writerow([csv_cell(value) for value in row.values()])

    return StreamingHttpResponse(
        _in_pieces(lines()),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": disposition},
    )


def _streamed_json(filters, rows, disposition):
    """{"filters", "results", "count"}, indented as json.dumps(indent=2) would,
    written a record at a time: the count comes last, once the records are
    counted, so that no query counts them first."""

    def chunks():
        head = json.dumps({"filters": filters}, **JSON_STYLE)
        yield head[:-2] + ',\n  "results": ['
        count = 0
        for row in rows:
            record = json.dumps(row, **JSON_STYLE).replace("\n", "\n    ")
            yield ("," if count else "") + "\n    " + record
            count += 1
        yield f'\n  ],\n  "count": {count}\n}}'

    return StreamingHttpResponse(
        _in_pieces(chunks()),
        content_type="application/json",
        headers={"Content-Disposition": disposition},
    )


def _in_pieces(strings, size=64 * 1024):
    """The strings joined into pieces of about `size` characters, so that a file
    is sent in a few large writes rather than one per row; the first on its own,
    so that the first byte goes at once."""
    strings = iter(strings)
    yield next(strings)
    batch, length = [], 0
    for string in strings:
        batch.append(string)
        length += len(string)
        if length >= size:
            yield "".join(batch)
            batch, length = [], 0
    yield "".join(batch)


def csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join(value)
    return value


def data_page_entry(download, filterset_class, list_url_name, url_name_prefix):
    """What the /data/ page says about a download, from the definitions it uses."""
    return {
        "download": download,
        "list_url": reverse(list_url_name),
        "csv_url": reverse(f"{url_name_prefix}_csv"),
        "json_url": reverse(f"{url_name_prefix}_json"),
        "parameters": [
            (name, filter_.label or name, _accepts(filter_))
            for name, filter_ in filterset_class.base_filters.items()
        ],
    }


def _accepts(filter_):
    if isinstance(filter_, QuerySetRequestMixin):
        accepts = f"the slug of a {filter_.queryset.model._meta.verbose_name}"
    elif "choices" in filter_.extra:
        choices = [str(value) for value, _ in filter_.extra["choices"] if value]
        accepts = "one of " + ", ".join(choices)
    else:
        accepts = "words to search for"
    if isinstance(filter_, OrderingFilter):
        accepts += " (a minus sign reverses the order)"
    elif is_multiple(filter_):
        accepts += "; repeat it to match any of several"
    return accepts


# Downloads of a model's fields, for the lists whose pages show the records as they
# are (key figures, timeline, discrepancies, government updates, organisations,
# sources): a column per public field, typed from the field.


def _number(value):
    if value is None:
        return None
    return int(value) if value == int(value) else float(value)


NUMBER_FIELDS = {
    "DecimalField",
    "IntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SmallIntegerField",
    "FloatField",
}


def field_column(model, name, description="", *, as_name=""):
    """A Column for one of `model`'s fields: a related record as its slug (several
    as a list of slugs), a date as YYYY-MM-DD, a number as a number. A field
    called `url` (an address elsewhere) is the column `address`, since `url` is
    the record's page on this portal."""
    field = model._meta.get_field(name)
    description = description or (field.help_text or field.verbose_name).rstrip(".")
    description = description[0].upper() + description[1:]
    kind, value, reads, note = "text", name, (), "."
    if field.many_to_many:
        kind, value, note = "list", related_values(model, name, "slug"), ". (slugs)"
    elif field.is_relation:
        value, note = f"{name}__slug", ". (its slug)"
    elif field.get_internal_type() == "DateField":
        kind, value, reads = "date", lambda r, _: _iso(r[name]), (name,)
        note = ". (YYYY-MM-DD)"
    elif field.get_internal_type() in NUMBER_FIELDS:
        kind, value, reads = "number", lambda r, _: _number(r[name]), (name,)
    elif field.choices:
        note = ": " + ", ".join(str(value) for value, _ in field.choices if value) + "."
    if field.get_internal_type() == "BooleanField":
        kind = "boolean"
    column_name = as_name or ("address" if name == "url" else name)
    return Column(column_name, description + note, value, kind, name, reads)


def _iso(day):
    return day.isoformat() if day else None


# A placeholder for a value in an address pattern: slug characters only, so that
# reverse() accepts it.
MARK = "zzmark{}zz"


def page_address(model, lookups=("slug",), *, prefix="", anchor=""):
    """(value, reads): a Column's value giving the absolute address of the page of
    a row's `model` record (the row's own, or the one its lookups `prefix` reach),
    made of the record's `lookups` (e.g. its slug, and its recommendation's for an
    update), plus `anchor`, a lookup given after "#"; and the lookups it reads. The
    address pattern is worked out once, from a record of placeholders, rather than
    a reverse() per row; on first use, as URLs cannot be reversed while they load."""

    @cache
    def pattern():
        placeholder = model()
        for lookup in lookups:
            *path, name = lookup.split("__")
            record = placeholder
            for step in path:
                related = record._meta.get_field(step).related_model()
                setattr(record, step, related)
                record = related
            setattr(record, name, MARK.format(lookup))
        address = placeholder.get_absolute_url().replace("{", "{{").replace("}", "}}")
        for n, lookup in enumerate(lookups):
            address = address.replace(MARK.format(lookup), f"{{{n}}}")
        return (address + (f"#{{{len(lookups)}}}" if anchor else "")).format

    reads = (*(prefix + lookup for lookup in lookups), *filter(None, [anchor]))

    def value(row, request):
        return request.build_absolute_uri(pattern()(*[row[key] for key in reads]))

    return value, reads


def page_column(
    model, description="The record's page on this portal.", lookups=("slug",)
):
    value, reads = page_address(model, lookups)
    return Column("url", description, value, reads=reads)


def model_download(
    name, title, description, model, *, extra=(), leaves_out=(), page=("slug",)
):
    """A Download of `model`'s public fields (slug first), then `extra` columns,
    then the record's page (its address made of the lookups `page`)."""
    names = ["slug"] + [
        field
        for field in model.public_fields
        if field != "slug" and field not in leaves_out
    ]
    columns = [field_column(model, field) for field in names]
    columns.extend(extra)
    if hasattr(model, "get_absolute_url"):
        columns.append(page_column(model, lookups=page))
    return Download(name, title, description, model, columns, leaves_out=leaves_out)


def download_view(download, filterset_class, queryset, tiebreak=("slug",)):
    """A view answering ?<filters> with the download as CSV or JSON (its URL
    passes `extension`); `queryset` is a function, called per request."""

    def view(request, extension):
        return respond(
            request, download, filterset_class, queryset(), extension, tiebreak
        )

    view.__name__ = f"{download.name.replace('-', '_')}_download"
    return view


def download_paths(path_prefix, view, name):
    """The two URL patterns of a download: <path_prefix>.csv and .json, named
    <name>_csv and <name>_json."""
    return [
        path(
            f"{path_prefix}.{extension}",
            view,
            {"extension": extension},
            name=f"{name}_{extension}",
        )
        for extension in ("csv", "json")
    ]


@dataclass(frozen=True)
class RowsDownload:
    """A download of rows that are not one model's records (the tracker's table,
    search results): the same formats and column documentation as a Download."""

    name: str
    title: str
    description: str
    columns: list[Column]


def rows_response(download, rows, extension, filters):
    """`rows` (any objects the columns read) as CSV or JSON, in the formats of
    respond(): a CSV with a byte order mark and a header row; a JSON object with
    count, filters and results. `filters` is {name: [values]} as applied."""
    records = [record(download.columns, row, None) for row in rows]
    suffix = "".join(
        f"_{name}-{slugify('-'.join(values))[:40]}"
        for name, values in filters.items()
        if values
    )
    disposition = content_disposition_header(
        as_attachment=True,
        filename=f"{download.name}{suffix}"[:MAX_FILENAME_LENGTH] + f".{extension}",
    )
    if extension == "json":
        return _streamed_json(filters, records, disposition)
    return _streamed_csv(download.columns, records, disposition)


def rows_page_entry(download, list_url, csv_url, json_url, parameters):
    """What the /data/ page says about a RowsDownload."""
    return {
        "download": download,
        "list_url": list_url,
        "csv_url": csv_url,
        "json_url": json_url,
        "parameters": parameters,
    }
