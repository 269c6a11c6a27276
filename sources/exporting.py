"""Writing the database back to fixture files: the inverse of `loading`.

The output is exactly what the loader reads: the same files, records sorted by slug,
every editable field in model order (many-to-many last, sorted), foreign keys as
natural keys, 2-space JSON. So load -> export reproduces the shipped fixtures byte for
byte, and a diff of the files shows exactly what curators changed.
"""

import datetime
import decimal
import json
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.db.models import Max
from django.utils import timezone

from recommendations.models import TRACKING_REASON
from review_portal.lib.curation import MARKED_REVIEWED
from sources.loading import DOCUMENTS_DIR, FIXTURE_FILES, one_at_a_time
from sources.models import Capture, SourceDocument


@dataclass
class ExportedFile:
    path: Path
    records: int
    changed: bool


def fixture_fields(model) -> list:
    """The fields a fixture record carries, in the order it carries them. A captured
    source's text lives in its own file; the cleaned text is derived."""
    fields = [
        f
        for f in model._meta.concrete_fields
        if f.editable
        and not f.primary_key
        and not (model is SourceDocument and f.name == "raw_text")
    ]
    return fields + list(model._meta.many_to_many)


def fixture_record(obj, fields, changed_on=None) -> dict:
    values = {}
    for field in fields:
        if field.many_to_many:
            keys = sorted(
                related.natural_key() for related in getattr(obj, field.name).all()
            )
            values[field.name] = [list(key) for key in keys]
        elif field.is_relation:
            related = getattr(obj, field.name)
            values[field.name] = list(related.natural_key()) if related else None
        else:
            values[field.name] = _plain(field.value_from_object(obj))
    record = {"model": obj._meta.label_lower}
    if changed_on is not None:
        record["changed_on"] = changed_on.isoformat()
    record["fields"] = values
    return record


def content_dates(model) -> dict:
    """{pk: the date its content last changed}: its latest version in the history,
    leaving out what changes no content (a curator's "Mark reviewed") and the
    position and status a recommendation takes from its updates."""
    history = model.history.exclude(history_change_reason=MARKED_REVIEWED).exclude(
        history_change_reason__startswith=TRACKING_REASON.strip()
    )
    latest = history.values("id").annotate(last=Max("history_date")).order_by()
    return {
        row["id"]: timezone.localtime(row["last"], datetime.UTC).date()
        for row in latest
    }


def _plain(value):
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def dumps(records: list[dict]) -> str:
    return json.dumps(records, indent=2, ensure_ascii=False) + "\n"


def export(directory: Path, *, on_wait=None) -> list[ExportedFile]:
    """Write every fixture file and captured text into `directory`; return what was
    written and whether it changed.

    Under load_review's lock (`one_at_a_time`, calling `on_wait` first if it has to
    wait), so that an export never reads a load half done, nor a load runs while
    an export clears "needs review"."""
    directory = Path(directory)
    (directory / DOCUMENTS_DIR).mkdir(parents=True, exist_ok=True)
    with one_at_a_time(on_wait):
        return _export(directory)


def _export(directory: Path) -> list[ExportedFile]:
    written = []
    for name, label in FIXTURE_FILES:
        model = apps.get_model(label)
        fields = fixture_fields(model)
        queryset = model._default_manager.order_by("slug")
        queryset = queryset.select_related(
            *[f.name for f in fields if f.is_relation and not f.many_to_many]
        ).prefetch_related(*[f.name for f in fields if f.many_to_many])
        dates = content_dates(model)
        records = [fixture_record(obj, fields, dates.get(obj.pk)) for obj in queryset]
        written.append(_write(directory / name, dumps(records).encode(), len(records)))
    for source in SourceDocument.objects.filter(capture=Capture.CAPTURED).order_by(
        "slug"
    ):
        path = directory / DOCUMENTS_DIR / f"{source.slug}.txt"
        written.append(_write(path, source.raw_text.encode("utf-8"), 1))
    clear_needs_review()
    return written


def clear_needs_review():
    """What the admin changed is now in the files, for review as a diff."""
    for _, label in FIXTURE_FILES:
        apps.get_model(label)._default_manager.filter(needs_review=True).update(
            needs_review=False
        )


def _write(path: Path, content: bytes, records: int) -> ExportedFile:
    changed = not path.exists() or path.read_bytes() != content
    if changed:
        path.write_bytes(content)
    return ExportedFile(path, records, changed)
