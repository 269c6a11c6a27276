"""What's changed: the public change log, each record's history, and "Last updated".

Everything here is read from django-simple-history's tables. Only public fields are
ever shown, and never who made a change: the loader's changes are "Loaded from the
published data", everyone else's "Edited by the portal's curators".

Queries are fixed per page, whatever it shows:
- `change_keys()` is one UNION ALL of (date, kind, history_id) over the historical
  tables, so the database merges, orders and slices the page window, and the
  paginator counts it in one more query. (Fetching the newest N of each table and
  merging in Python costs a query per table per page and reads up to N rows from
  each; the UNION reads only the page.)
- `load_changes()` then reads the page's historical records, with the version
  before each (to diff against) and the related records the labels need, in one
  query per kind on the page, plus one per tracked many-to-many field of those kinds.
"""

import datetime
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django import forms
from django.core.paginator import Paginator
from django.db import models
from django.db.models import CharField, OuterRef, Q, Subquery, Value
from django.http import QueryDict
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.views.generic import DetailView
from simple_history.models import DeletedObject
from simple_history.utils import get_m2m_reverse_field_name

from recommendations.facets import Problem, get_page
from recommendations.models import (
    MARKED_REVIEWED,
    Chapter,
    Discrepancy,
    GovernmentUpdate,
    KeyFigure,
    Mission,
    Recommendation,
    TimelineEvent,
)
from sources.loading import CHANGE_REASON
from sources.models import (
    CITATION_TARGETS,
    Citation,
    Organisation,
    Publication,
    SourceDocument,
    StakeholderResponse,
)

PAGE_SIZE = 25
HISTORY_PAGE_SIZE = 50

# Field labels where the field's verbose name reads badly on its own.
LABELS = {
    "slug": "Web address",
    "url": "Link",
    "is_headline": "Headline recommendation",
    "chapter_basis": "How its chapter is known",
    "note": "What we could not confirm",
    "raw_text": "Captured text",
    "responded_on": "Date of the response",
    "is_date_approximate": "Date is approximate",
    "moment": "Responding to",
    "published_on": "Publication date",
    "value": "Number",
}


def _address(name, *args):
    # Empty while the page is not published (no URL of that name), as for a record
    # since removed: the change is listed, unlinked.
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _page(name):
    return lambda slug, parent: _address(name, slug)


def _anchor(name):
    return lambda slug, parent: _address(name) and f"{_address(name)}#{slug}"


def _anchor_in(name):
    # A record shown on its parent's page: the parent's slug, then the record's anchor.
    return lambda slug, parent: parent and f"{_address(name, parent)}#{slug}"


@dataclass(frozen=True)
class Tracked:
    """A public model whose history the portal publishes."""

    kind: str  # the type filter's value, e.g. "recommendation"
    model: type[models.Model]
    fields: tuple[str, ...]  # its public fields, in the order its page shows them
    # What the change log calls the record, from a historical record.
    title: Callable[[models.Model], str]
    # Its public address from its current slug and its parent's (see `parent`).
    url: Callable[[str, str], str]
    # The foreign key to the record whose page shows this one, if it has no page.
    parent: str = ""
    # Joined with each historical record, beyond the public foreign keys.
    extra_related: tuple[str, ...] = ()

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
        return LABELS.get(name) or capfirst(
            self.model._meta.get_field(name).verbose_name
        )


def _date(value):
    return date_format(value, "j F Y")


