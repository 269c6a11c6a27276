"""The history engine behind "What's changed", each record's history and the feeds.

Everything here is read from django-simple-history's tables, for the models of a
registry of `Tracked` kinds that the caller gives (review_portal/changes.py has the
portal's). Only public fields are ever shown, and never who made a change: the
loader's changes are "Loaded from the published data", everyone else's "Edited by
the portal's curators".

Queries are fixed per page, whatever it shows:
- `change_keys()` is one UNION ALL of (date, kind, history_id) over the historical
  tables, so the database merges, orders and slices the page window, and the
  paginator counts it in one more query.
- `load_changes()` then reads the page's historical records, with the version
  before each and the related records the labels need, in one query per kind on
  the page, plus one per tracked many-to-many field of those kinds.
"""

import datetime
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import models
from django.db.models import CharField, OuterRef, Q, Subquery, Value
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst
from simple_history.models import DeletedObject
from simple_history.utils import get_m2m_reverse_field_name

from review_portal.lib.curation import FIRST_LOAD, LOADER_REASONS, field_label


@dataclass(frozen=True)
class Tracked:
    """A public model whose history the portal publishes."""

    kind: str  # the type filter's value, e.g. "recommendation"
    model: type[models.Model]
    # What the change log calls the record, from a historical record.
    title: Callable[[models.Model], str]
    # Its public address from its current slug and its parent's (see `parent`).
    url: Callable[[str, str], str]
    # The foreign key to the record whose page shows this one, if it has no page.
    parent: str = ""
    # Joined with each historical record, beyond the public foreign keys.
    extra_related: tuple[str, ...] = ()
    # For feed titles (Change.headline), which name what a change is about first:
    # `subject` gives it (a government update: its recommendation's title), and
    # `noun` the record as a part of it ("government update (12 March 2024)").
    # Without them, a record is its own subject.
    subject: Callable[[models.Model], str] | None = None
    noun: Callable[[models.Model], str] | None = None
    # The subject's page, where a feed entry links when the record has no page
    # of its own on it (a quotation: its recommendation's, not its source's).
    subject_url: Callable[[models.Model], str] | None = None
    # The record's own date (a government update's, a response's), if it has one:
    # when an addition happened, as against when the history recorded it.
    happened_on: Callable[[models.Model], datetime.date | None] | None = None
    # What an added record says, in a sentence or two, for a feed entry.
    describe: Callable[[models.Model], str] | None = None
    # Fields whose change is told "<phrase> changed from <old> to <new>":
    # (field name, phrase) pairs, e.g. ("position", "the government's position").
    phrases: tuple[tuple[str, str], ...] = ()
    # A record that is itself an event (a re-reading under the portal's rules):
    # `sentence` gives its feed title's "what happened", `event` the whole of it
    # (with its day and reason), `who` who made it. Such a record is news on any
    # install, so the first load does not hide it (`first_load_is_news`).
    sentence: Callable[[models.Model], str] | None = None
    event: Callable[[models.Model], str] | None = None
    who: str = ""
    first_load_is_news: bool = False

    @property
    def fields(self):
        """Its public fields, in the order its page shows them (the model's
        `public_fields`, see review_portal.lib.curation.Curated)."""
        return self.model.public_fields

    @property
    def label(self):
        return capfirst(self.model._meta.verbose_name)

    @property
    def plural_label(self):
        return capfirst(self.model._meta.verbose_name_plural)

    @property
    def history(self):
        """The model-level history manager: every historical record of the model."""
        return self.model.history

    @property
    def m2m_fields(self):
        """The public many-to-many fields that the history tracks."""
        tracked = {f.name for f in self.history.model._history_m2m_fields}
        return [name for name in self.fields if name in tracked]

    @property
    def plain_fields(self):
        return [name for name in self.fields if name not in self.m2m_fields]

    @property
    def related(self):
        foreign_keys = [
            name
            for name in self.plain_fields
            if isinstance(self.model._meta.get_field(name), models.ForeignKey)
        ]
        return [*foreign_keys, *self.extra_related]

    def field_label(self, name):
        return field_label(self.model, name)


def format_day(value):
    return date_format(value, "j F Y")


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: str = ""
    new: str = ""
    # For many-to-many fields: the labels of the records linked and unlinked.
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    name: str = ""  # the model field's

    @property
    def is_many(self):
        return bool(self.added or self.removed)


