"""CSV and JSON downloads of the filtered lists.

Each download's columns are defined once, beside its app (recommendations/
downloads.py, sources/downloads.py); the /data/ page documents them from the same
definitions, so the two cannot drift. Column names are a public interface: add
columns, never rename or remove one.
"""

import csv
import json
from collections.abc import Callable
from dataclasses import dataclass, replace
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
CHUNK_SIZE = 500
JSON_STYLE = {"ensure_ascii": False, "indent": 2}


class AbsoluteBase:
    """What a column needs of the request: absolute addresses, from a scheme and
    host read once per download."""

    def __init__(self, request):
        self.base = request.build_absolute_uri("/").removesuffix("/")

    def build_absolute_uri(self, location):
        return self.base + location


@dataclass(frozen=True)
class Column:
    name: str
    description: str
    # The record's value in JSON; CSV writes lists joined by ";", booleans as
    # true/false and None as an empty cell.
    value: Callable[[Any, Any], Any]
    kind: str = "text"
    # The model's public field it shows, if its name is not that field's.
    field: str = ""


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

    def __post_init__(self):
        # Unknown values are null in JSON (and so empty in CSV), as the /data/
        # page says: a column's "" is written as None.
        object.__setattr__(
            self, "columns", [_unknown_as_none(column) for column in self.columns]
        )
        shown = {column.field or column.name for column in self.columns}
        shown.update(self.leaves_out)
        missing = [name for name in self.model.public_fields if name not in shown]
        if missing:
            raise ImproperlyConfigured(
                f"The {self.name} download has no column for the public field(s) "
                f"{', '.join(missing)} of {self.model.__name__}."
            )


def _unknown_as_none(column):
    if getattr(column.value, "unknown_as_none", False):
        return column
    value = column.value

    def cell(record, request):
        result = value(record, request)
        return None if result == "" else result

    cell.unknown_as_none = True
    return replace(column, value=cell)


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
    records = in_stable_order(filterset.qs, *tiebreak)
    # Absolute addresses from one base, not a build_absolute_uri() per row.
    base = AbsoluteBase(request)
    # Read from the database in chunks as the file is sent (prefetching per chunk),
    # so memory stays flat and the first byte goes at once, whatever the count.
    rows = (
        {column.name: column.value(record, base) for column in download.columns}
        for record in records.iterator(chunk_size=CHUNK_SIZE)
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
        lines(),
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
        chunks(),
        content_type="application/json",
        headers={"Content-Disposition": disposition},
    )


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


def field_column(model, name, description="", *, as_name=""):
    """A Column for one of `model`'s fields: a related record as its slug (several
    as a list of slugs), a date as YYYY-MM-DD, a number as a number. A field
    called `url` (an address elsewhere) is the column `address`, since `url` is
    the record's page on this portal."""
    field = model._meta.get_field(name)
    column_name = as_name or ("address" if name == "url" else name)
    description = description or (field.help_text or field.verbose_name).rstrip(".")
    description = description[0].upper() + description[1:] + "."
    if field.many_to_many:
        return Column(
            column_name,
            description + " (slugs)",
            lambda r, _: [related.slug for related in getattr(r, name).all()],
            "list",
            field=name,
        )
    if field.is_relation:
        return Column(
            column_name,
            description + " (its slug)",
            lambda r, _: getattr(getattr(r, name), "slug", None),
            field=name,
        )
    internal = field.get_internal_type()
    if internal == "DateField":
        return Column(
            column_name,
            description + " (YYYY-MM-DD)",
            lambda r, _: getattr(r, name).isoformat() if getattr(r, name) else None,
            "date",
            field=name,
        )
    if internal == "BooleanField":
        kind = "boolean"
    elif internal in {
        "DecimalField",
        "IntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "SmallIntegerField",
        "FloatField",
    }:
        return Column(
            column_name,
            description,
            lambda r, _: _number(getattr(r, name)),
            "number",
            field=name,
        )
    else:
        kind = "text"
    if field.choices:
        description = (
            description.rstrip(".")
            + ": "
            + ", ".join(str(value) for value, _ in field.choices if value)
            + "."
        )
    return Column(
        column_name, description, lambda r, _: getattr(r, name), kind, field=name
    )


def page_column(description="The record's page on this portal."):
    return Column(
        "url",
        description,
        lambda r, request: request.build_absolute_uri(r.get_absolute_url()),
    )


def model_download(name, title, description, model, *, extra=(), leaves_out=()):
    """A Download of `model`'s public fields (slug first), then `extra` columns,
    then the record's page."""
    names = ["slug"] + [
        field
        for field in model.public_fields
        if field != "slug" and field not in leaves_out
    ]
    columns = [field_column(model, field) for field in names]
    columns.extend(extra)
    if hasattr(model, "get_absolute_url"):
        columns.append(page_column())
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
    records = [
        {column.name: column.value(row, None) for column in download.columns}
        for row in rows
    ]
    for record in records:
        for name, value in record.items():
            if value == "":
                record[name] = None
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