TRACKED = [
    Tracked(
        "recommendation",
        Recommendation,
        (
            "title",
            "summary",
            "chapter",
            "chapter_basis",
            "chapter_note",
            "missions",
            "addressed_to",
            "number",
            "is_headline",
            "confidence",
            "note",
            "slug",
        ),
        title=lambda r: r.title,
        url=_page("recommendations:recommendation_detail"),
    ),
    Tracked(
        "chapter",
        Chapter,
        ("number", "title", "summary", "slug"),
        title=lambda r: f"Chapter {r.number}: {r.title}",
        url=_page("recommendations:chapter_detail"),
    ),
    Tracked(
        "mission",
        Mission,
        ("number", "title", "summary", "slug"),
        title=lambda r: r.title,
        url=_page("recommendations:mission_detail"),
    ),
    Tracked(
        "keyfigure",
        KeyFigure,
        ("value", "qualifier", "unit", "measures", "year", "recommendation", "slug"),
        title=lambda r: r.measures,
        url=_anchor("recommendations:keyfigure_list"),
    ),
    Tracked(
        "timelineevent",
        TimelineEvent,
        ("date", "date_precision", "title", "description", "slug"),
        title=lambda r: r.title,
        url=_anchor("recommendations:timelineevent_list"),
    ),
    Tracked(
        "governmentupdate",
        GovernmentUpdate,
        (
            "recommendation",
            "date",
            "date_precision",
            "position",
            "delivery_status",
            "detail",
            "slug",
        ),
        title=lambda r: (
            f"Government update of {_date(r.date)}"
            + (f" on “{r.recommendation.title}”" if r.recommendation else "")
        ),
        url=_anchor_in("recommendations:recommendation_detail"),
        parent="recommendation",
    ),
    Tracked(
        "discrepancy",
        Discrepancy,
        ("topic", "summary", "recommendation", "slug"),
        title=lambda r: r.topic,
        url=_anchor("recommendations:discrepancy_list"),
    ),
    Tracked(
        "stakeholderresponse",
        StakeholderResponse,
        (
            "organisation",
            "person",
            "role",
            "responded_on",
            "is_date_approximate",
            "moment",
            "stance",
            "summary",
            "quotation",
            "source",
            "recommendations",
            "chapters",
            "missions",
            "slug",
        ),
        title=lambda r: (
            f"{r.organisation.name if r.organisation else 'An organisation'}"
            f" on the {r.get_moment_display().lower()}"
        ),
        url=_page("sources:stakeholderresponse_detail"),
    ),
    Tracked(
        "organisation",
        Organisation,
        ("name", "kind", "url", "description", "slug"),
        title=lambda r: r.name,
        url=_page("sources:organisation_detail"),
    ),
    Tracked(
        "sourcedocument",
        SourceDocument,
        (
            "title",
            "publisher",
            "published_on",
            "date_precision",
            "kind",
            "capture",
            "url",
            "description",
            "raw_text",
            "slug",
        ),
        title=lambda r: r.title,
        url=_page("sources:sourcedocument_detail"),
    ),
    Tracked(
        "publication",
        Publication,
        ("title", "publisher", "url", "findings", "slug"),
        title=lambda r: r.title,
        url=_anchor("sources:publication_list"),
    ),
    Tracked(
        "citation",
        Citation,
        ("source", "excerpt", *CITATION_TARGETS, "slug"),
        title=lambda r: (
            f"Quotation from “{r.source.title}”" if r.source else "Quotation"
        ),
        url=_anchor_in("sources:sourcedocument_detail"),
        parent="source",
        # The label of a government update names its recommendation.
        extra_related=("government_update__recommendation",),
    ),
]
TRACKED_BY_KIND = {tracked.kind: tracked for tracked in TRACKED}
TRACKED_BY_MODEL = {tracked.model: tracked for tracked in TRACKED}


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: str = ""
    new: str = ""
    # For many-to-many fields: the labels of the records linked and unlinked.
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

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

    @property
    def anchor(self):
        return f"change-{self.tracked.kind}-{self.history_id}"

    @property
    def who(self):
        # Never the user: the public sees only whether the loader or staff did it.
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
        what = f"{self.tracked.label} “{self.title}” {self.action}"
        return f"{what}: {self.field_labels}" if self.fields else what


def shown(tracked, name, value):
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
        return _date(value)
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
    records = {
        record.history_id: record
        for record in history.filter(
            Q(history_id__in=ids) | Q(history_id__in=previous_ids.values("previous_id"))
        )
        .annotate(**annotations)
        .select_related(*tracked.related)
    }
    # history_id -> field -> {linked pk: label}, read only if there is an edit to diff.
    links = defaultdict(lambda: defaultdict(dict))
    has_edits = any(records[i].history_type == "~" for i in ids)
    for name in tracked.m2m_fields if has_edits else []:
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

    changes = []
    for history_id in ids:
        record = records[history_id]
        previous = records.get(record.previous_id)
        fields = []
        if record.history_type == "~" and previous is not None:
            fields = _diff(tracked, previous, record, links)
        action = {"+": "added", "~": "edited", "-": "removed"}[record.history_type]
        is_gone = record.history_type == "-" or record.current_slug is None
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
                is_loaded=record.history_change_reason == CHANGE_REASON,
                fields=fields,
                has_previous=previous is not None,
            )
        )
    return changes


def _diff(tracked, previous, record, links):
    delta = record.diff_against(
        previous, included_fields=tracked.plain_fields, foreign_keys_are_objs=True
    )
    changed = {change.field: change for change in delta.changes}
    fields = []
    for name in tracked.fields:
        if name in changed:
            change = changed[name]
            fields.append(
                FieldChange(
                    tracked.field_label(name),
                    old=shown(tracked, name, change.old),
                    new=shown(tracked, name, change.new),
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
                    )
                )
    return fields