@dataclass(frozen=True)
class Change:
    """One version of one public record, as the public may see it."""

    tracked: Tracked
    history_id: int
    date: datetime.datetime
    action: str  # "added", "edited" or "removed"
    title: str
    url: str  # empty once the record is removed
    is_loaded: bool
    fields: list[FieldChange]
    has_previous: bool
    reason: str = ""  # the history's change reason
    # What happened, in words, when the registry's owner says more than the
    # fields do (e.g. a position that changed because of a government update).
    event: str = ""
    record_id: int | None = None  # the record's primary key
    # See Tracked.subject, .noun, .subject_url, .happened_on and .describe.
    subject: str = ""
    noun: str = ""
    subject_url: str = ""
    happened_on: datetime.date | None = None
    description: str = ""
    sentence: str = ""  # see Tracked.sentence

    @property
    def anchor(self):
        return f"change-{self.tracked.kind}-{self.history_id}"

    @property
    def who(self):
        # Never the user: the public sees only whether the loader or staff did it.
        if self.tracked.who:
            return self.tracked.who
        if self.event:
            return "Follows from the government's dated updates"
        if self.is_loaded:
            return "Loaded from the published data"
        return f"{self.action.capitalize()} by the portal's curators"

    @property
    def is_shown(self):
        # A save that changed no public field (or only what the public never sees)
        # is not news. An edit with no earlier version recorded is shown as is.
        return self.action != "edited" or bool(self.fields) or not self.has_previous

    @property
    def field_labels(self):
        return ", ".join(change.label for change in self.fields)

    @property
    def summary(self):
        """One line, for feeds: what happened to what."""
        if self.event:
            return f"{self.event}: “{self.title}”"
        what = f"{self.tracked.label} “{self.title}” {self.action}"
        return f"{what}: {self.field_labels}" if self.fields else what

    @property
    def headline(self):
        """One line in plain words, for a feed entry's title: what the change is
        about first, then what happened, e.g. "Family Help: summary edited" or
        "Family Help: new government update (12 March 2024)". No quotation marks:
        the names are data, and may hold their own."""
        return f"{self.subject or self.title}: {self.what_happened}"

    @property
    def what_happened(self):
        if self.sentence:
            return self.sentence
        if self.noun:
            if self.action == "added":
                return f"new {self.noun}"
            if self.action == "removed" or not self.fields:
                return f"{self.noun} {self.action}"
            return f"{_lower_list(self.fields)} of the {self.noun} edited"
        if self.action == "added":
            return "added to the portal"
        if self.action == "removed":
            return "removed from the portal"
        phrases = dict(self.tracked.phrases)
        told = [
            f"{phrases[change.name]} changed from {change.old} to {change.new}"
            if change.old
            else f"{phrases[change.name]} is now {change.new}"
            for change in self.fields
            if change.name in phrases
        ]
        others = [change for change in self.fields if change.name not in phrases]
        if others:
            told.append(f"{_lower_list(others)} edited")
        return "; ".join(told) or "edited"


def _lower_list(changes):
    """The fields' labels in lower case, as words: e.g. summary, confidence and
    missions."""
    labels = [change.label[:1].lower() + change.label[1:] for change in changes]
    if len(labels) == 1:
        return labels[0]
    return ", ".join(labels[:-1]) + " and " + labels[-1]


def display_value(tracked, name, value):
    """A field's value as a page would show it."""
    if isinstance(value, DeletedObject):
        return "" if value.pk is None else "a record since removed"
    if isinstance(value, models.Model):
        return str(value)
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime.date):
        return format_day(value)
    choices = dict(tracked.model._meta.get_field(name).flatchoices)
    if choices:
        return str(choices.get(value, value))
    return str(value)


def _previous_version(history):
    """The history_id of the version before the outer one, of the same record."""
    return Subquery(
        history.filter(id=OuterRef("id"))
        .filter(
            Q(history_date__lt=OuterRef("history_date"))
            | Q(
                history_date=OuterRef("history_date"),
                history_id__lt=OuterRef("history_id"),
            )
        )
        .order_by("-history_date", "-history_id")
        .values("history_id")[:1]
    )


def _load_kind(tracked, ids):
    """The Changes of one kind's historical records `ids`: one query for them and
    the versions before them, one per tracked many-to-many field."""
    records = _versions(tracked, ids)
    has_edits = any(records[i].history_type == "~" for i in ids)
    links = _links(tracked, records) if has_edits else {}
    changes = []
    for history_id in ids:
        record = records[history_id]
        previous = records.get(record.previous_id)
        fields = []
        if record.history_type == "~" and previous is not None:
            fields = _diff(tracked, previous, record, links)
        action = {"+": "added", "~": "edited", "-": "removed"}[record.history_type]
        is_gone = record.history_type == "-" or record.current_slug is None
        is_added = action == "added"
        changes.append(
            Change(
                tracked=tracked,
                history_id=history_id,
                date=record.history_date,
                action=action,
                title=tracked.title(record),
                url=""
                if is_gone
                else tracked.url(
                    record.current_slug, getattr(record, "parent_slug", "")
                ),
                is_loaded=record.history_change_reason in LOADER_REASONS,
                fields=fields,
                has_previous=previous is not None,
                reason=record.history_change_reason or "",
                record_id=record.id,
                subject=tracked.subject(record) if tracked.subject else "",
                noun=tracked.noun(record) if tracked.noun else "",
                subject_url=tracked.subject_url(record) if tracked.subject_url else "",
                happened_on=tracked.happened_on(record)
                if is_added and tracked.happened_on
                else None,
                description=tracked.describe(record)
                if is_added and tracked.describe
                else "",
                event=tracked.event(record) if is_added and tracked.event else "",
                sentence=tracked.sentence(record)
                if is_added and tracked.sentence
                else "",
            )
        )
    return changes


