"""Reading, validating and applying the fixtures: the engine of `load_review`.

The fixtures are Django's JSON serialization with natural keys (every model's natural
key is its slug) and no primary keys. Loading is an upsert by slug in dependency order.
A record whose database content differs from what the last load wrote was edited by
staff; it is kept unless `force`. Each record's digest at its last load is kept in
`LoadedRecord`, so both sides of that comparison are known.
"""

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models, transaction
from django.db.models import ProtectedError

from review_portal.lib.curation import LOADED_BY_COMMAND
from sources.models import Capture, LoadedRecord

# Files in the order they load: every file refers only to files above it.
FIXTURE_FILES = [
    ("reviews.json", "recommendations.review"),
    ("chapters.json", "recommendations.chapter"),
    ("missions.json", "recommendations.mission"),
    ("recommendations.json", "recommendations.recommendation"),
    ("government_updates.json", "recommendations.governmentupdate"),
    ("discrepancies.json", "recommendations.discrepancy"),
    ("key_figures.json", "recommendations.keyfigure"),
    ("timeline_events.json", "recommendations.timelineevent"),
    ("source_documents.json", "sources.sourcedocument"),
    ("organisations.json", "sources.organisation"),
    ("publications.json", "sources.publication"),
    ("stakeholder_responses.json", "sources.stakeholderresponse"),
    ("chapter_titles.json", "sources.chaptertitle"),
    ("citations.json", "sources.citation"),
    ("commitments.json", "sources.commitment"),
]
DOCUMENTS_DIR = "documents"
OUTCOMES = ["created", "updated", "unchanged", "kept", "removed"]


class FixtureError(Exception):
    """Bad input, located as precisely as it can be: file, record, field."""

    def __init__(self, path, message, *, record=None, key=None, field=None):
        self.path, self.record, self.key, self.field = path, record, key, field
        where = [str(path)]
        if record is not None:
            where.append(f"record {record}" + (f" ({key})" if key else ""))
        if field is not None:
            where.append(f"field '{field}'")
        super().__init__(f"{', '.join(where)}: {message}")


@dataclass
class FixtureFile:
    path: Path
    model: type[models.Model]
    records: list[dict]


@dataclass
class ModelReport:
    label: str
    counts: Counter = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)  # kept, removed, overwritten
    details: list[str] = field(default_factory=list)  # every created or updated record


@dataclass
class Report:
    models: list[ModelReport]

    @property
    def totals(self) -> Counter:
        return sum((m.counts for m in self.models), Counter())

    @property
    def has_changes(self) -> bool:
        totals = self.totals
        return bool(totals["created"] or totals["updated"] or totals["removed"])

    def as_table(self) -> str:
        width = max(len(m.label) for m in self.models)
        rows = [f"{'model':<{width}}  " + "  ".join(f"{o:>9}" for o in OUTCOMES)]
        for m in self.models:
            rows.append(
                f"{m.label:<{width}}  "
                + "  ".join(f"{m.counts[o]:>9}" for o in OUTCOMES)
            )
        totals = self.totals
        rows.append(
            f"{'total':<{width}}  " + "  ".join(f"{totals[o]:>9}" for o in OUTCOMES)
        )
        return "\n".join(rows)


def read_fixtures(directory: Path) -> list[FixtureFile]:
    """Read and structurally check every fixture file, before touching the database."""
    directory = Path(directory)
    expected = {name for name, _ in FIXTURE_FILES}
    for path in sorted(directory.glob("*.json")):
        if path.name not in expected:
            raise FixtureError(
                path,
                "unexpected fixture file; the loader reads only "
                + ", ".join(sorted(expected)),
            )
    files = []
    for name, label in FIXTURE_FILES:
        path = directory / name
        if not path.exists():
            raise FixtureError(path, "file is missing")
        data = _parse_json(path)
        if not isinstance(data, list):
            raise FixtureError(path, "expected a JSON list of records")
        for index, record in enumerate(data, 1):
            _check_shape(path, index, record, label)
        files.append(FixtureFile(path, apps.get_model(label), data))
    return files