def load_changes(keys):
    """The Changes for `keys`, (kind, history_id) pairs, in their order."""
    ids_by_kind = defaultdict(list)
    for kind, history_id in keys:
        ids_by_kind[kind].append(history_id)
    loaded = {}
    for kind, ids in ids_by_kind.items():
        for change in _load_kind(TRACKED_BY_KIND[kind], ids):
            loaded[kind, change.history_id] = change
    return [loaded[key] for key in keys]


def change_keys(trackeds=TRACKED, since=None, until=None, scope=None):
    """Every change to the `trackeds` kinds between two datetimes, newest first, as
    dicts of history_date, record_type (a kind) and history_id: one UNION ALL query, to slice.

    `scope` narrows some kinds, {kind: Q on its historical records}."""
    parts = []
    for tracked in trackeds:
        history = tracked.history.all()
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


def page_of_changes(keys, size):
    """The first `size` shown Changes of the `change_keys()` queryset `keys`."""
    window = [(key["record_type"], key["history_id"]) for key in keys[:size]]
    return [change for change in load_changes(window) if change.is_shown]


def day_start(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class ChangeFilterForm(forms.Form):
    type = forms.ChoiceField(
        required=False,
        label="Type of record",
        choices=[("", "All records")]
        + [(tracked.kind, tracked.plural_label) for tracked in TRACKED],
    )
    since = forms.DateField(required=False, label="From")
    until = forms.DateField(required=False, label="To")

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", "The end date is before the start date.")
        return cleaned

    def selection(self):
        """What change_keys() needs, from the valid fields only: a bad value is left
        out (and listed by `problems()`), never an error page."""
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        kind = data.get("type")
        since, until = data.get("since"), data.get("until")
        return {
            "trackeds": [TRACKED_BY_KIND[kind]] if kind else TRACKED,
            "since": day_start(since) if since else None,
            # The whole of the last day; date.max has no next day to stop before.
            "until": day_start(until + datetime.timedelta(days=1))
            if until and until < datetime.date.max
            else None,
        }

    def problems(self):
        return [
            Problem(name, self.fields[name].label, " ".join(errors))
            for name, errors in self.errors.items()
            if name in self.fields
        ]

    def applied_query(self):
        """The query string of the valid, non-empty filters: for the feed's link."""
        query = QueryDict(mutable=True)
        for name in self.fields:
            value = (
                self.cleaned_data.get(name) if hasattr(self, "cleaned_data") else None
            )
            if value:
                query[name] = value.isoformat() if name != "type" else value
        return query


def change_list(request):
    form = ChangeFilterForm(request.GET)
    form.is_valid()
    problems = form.problems()
    paginator = Paginator(change_keys(**form.selection()), PAGE_SIZE)
    page, problem = get_page(paginator, request.GET.get("page"))
    if problem:
        problems.append(problem)
    keys = [(key["record_type"], key["history_id"]) for key in page.object_list]
    return render(
        request,
        "changes.html",
        {
            "form": form,
            "problems": problems,
            "page_obj": page,
            "page_range": paginator.get_elided_page_range(page.number),
            # A page can show fewer than PAGE_SIZE: saves that changed no public
            # field are counted by the paginator but not shown.
            "changes": [change for change in load_changes(keys) if change.is_shown],
            "applied_query": form.applied_query().urlencode(),
        },
    )


class RecordHistoryView(DetailView):
    """The versions of one public record, newest first: what changed in its public
    fields, and when. Give it the model: RecordHistoryView.as_view(model=Chapter)."""

    template_name = "history.html"

    def get_queryset(self):
        # The joins its name needs (a response is named after its organisation).
        tracked = TRACKED_BY_MODEL[self.model]
        return self.model._default_manager.select_related(*tracked.related)

    def get_context_data(self, **kwargs):
        tracked = TRACKED_BY_MODEL[self.model]
        versions = self.object.history.order_by("-history_date", "-history_id")
        paginator = Paginator(
            versions.values_list("history_id", flat=True), HISTORY_PAGE_SIZE
        )
        page, problem = get_page(paginator, self.request.GET.get("page"))
        keys = [(tracked.kind, history_id) for history_id in page.object_list]
        return super().get_context_data(
            record=self.object,
            tracked=tracked,
            changes=[change for change in load_changes(keys) if change.is_shown],
            page_obj=page,
            page_range=paginator.get_elided_page_range(page.number),
            problems=[problem] if problem else [],
            **kwargs,
        )


def with_last_updated(queryset):
    """`queryset` with each record's `last_updated`: the date of its latest version,
    a subquery of its history, so a detail page costs no extra query. Marking a record
    reviewed changes nothing the public sees, so it does not count."""
    latest = (
        queryset.model.history.filter(id=OuterRef("pk"))
        .exclude(history_change_reason=MARKED_REVIEWED)
        .order_by("-history_date")
        .values("history_date")[:1]
    )
    return queryset.annotate(last_updated=Subquery(latest))