def _versions(tracked, ids):
    """{history_id: historical record} of `ids` and the versions before them, each
    with `previous_id`, the record's `current_slug` and its parent's."""
    history = tracked.history.all()
    previous_id = _previous_version(history)
    previous_ids = history.filter(history_id__in=ids).annotate(previous_id=previous_id)
    current = tracked.model._default_manager.filter(pk=OuterRef("id"))
    annotations = {
        "previous_id": previous_id,
        # The record's address today, which the version may not have had.
        "current_slug": Subquery(current.values("slug")[:1]),
    }
    if tracked.parent:
        annotations["parent_slug"] = Subquery(
            current.values(f"{tracked.parent}__slug")[:1]
        )
    return {
        record.history_id: record
        for record in history.filter(
            Q(history_id__in=ids) | Q(history_id__in=previous_ids.values("previous_id"))
        )
        .annotate(**annotations)
        .select_related(*tracked.related)
    }


def _links(tracked, records):
    """history_id -> many-to-many field -> {linked pk: label}, for `records`: one
    query per field (simple-history's diff_against() would cost two per change)."""
    links = defaultdict(lambda: defaultdict(dict))
    for name in tracked.m2m_fields:
        model_field = tracked.model._meta.get_field(name)
        target = get_m2m_reverse_field_name(model_field)
        rows = (
            getattr(tracked.history.model, name)
            .model._default_manager.filter(history_id__in=list(records))
            .select_related(target)
        )
        for row in rows:
            linked = getattr(row, target)
            pk = getattr(row, f"{target}_id")
            links[row.history_id][name][pk] = (
                str(linked) if linked else "a record since removed"
            )
    return links


def _diff(tracked, previous, record, links):
    # diff_against() leaves out fields that are not editable (derived ones, such
    # as a recommendation's position): those are compared here.
    meta = tracked.model._meta
    editable = [name for name in tracked.plain_fields if meta.get_field(name).editable]
    delta = record.diff_against(
        previous, included_fields=editable, foreign_keys_are_objs=True
    )
    changed = {change.field: (change.old, change.new) for change in delta.changes}
    for name in set(tracked.plain_fields) - set(editable):
        old, new = getattr(previous, name), getattr(record, name)
        if old != new:
            changed[name] = (old, new)
    fields = []
    for name in tracked.fields:
        if name in changed:
            old, new = changed[name]
            fields.append(
                FieldChange(
                    tracked.field_label(name),
                    old=display_value(tracked, name, old),
                    new=display_value(tracked, name, new),
                    name=name,
                )
            )
        elif name in tracked.m2m_fields:
            old = links[previous.history_id][name]
            new = links[record.history_id][name]
            if old.keys() != new.keys():
                fields.append(
                    FieldChange(
                        tracked.field_label(name),
                        added=sorted(new[pk] for pk in new.keys() - old.keys()),
                        removed=sorted(old[pk] for pk in old.keys() - new.keys()),
                        name=name,
                    )
                )
    return fields


def load_changes(keys, registry):
    """The Changes for `keys`, (kind, history_id) pairs, in their order; `registry`
    maps each kind to its Tracked."""
    ids_by_kind = defaultdict(list)
    for kind, history_id in keys:
        ids_by_kind[kind].append(history_id)
    loaded = {}
    for kind, ids in ids_by_kind.items():
        for change in _load_kind(registry[kind], ids):
            loaded[kind, change.history_id] = change
    return [loaded[key] for key in keys]


def change_keys(trackeds, since=None, until=None, scope=None):
    """Every change to the `trackeds` kinds between two datetimes, newest first, as
    dicts of history_date, record_type (a kind) and history_id: one UNION ALL query, to slice.

    `scope` narrows some kinds, {kind: Q on its historical records}. The first load
    of the data into an empty database is not a change: it is left out, but for
    kinds whose records are events (Tracked.first_load_is_news)."""
    parts = []
    for tracked in trackeds:
        history = tracked.history.all()
        if not tracked.first_load_is_news:
            history = history.exclude(history_change_reason=FIRST_LOAD)
        if since is not None:
            history = history.filter(history_date__gte=since)
        if until is not None:
            history = history.filter(history_date__lt=until)
        if scope and tracked.kind in scope:
            history = history.filter(scope[tracked.kind])
        parts.append(
            history.annotate(record_type=Value(tracked.kind, output_field=CharField()))
            .values("history_date", "record_type", "history_id")
            .order_by()
        )
    first, *rest = parts
    keys = first.union(*rest, all=True) if rest else first
    return keys.order_by("-history_date", "record_type", "-history_id")


def day_start(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