def _parse_json(path: Path):
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FixtureError(
            path, f"not UTF-8: invalid byte at offset {exc.start}"
        ) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise FixtureError(
            path, f"malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None


def _check_shape(path, index, record, label):
    if not isinstance(record, dict):
        raise FixtureError(path, "expected an object", record=index)
    key = _key_of(record)
    unknown = set(record) - {"model", "fields"}
    if "pk" in unknown:
        raise FixtureError(
            path,
            "fixtures must not carry database ids",
            record=index,
            key=key,
            field="pk",
        )
    if unknown:
        raise FixtureError(
            path, f"unknown keys {sorted(unknown)}", record=index, key=key
        )
    if record.get("model") != label:
        raise FixtureError(
            path,
            f"expected model '{label}', found {record.get('model')!r}",
            record=index,
            key=key,
            field="model",
        )
    if not isinstance(record.get("fields"), dict):
        raise FixtureError(
            path, "expected an object of fields", record=index, key=key, field="fields"
        )


def _key_of(record) -> str | None:
    fields = record.get("fields") if isinstance(record, dict) else None
    slug = fields.get("slug") if isinstance(fields, dict) else None
    return slug if isinstance(slug, str) else None


def load(directory: Path, *, force=False, prune=False, dry_run=False) -> Report:
    """Apply the fixtures in one transaction; any error leaves the database as it was."""
    directory = Path(directory)
    files = read_fixtures(directory)
    with transaction.atomic():
        loader = _Loader(directory, force=force)
        reports = [loader.apply(fixture_file) for fixture_file in files]
        # Removals run last and in reverse order, so dependants go before what they use.
        for fixture_file, report in reversed(list(zip(files, reports, strict=True))):
            loader.remove_missing(fixture_file, report, prune=prune)
        if dry_run:
            transaction.set_rollback(True)
    return Report(reports)


class _Loader:
    def __init__(self, directory: Path, *, force: bool):
        self.directory = directory
        self.force = force
        self.seen: dict[str, set[str]] = {}
        # Every record of the models loaded so far, by slug, so that a natural key
        # resolves without a query (Django's deserializer runs one per key).
        self.by_key: dict[type[models.Model], dict[str, models.Model]] = {}

    def apply(self, fixture_file: FixtureFile) -> ModelReport:
        Model = fixture_file.model
        label = Model._meta.label_lower
        report = ModelReport(label)
        m2m_fields = list(Model._meta.many_to_many)
        existing = {
            obj.slug: obj
            for obj in Model._default_manager.prefetch_related(
                *[f.name for f in m2m_fields]
            )
        }
        loaded = dict(
            LoadedRecord.objects.filter(model=label).values_list("key", "digest")
        )
        seen = self.seen.setdefault(label, set())
        by_key = self.by_key[Model] = dict(existing)
        digests = {}

        for index, record in enumerate(fixture_file.records, 1):
            key = _key_of(record)
            locate = {"record": index, "key": key}
            if not key:
                raise FixtureError(
                    fixture_file.path, "a slug is required", field="slug", **locate
                )
            if key in seen:
                raise FixtureError(
                    fixture_file.path, "duplicate key", field="slug", **locate
                )
            seen.add(key)

            obj, m2m = self._build(fixture_file.path, Model, record["fields"], locate)
            current = existing.get(key)
            if current is not None:
                obj.pk = current.pk
                obj._state.adding = False
            wanted = digest(obj, m2m)
            outcome = self._outcome(current, wanted, loaded.get(key), m2m_fields)
            if outcome == "overwritten":
                report.notes.append(f"overwrote staff edits to {key}")
                outcome = "updated"
            elif outcome == "kept":
                report.notes.append(
                    f"kept {key}: edited since the last load{last_edit(current)}"
                )
            if outcome != "unchanged":
                # An unchanged record is a row the database already holds as valid.
                self._validate(fixture_file.path, obj, locate)
            report.counts[outcome] += 1
            if outcome in {"created", "updated"}:
                report.details.append(f"{outcome} {key}")

            if outcome in {"created", "updated"}:
                self._write(obj, m2m)
                by_key[key] = obj
            if outcome != "kept" and loaded.get(key) != wanted:
                digests[key] = wanted

        LoadedRecord.objects.filter(model=label, key__in=digests).delete()
        LoadedRecord.objects.bulk_create(
            LoadedRecord(model=label, key=key, digest=value)
            for key, value in digests.items()
        )
        return report

    def _outcome(self, current, wanted, last_loaded, m2m_fields):
        """What loading a fixture record whose digest is `wanted` does to its row:
        created if there is none; unchanged if it equals the fixture; updated if it
        is as last loaded; otherwise staff edited it, so kept, or overwritten with
        --force."""
        if current is None:
            return "created"
        now = digest(current, {f.name: _ids(current, f) for f in m2m_fields})
        if now == wanted:
            return "unchanged"
        if now == last_loaded:
            return "updated"
        return "overwritten" if self.force else "kept"

    @staticmethod
    def _write(obj, m2m):
        obj._change_reason = LOADED_BY_COMMAND
        obj.save()
        for name, ids in m2m.items():
            getattr(obj, name).set(ids)

    def remove_missing(self, fixture_file: FixtureFile, report: ModelReport, *, prune):
        Model = fixture_file.model
        label = Model._meta.label_lower
        loaded = set(
            LoadedRecord.objects.filter(model=label).values_list("key", flat=True)
        )
        gone = Model._default_manager.exclude(slug__in=self.seen[label]).order_by(
            "slug"
        )
        for obj in gone:
            if obj.slug not in loaded:
                report.counts["kept"] += 1
                report.notes.append(
                    f"kept {obj.slug}: added by staff, not in the fixtures"
                )
            elif prune:
                try:
                    with transaction.atomic():
                        obj._change_reason = LOADED_BY_COMMAND
                        obj.delete()
                except ProtectedError as exc:
                    users = ", ".join(sorted(str(o) for o in exc.protected_objects)[:3])
                    raise FixtureError(
                        fixture_file.path,
                        f"cannot remove {obj.slug}: still used by {users}",
                        key=obj.slug,
                    ) from None
                LoadedRecord.objects.filter(model=label, key=obj.slug).delete()
                report.counts["removed"] += 1
                report.notes.append(f"removed {obj.slug}")
            else:
                report.counts["kept"] += 1
                report.notes.append(
                    f"kept {obj.slug}: gone from the fixtures, removed only with --prune"
                )

    def _build(self, path, Model, fields: dict, locate):
        """Turn a record's fields into an unsaved instance and its many-to-many ids,
        one field at a time so that an error can name its field."""
        # A many-to-many field left out of a record means "none".
        data, m2m = {}, {f.name: [] for f in Model._meta.many_to_many}
        for name, value in fields.items():
            try:
                model_field = Model._meta.get_field(name)
            except FieldDoesNotExist:
                raise FixtureError(
                    path, "unknown field", field=name, **locate
                ) from None
            if model_field.auto_created:
                raise FixtureError(path, "unknown field", field=name, **locate)
            if not model_field.editable:
                raise FixtureError(
                    path, "derived field; do not set it", field=name, **locate
                )
            try:
                if model_field.many_to_many:
                    if not isinstance(value, list):
                        raise ValueError("expected a list of natural keys")
                    m2m[name] = [self._resolve(model_field, key).pk for key in value]
                elif model_field.is_relation:
                    data[name] = self._resolve(model_field, value)
                else:
                    data[name] = model_field.to_python(value)
            except ValidationError as exc:
                raise FixtureError(
                    path, " ".join(exc.messages), field=name, **locate
                ) from None
            except ValueError as exc:
                raise FixtureError(path, str(exc), field=name, **locate) from None
        obj = Model(**data)
        if getattr(obj, "capture", None) == Capture.CAPTURED:
            self._attach_document(path, obj, locate)
        return obj, m2m

    def _resolve(self, model_field, key):
        if key is None and not model_field.many_to_many:
            return None  # full_clean() says whether the field may be empty
        if not (isinstance(key, list) and len(key) == 1 and isinstance(key[0], str)):
            raise ValueError(f'expected a natural key like ["a-slug"], not {key!r}')
        target = self.by_key.get(model_field.related_model, {}).get(key[0])
        if target is None:
            raise ValueError(f"refers to {key!r}, which does not exist")
        return target

    def _attach_document(self, path, obj, locate):
        if obj.raw_text:
            raise FixtureError(
                path,
                f"a captured source's text lives in {DOCUMENTS_DIR}/"
                f"{obj.slug}.txt, not in the fixture",
                field="raw_text",
                **locate,
            )
        document = self.directory / DOCUMENTS_DIR / f"{obj.slug}.txt"
        if not document.exists():
            raise FixtureError(
                path, f"captured text {document} is missing", field="raw_text", **locate
            )
        try:
            obj.raw_text = document.read_bytes().decode("utf-8")
        except UnicodeDecodeError as exc:
            raise FixtureError(
                document, f"not UTF-8: invalid byte at offset {exc.start}"
            ) from None

    def _validate(self, path, obj, locate):
        try:
            # The choices constraints (choices_constraint(), named *_valid) repeat
            # what clean_fields() checks; validating them costs a query each.
            obj.full_clean(validate_constraints=False)
            for constraint in obj._meta.constraints:
                if not constraint.name.endswith("_valid"):
                    constraint.validate(type(obj), obj)
        except ValidationError as exc:
            field_name, messages = next(iter(exc.message_dict.items()))
            field_name = None if field_name == "__all__" else field_name
            raise FixtureError(
                path, " ".join(messages), field=field_name, **locate
            ) from None


def last_edit(obj) -> str:
    """Who last changed `obj` and when, from its history, for the report."""
    edit = obj.history.exclude(history_change_reason=LOADED_BY_COMMAND).first()
    if edit is None:
        return ""
    who = edit.history_user.get_username() if edit.history_user else "no signed-in user"
    return f" (last by {who}, {edit.history_date:%Y-%m-%d %H:%M})"


def _ids(obj, m2m_field) -> list:
    return [related.pk for related in getattr(obj, m2m_field.name).all()]


def digest(obj, m2m: dict) -> str:
    """A fingerprint of a record's editable content, the same for an unsaved instance
    built from a fixture and for the row it was saved as."""
    content = {}
    for model_field in obj._meta.concrete_fields:
        if model_field.primary_key or not model_field.editable:
            continue
        value = model_field.value_from_object(obj)
        if value is not None and isinstance(model_field, models.DecimalField):
            value = f"{value:.{model_field.decimal_places}f}"
        elif value is not None and not isinstance(value, str | int | bool):
            value = model_field.value_to_string(obj)
        content[model_field.attname] = value
    for name, ids in m2m.items():
        content[name] = sorted(ids)
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()
