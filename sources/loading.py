"""Reading, validating and applying the fixtures: the engine of `load_review`.

The fixtures are Django's JSON serialization with natural keys (every model's natural
key is its slug) and no primary keys. Loading is an upsert by slug in dependency order.
A record whose database content differs from what the last load wrote was edited by
staff; it is kept unless `force`. Each record's digest at its last load is kept in
`LoadedRecord`, so both sides of that comparison are known.
"""

import datetime
import fcntl
import hashlib
import json
import re
import zlib
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import connection, models, transaction
from django.db.models import ProtectedError

from recommendations.models import TRACKING_REASON, Recommendation, tracking_deferred
from review_portal.lib.curation import FIRST_LOAD, LOADED_BY_COMMAND, LOADER_REASONS
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
    ("rereads.json", "sources.reread"),
]
DOCUMENTS_DIR = "documents"
# The largest fixture file or captured document the loader reads, checked with stat()
# before reading: the whole file is held in memory while it is parsed. The biggest
# shipped file is well under a megabyte.
MAX_FILE_BYTES = 20 * 1024 * 1024
# How deeply a record may nest lists and objects; fixtures need three or four levels.
MAX_DEPTH = 32
# Characters refused in any fixture string or captured document, on every database:
# the C0 controls but tab, newline and carriage return (NUL among them, which
# PostgreSQL cannot store), DEL, and the C1 controls (U+0080 to U+009F, which in a
# real text are nearly always bytes decoded with the wrong encoding). None is text
# a reader can see, and several would break a CSV, an XML feed or a terminal.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
OUTCOMES = ["created", "updated", "unchanged", "kept", "removed"]
# One load or export at a time (one_at_a_time()): the PostgreSQL advisory lock's key
# (any number that no other code uses), or, on SQLite, a lock file next to the
# database file.
LOCK_KEY = zlib.crc32(b"review_portal.load_review")
LOCK_FILE_SUFFIX = "-load_review.lock"
# What a load or an export says when it has to wait for the lock.
WAITING = "Another load_review or export_review is running: waiting for it to finish"


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
        if not path.exists() and not path.is_symlink():
            raise FixtureError(path, "file is missing")
        data = _parse_json(path, read_bytes_within(path, directory))
        if not isinstance(data, list):
            raise FixtureError(path, "expected a JSON list of records")
        for index, record in enumerate(data, 1):
            _check_values(path, index, record)
            _check_shape(path, index, record, label)
        files.append(FixtureFile(path, apps.get_model(label), data))
    return files


def read_bytes_within(path: Path, folder: Path, root: Path | None = None) -> bytes:
    """The bytes of `path`, a regular file inside `folder` (itself inside `root`,
    if given: a documents folder that is a symbolic link to elsewhere is refused)
    and not a symbolic link, of at most MAX_FILE_BYTES, checked before anything is
    read."""
    if path.is_symlink():
        raise FixtureError(path, "is a symbolic link; the loader reads only real files")
    if root is not None:
        try:
            Path(folder).resolve().relative_to(Path(root).resolve())
        except ValueError:
            raise FixtureError(
                folder, f"is outside {root} (a symbolic link to elsewhere)"
            ) from None
    try:
        path.resolve(strict=True).relative_to(Path(folder).resolve())
    except ValueError:
        raise FixtureError(path, f"is outside {folder}") from None
    except OSError as exc:
        raise FixtureError(path, f"cannot be read: {exc.strerror}") from None
    if not path.is_file():
        raise FixtureError(path, "is not a regular file")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise FixtureError(
            path,
            f"is {size:,} bytes, over the loader's limit of {MAX_FILE_BYTES:,} "
            "(MAX_FILE_BYTES)",
        )
    with path.open("rb") as file:
        # Read one byte past the limit, in case the file grew since stat().
        content = file.read(MAX_FILE_BYTES + 1)
    if len(content) > MAX_FILE_BYTES:
        raise FixtureError(
            path, f"is over the loader's limit of {MAX_FILE_BYTES:,} bytes"
        )
    return content


