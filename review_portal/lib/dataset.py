"""The whole data set in one download: every public table as CSV in a ZIP, with a
Frictionless Data `datapackage.json` describing each table, column, type and key
(written with the frictionless library), and the same tables as one SQLite file
(written with Python's sqlite3) that opens in sqlite3 or Datasette.

A table per model given (its slug, then its public fields; a related record is
its slug, a foreign key to that table), and a link table per many-to-many field
(`recommendation_missions`: recommendation, mission; `recommendation_parts`, an
umbrella's parts: recommendation, part). Unknown values are empty in
CSV and NULL in SQLite, as `missingValues` says.

Both files are built on request and kept in memory until the data changes: every
save or delete of a public record writes a history row, and the files are rebuilt
when the newest history row of any of the models is not the one they were built
from (one query per request answers that). So they are never stale.
"""

import csv
import io
import json
import sqlite3
import tempfile
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from .versions import data_version

NAME = "review-portal"
TYPES = {
    "BooleanField": "boolean",
    "DateField": "date",
    "DecimalField": "number",
    "FloatField": "number",
    "IntegerField": "integer",
    "PositiveIntegerField": "integer",
    "PositiveSmallIntegerField": "integer",
    "SmallIntegerField": "integer",
}
SQLITE_TYPES = {"boolean": "INTEGER", "integer": "INTEGER", "number": "REAL"}


@dataclass
class Table:
    name: str
    fields: list  # [{"name", "type", "description"}]
    rows: list  # lists of Python values (None for unknown)
    primary_key: list
    foreign_keys: list  # [(field, table)]


def table_name(model):
    return model._meta.model_name


def _value(value):
    if value == "":
        return None
    if isinstance(value, Decimal):
        return int(value) if value == int(value) else float(value)
    return value


def tables(models, extra_fields=None):
    """The Tables of `models` (each with `public_fields`), plus their link tables;
    `extra_fields` adds fields to a model's table ({model: (name, ...)})."""
    extra_fields = extra_fields or {}
    names = {model: table_name(model) for model in models}
    result = []
    for model in models:
        wanted = (
            ["slug"]
            + [name for name in model.public_fields if name != "slug"]
            + list(extra_fields.get(model, ()))
        )
        table, links = _model_table(model, wanted, names)
        result.append(table)
        result += [_link_table(model, field, names) for field in links]
    return result


def _model_table(model, wanted, names):
    """The Table of `model`'s `wanted` fields, a related record as its slug (a
    relation to a model without a table in `names` is left out), and the
    many-to-many fields among them, which get link tables instead."""
    fields, columns, foreign_keys, links = [], [], [], []
    for name in wanted:
        field = model._meta.get_field(name)
        if field.many_to_many:
            links.append(field)
            continue
        if field.is_relation:
            if field.related_model not in names:
                continue
            columns.append(f"{name}__slug")
            kind = "string"
            foreign_keys.append((name, names[field.related_model]))
        else:
            columns.append(name)
            kind = TYPES.get(field.get_internal_type(), "string")
        description = str(field.help_text or field.verbose_name)
        fields.append({"name": name, "type": kind, "description": description})
    rows = [
        [_value(value) for value in row]
        for row in model.objects.order_by("slug").values_list(*columns)
    ]
    return Table(names[model], fields, rows, ["slug"], foreign_keys), links


def _link_table(model, field, names):
    """The link table of `model`'s many-to-many `field`: a pair of slugs a row."""
    own, other = names[model], names[field.related_model]
    if other == own:
        # Links within one table (an umbrella's parts) name the second column
        # after the field: recommendation_parts has recommendation and part.
        other = field.name.removesuffix("s")
    pairs = field.remote_field.through.objects.order_by().values_list(
        f"{field.m2m_field_name()}__slug",
        f"{field.m2m_reverse_field_name()}__slug",
    )
    return Table(
        f"{own}_{field.name}",
        [_slug_field(own), _slug_field(other)],
        sorted(list(pair) for pair in pairs),
        [own, other],
        [(own, own), (other, names[field.related_model])],
    )


def _slug_field(name):
    return {"name": name, "type": "string", "description": f"The {name}'s slug."}


def datapackage(all_tables, title, description):
    """The datapackage.json descriptor, written with frictionless."""
    from frictionless import Package, Resource, Schema

    resources = []
    for table in all_tables:
        schema = Schema.from_descriptor(
            {
                "fields": table.fields,
                "primaryKey": table.primary_key,
                "foreignKeys": [
                    {
                        "fields": [field],
                        "reference": {"resource": target, "fields": ["slug"]},
                    }
                    for field, target in table.foreign_keys
                ],
                "missingValues": [""],
            }
        )
        resources.append(
            Resource(
                name=table.name,
                path=f"{table.name}.csv",
                format="csv",
                mediatype="text/csv",
                encoding="utf-8",
                schema=schema,
            )
        )
    package = Package(
        name=NAME, title=title, description=description, resources=resources
    )
    return package.to_dict()


def _csv(table):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([field["name"] for field in table.fields])
    for row in table.rows:
        writer.writerow(
            [
                ""
                if value is None
                else ("true" if value is True else "false" if value is False else value)
                for value in row
            ]
        )
    return out.getvalue()


def build_zip(all_tables, descriptor):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "datapackage.json", json.dumps(descriptor, indent=2, ensure_ascii=False)
        )
        for table in all_tables:
            archive.writestr(f"{table.name}.csv", _csv(table))
    return buffer.getvalue()


def build_sqlite(all_tables):
    """The tables in one SQLite file, with primary and foreign keys."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{NAME}.sqlite"
        connection = sqlite3.connect(path)
        try:
            for table in all_tables:
                definitions = [
                    f'"{field["name"]}" {SQLITE_TYPES.get(field["type"], "TEXT")}'
                    for field in table.fields
                ]
                keys = ", ".join(f'"{name}"' for name in table.primary_key)
                definitions.append(f"PRIMARY KEY ({keys})")
                definitions += [
                    f'FOREIGN KEY ("{field}") REFERENCES "{target}"(slug)'
                    for field, target in table.foreign_keys
                ]
                connection.execute(
                    f'CREATE TABLE "{table.name}" ({", ".join(definitions)})'
                )
                marks = ", ".join("?" for _ in table.fields)
                connection.executemany(
                    f'INSERT INTO "{table.name}" VALUES ({marks})',
                    [
                        [
                            value.isoformat() if hasattr(value, "isoformat") else value
                            for value in row
                        ]
                        for row in table.rows
                    ],
                )
            connection.commit()
        finally:
            connection.close()
        return path.read_bytes()


@lru_cache(maxsize=1)
def _built(key, models, extra, title, description):
    all_tables = tables(list(models), dict(extra))
    descriptor = datapackage(all_tables, title, description)
    return build_zip(all_tables, descriptor), build_sqlite(all_tables), descriptor


def dataset(models, extra_fields=None, *, title="", description=""):
    """(zip bytes, sqlite bytes, datapackage descriptor), current."""
    models = tuple(models)
    extra = tuple(
        sorted((extra_fields or {}).items(), key=lambda item: item[0]._meta.label)
    )
    return _built(data_version(models), models, extra, title, description)