class _Object(dict):
    """A JSON object, with the keys that it repeated (json.loads keeps the last)."""

    repeated: tuple = ()


def _object_pairs(pairs):
    obj = _Object(pairs)
    if len(obj) != len(pairs):
        seen, repeated = set(), []
        for key, _ in pairs:
            if key in seen and key not in repeated:
                repeated.append(key)
            seen.add(key)
        obj.repeated = tuple(repeated)
    return obj


def _parse_json(path: Path, content: bytes):
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FixtureError(
            path, f"not UTF-8: invalid byte at offset {exc.start}"
        ) from None
    try:
        return json.loads(text, object_pairs_hook=_object_pairs)
    except json.JSONDecodeError as exc:
        error = FixtureError(
            path, f"malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        )
        if exc.msg.startswith("Invalid control character"):
            # Typed (or pasted) into a string as itself, not escaped: if it is one
            # the loader refuses in any case, name its record and field.
            _locate_control_character(path, text)
        raise error from None
    except RecursionError:
        raise FixtureError(
            path, "lists or objects nested too deeply for the JSON parser"
        ) from None


def _locate_control_character(path: Path, text: str) -> None:
    """Raise the FixtureError that names the record and field of a control
    character written unescaped in `text`, if it is one _bad_string() refuses.
    Return if it is not (a tab or a line break, which JSON wants escaped: the
    caller reports the malformed JSON)."""
    try:
        data = json.loads(text, strict=False, object_pairs_hook=_object_pairs)
    except (json.JSONDecodeError, RecursionError):
        return
    if isinstance(data, list):
        for index, record in enumerate(data, 1):
            _check_values(path, index, record)


def _bad_string(value: str) -> str | None:
    """What is wrong with a string from a fixture, or None if nothing is."""
    control = CONTROL_CHARACTERS.search(value)
    if control:
        return _describe_control(control.group(), f"at position {control.start()}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        return (
            f"contains a lone surrogate (\\u{ord(value[exc.start]):04x}), "
            "which is not a character"
        )
    return None


def _describe_control(character: str, where: str) -> str:
    """Say which control character was found, and `where`."""
    if character == "\x00":
        return f"contains a NUL character {where}, which no database column stores"
    return (
        f"contains a control character (\\u{ord(character):04x}) {where}; text may "
        "hold tabs and line breaks, no other control character"
    )


def _check_values(path, index, record):
    """Refuse what json.loads lets through: keys repeated in one object, NUL
    characters and lone surrogates in any string (key or value), deep nesting."""
    key = _key_of(record)
    for value, field_name, depth in _walk(record):
        problem = _value_problem(value, field_name, depth)
        if problem:
            message, field_name = problem
            raise FixtureError(path, message, record=index, key=key, field=field_name)


def _walk(record):
    """Every value in `record`, with the record's field it belongs to and its
    depth (the record is depth 1). Iterative, so that no input can exhaust Python's
    stack; a value deeper than MAX_DEPTH is yielded but not entered."""
    stack = [(record, None, 1)]
    while stack:
        value, field_name, depth = stack.pop()
        yield value, field_name, depth
        if depth > MAX_DEPTH:
            continue
        if isinstance(value, dict):
            # The record itself, or its "fields": its keys are what to name.
            is_fields = depth == 1 or (depth == 2 and field_name == "fields")
            stack.extend(
                (item, name if is_fields else field_name, depth + 1)
                for name, item in value.items()
            )
        elif isinstance(value, list):
            stack.extend((item, field_name, depth + 1) for item in value)


def _value_problem(value, field_name, depth) -> tuple[str, str | None] | None:
    """What is wrong with one value of a record (not what it holds), and the field
    to name, or None."""
    if depth > MAX_DEPTH:
        return f"nested more than {MAX_DEPTH} levels deep", field_name
    if isinstance(value, str):
        problem = _bad_string(value)
        return (problem, field_name) if problem else None
    if isinstance(value, dict):
        is_fields = depth == 1 or (depth == 2 and field_name == "fields")
        repeated = getattr(value, "repeated", ())
        if repeated:
            return (
                f"key {repeated[0]!r} appears more than once in one object",
                repeated[0] if is_fields else field_name,
            )
        for name in value:
            problem = _bad_string(name)
            if problem:
                return f"a key {problem}", field_name
    return None


def _check_shape(path, index, record, label):
    if not isinstance(record, dict):
        raise FixtureError(path, "expected an object", record=index)
    key = _key_of(record)
    unknown = set(record) - {"model", "fields", "changed_on"}
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
    if "changed_on" in record and content_time(record["changed_on"]) is None:
        raise FixtureError(
            path,
            f"{record['changed_on']!r} is not a date (YYYY-MM-DD)",
            record=index,
            key=key,
            field="changed_on",
        )


def content_time(changed_on):
    """The history's date for a record whose content last changed on `changed_on`
    (a fixture's "changed_on", YYYY-MM-DD): its midnight, UTC. So "Last updated"
    and What's changed give the same date on every machine that loads the same
    fixtures, not the time of the load. None if it is not a date."""
    try:
        day = datetime.date.fromisoformat(changed_on)
    except (TypeError, ValueError):
        return None
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=datetime.UTC)


def _key_of(record) -> str | None:
    fields = record.get("fields") if isinstance(record, dict) else None
    slug = fields.get("slug") if isinstance(fields, dict) else None
    return slug if isinstance(slug, str) else None


def load(
    directory: Path, *, force=False, prune=False, dry_run=False, on_wait=None
) -> Report:
    """Apply the fixtures in one transaction; any error leaves the database as it was.

    One load runs at a time. A second one waits for the first to finish (calling
    `on_wait` first, to say so) and then applies the fixtures to what the first one
    wrote: usually "no changes". Without the lock, two loads on an empty database
    collided on the unique slugs, and on a loaded one both wrote every edit into the
    history."""
    directory = Path(directory)
    files = read_fixtures(directory)
    with one_at_a_time(on_wait):
        loader = _Loader(directory, force=force)
        # Each recommendation's position and status are refreshed once, at the end,
        # not once per government update saved.
        with tracking_deferred() as touched:
            reports = [loader.apply(fixture_file) for fixture_file in files]
            # Removals run last and in reverse order, so dependants go before what
            # they use.
            for fixture_file, report in reversed(
                list(zip(files, reports, strict=True))
            ):
                loader.remove_missing(fixture_file, report, prune=prune)
        for recommendation in Recommendation.objects.filter(pk__in=touched):
            recommendation.refresh_tracking(
                reason=loader.reason, when=loader.tracking_time(recommendation)
            )
        check_claims(files)
        if dry_run:
            transaction.set_rollback(True)
    return Report(reports)


@contextmanager
def one_at_a_time(on_wait=None):
    """Hold the review data's lock, in a transaction, for as long as the block runs:
    load_review and export_review both take it, so no two of them ever overlap (an
    export in the middle of a load would write half of the new data to the files).
    If another holds it, call `on_wait` (to say so), then wait for it."""
    with _lock_file(on_wait), transaction.atomic():
        _advisory_lock(on_wait)
        yield


@contextmanager
def _lock_file(on_wait):
    """On SQLite, hold an exclusive lock on a file next to the database for the
    whole load or export. Taken before the transaction starts, so a load that
    waited reads what the one before it committed. PostgreSQL has advisory locks
    instead; an in-memory SQLite database is never shared between processes."""
    name = str(connection.settings_dict["NAME"])
    if connection.vendor != "sqlite" or connection.creation.is_in_memory_db(name):
        yield
        return
    with open(f"{name}{LOCK_FILE_SUFFIX}", "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait:
                on_wait()
            fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _advisory_lock(on_wait):
    """On PostgreSQL, take the loader's advisory lock for this transaction (released
    at commit or rollback), waiting for another load or export to finish if need
    be. It is the transaction's first statement, and READ COMMITTED gives each later
    statement a fresh snapshot, so a load that waited sees what the other one
    committed."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [LOCK_KEY])
        if not cursor.fetchone()[0]:
            if on_wait:
                on_wait()
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])


def check_claims(files: list[FixtureFile]) -> None:
    """Every claim in the fixtures must be backed by what it cites (sources.claims).
    Run once all files are in, since a record's citations load last. Records that
    staff added and the fixtures do not hold are the admin's to check."""
    from sources.claims import check_database

    where = {
        f.model._meta.label_lower: (
            f.path,
            {_key_of(r): i for i, r in enumerate(f.records, 1)},
        )
        for f in files
    }
    for violation in check_database():
        path, index = where.get(violation.model, (None, {}))
        if violation.slug in index:
            raise FixtureError(
                path,
                violation.message,
                record=index[violation.slug],
                key=violation.slug,
                field=violation.field,
            )


@dataclass
class _FileStep:
    """What applying one fixture file keeps track of (see _Loader.apply)."""

    file: FixtureFile
    report: ModelReport
    existing: dict  # slug -> the row the database holds
    loaded: dict  # slug -> its digest at the last load
    digests: dict = field(default_factory=dict)  # slug -> digest to record
    # (obj, field, slugs, locate): links within the file, set once all are saved.
    pending: list = field(default_factory=list)

    @property
    def m2m_fields(self):
        return list(self.file.model._meta.many_to_many)


def _existing(Model) -> dict:
    """Every row of `Model` by slug, with its many-to-many links prefetched."""
    names = [f.name for f in Model._meta.many_to_many]
    return {obj.slug: obj for obj in Model._default_manager.prefetch_related(*names)}


def _record_digests(label, digests):
    """Keep each written record's digest, as the next load compares against."""
    LoadedRecord.objects.filter(model=label, key__in=digests).delete()
    LoadedRecord.objects.bulk_create(
        LoadedRecord(model=label, key=key, digest=value)
        for key, value in digests.items()
    )


class _Loader:
    def __init__(self, directory: Path, *, force: bool):
        self.directory = directory
        self.force = force
        # The first load into an empty database is the data arriving, not news:
        # the change log leaves out what it writes.
        self.reason = LOADED_BY_COMMAND if LoadedRecord.objects.exists() else FIRST_LOAD
        self.seen: dict[str, set[str]] = {}
        # (model label, slug) -> when its content last changed, from the fixtures.
        self.changed_at: dict[tuple[str, str], datetime.datetime | None] = {}
        # Every record of the models loaded so far, by slug, so that a natural key
        # resolves without a query (Django's deserializer runs one per key).
        self.by_key: dict[type[models.Model], dict[str, models.Model]] = {}

    def apply(self, fixture_file: FixtureFile) -> ModelReport:
        """Upsert every record of one file, in one pass; links to records of the
        same file (an umbrella's parts) are set once all of them are saved, since a
        part may come later in the file."""
        Model = fixture_file.model
        label = Model._meta.label_lower
        step = _FileStep(
            fixture_file,
            report=ModelReport(label),
            existing=_existing(Model),
            loaded=dict(
                LoadedRecord.objects.filter(model=label).values_list("key", "digest")
            ),
        )
        self.by_key[Model] = dict(step.existing)
        self.seen.setdefault(label, set())
        for index, record in enumerate(fixture_file.records, 1):
            self._apply_record(step, index, record)
        self._link_within_file(step)
        _record_digests(label, step.digests)
        return step.report

    def _apply_record(self, step, index, record):
        """Create, update, keep or leave one record, and note what it did."""
        path, Model = step.file.path, step.file.model
        label = Model._meta.label_lower
        key = self._claim_key(step.file, label, index, record)
        locate = {"record": index, "key": key}
        obj, m2m = self._build(path, Model, record["fields"], locate)
        when = content_time(record.get("changed_on"))
        self.changed_at[label, key] = when
        current = step.existing.get(key)
        if current is not None:
            obj.pk = current.pk
            obj._state.adding = False
        wanted = digest(obj, m2m)
        outcome = self._note_outcome(
            step.report,
            key,
            current,
            self._outcome(current, wanted, step.loaded.get(key), step.m2m_fields),
        )
        if outcome != "unchanged":
            # An unchanged record is a row the database already holds as valid.
            self._validate(path, obj, locate)
        if outcome in {"created", "updated"}:
            self._write(
                obj, {n: ids for n, ids in m2m.items() if not _is_self(Model, n)}, when
            )
            step.pending += [
                (obj, n, ids, locate) for n, ids in m2m.items() if _is_self(Model, n)
            ]
            self.by_key[Model][key] = obj
        if outcome != "kept" and step.loaded.get(key) != wanted:
            step.digests[key] = wanted

    def _claim_key(self, fixture_file, label, index, record):
        """The record's slug, refused if missing or already seen in this load."""
        key = _key_of(record)
        if not key:
            raise FixtureError(
                fixture_file.path, "a slug is required", field="slug", record=index
            )
        seen = self.seen[label]
        if key in seen:
            raise FixtureError(
                fixture_file.path, "duplicate key", field="slug", record=index, key=key
            )
        seen.add(key)
        return key

    @staticmethod
    def _note_outcome(report, key, current, outcome):
        """Count `outcome` in the report, with a note for an overwritten or kept
        edit and a detail for a created or updated record; return it, with
        "overwritten" counted as "updated"."""
        if outcome == "overwritten":
            report.notes.append(f"overwrote staff edits to {key}")
            outcome = "updated"
        elif outcome == "kept":
            report.notes.append(
                f"kept {key}: edited since the last load{last_edit(current)}"
            )
        report.counts[outcome] += 1
        if outcome in {"created", "updated"}:
            report.details.append(f"{outcome} {key}")
        return outcome

    def _link_within_file(self, step):
        by_key = self.by_key[step.file.model]
        for obj, name, keys, locate in step.pending:
            missing = [k for k in keys if k not in by_key]
            if missing:
                raise FixtureError(
                    step.file.path,
                    f"refers to {[missing[0]]!r}, which does not exist",
                    field=name,
                    **locate,
                )
            getattr(obj, name).set([by_key[k].pk for k in keys])

    def _outcome(self, current, wanted, last_loaded, m2m_fields):
        """What loading a fixture record whose digest is `wanted` does to its row:
        created if there is none; unchanged if it equals the fixture; updated if it
        is as last loaded; otherwise staff edited it, so kept, or overwritten with
        --force."""
        if current is None:
            return "created"
        now_m2m = {f.name: _ids(current, f) for f in m2m_fields}
        now = digest(current, now_m2m)
        if now == wanted:
            return "unchanged"
        # As last loaded, possibly by a version before a migration added fields.
        if last_loaded in {now, legacy_digest(current, now_m2m)}:
            return "updated"
        return "overwritten" if self.force else "kept"

    def tracking_time(self, recommendation):
        """When a recommendation's position or status changed, for its history: the
        latest content date of it and its government updates, from the fixtures."""
        keys = [("recommendations.recommendation", recommendation.slug)] + [
            ("recommendations.governmentupdate", slug)
            for slug in recommendation.government_updates.values_list("slug", flat=True)
        ]
        dates = [self.changed_at[k] for k in keys if self.changed_at.get(k)]
        return max(dates, default=None)

    def _write(self, obj, m2m, when=None):
        obj._change_reason = self.reason
        if when is not None:
            obj._history_date = when
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
                        obj._change_reason = self.reason
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
                    if model_field.related_model is Model:
                        # By slug: the record may not be saved yet (see apply()).
                        m2m[name] = [_natural_slug(key) for key in value]
                    else:
                        m2m[name] = [
                            self._resolve(model_field, key).pk for key in value
                        ]
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
        target = self.by_key.get(model_field.related_model, {}).get(_natural_slug(key))
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
        documents = self.directory / DOCUMENTS_DIR
        document = documents / f"{obj.slug}.txt"
        if not document.exists() and not document.is_symlink():
            raise FixtureError(
                path, f"captured text {document} is missing", field="raw_text", **locate
            )
        content = read_bytes_within(document, documents, root=self.directory)
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise FixtureError(
                document, f"not UTF-8: invalid byte at offset {exc.start}"
            ) from None
        control = CONTROL_CHARACTERS.search(text)
        if control:
            line = text.count("\n", 0, control.start()) + 1
            where = f"at offset {control.start()} (line {line})"
            raise FixtureError(
                document,
                f"{_describe_control(control.group(), where)}; it is the captured "
                f"text of {path.name} record {locate['record']} ({obj.slug})",
            )
        obj.raw_text = text

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
    edit = (
        obj.history.exclude(history_change_reason__in=LOADER_REASONS)
        .exclude(history_change_reason__startswith=TRACKING_REASON.strip())
        .first()
    )
    if edit is None:
        return ""
    who = edit.history_user.get_username() if edit.history_user else "no signed-in user"
    return f" (last by {who}, {edit.history_date:%Y-%m-%d %H:%M})"


def _natural_slug(key) -> str:
    if not (isinstance(key, list) and len(key) == 1 and isinstance(key[0], str)):
        raise ValueError(f'expected a natural key like ["a-slug"], not {key!r}')
    return key[0]


def _is_self(Model, name) -> bool:
    return Model._meta.get_field(name).related_model is Model


def _ids(obj, m2m_field) -> list:
    # Links within one model are compared by slug, as the loader resolves them late.
    if m2m_field.related_model is type(obj):
        return [related.slug for related in getattr(obj, m2m_field.name).all()]
    return [related.pk for related in getattr(obj, m2m_field.name).all()]


# Fields added after records were first loaded, by model. A row whose values in them
# are still the defaults has the digest it had before they existed, so the first load
# after the migration does not take every row for a staff edit.
ADDED_FIELDS = {
    "recommendations.recommendation": {"kind", "inference", "former_slugs", "parts"},
    "recommendations.governmentupdate": {"inference"},
    "recommendations.timelineevent": {"inference"},
    "recommendations.keyfigure": {"inference"},
    "recommendations.discrepancy": {"inference"},
    "sources.stakeholderresponse": {"inference"},
    "sources.citation": {"supports"},
}


def legacy_digest(obj, m2m: dict) -> str | None:
    """The digest `obj` had before its ADDED_FIELDS existed, or None if it has none
    or any of them has been given a value other than its default since."""
    added = ADDED_FIELDS.get(obj._meta.label_lower)
    if not added:
        return None
    for model_field in obj._meta.concrete_fields:
        if model_field.name in added:
            if model_field.value_from_object(obj) != model_field.get_default():
                return None
    kept = {}
    for name, ids in m2m.items():
        if name in added:
            if ids:
                return None
        else:
            kept[name] = ids
    return digest(obj, kept, omit=added)


def digest(obj, m2m: dict, omit=frozenset()) -> str:
    """A fingerprint of a record's editable content, the same for an unsaved instance
    built from a fixture and for the row it was saved as."""
    content = {}
    for model_field in obj._meta.concrete_fields:
        if model_field.primary_key or not model_field.editable:
            continue
        if model_field.name in omit:
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
