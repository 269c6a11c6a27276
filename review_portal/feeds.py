"""Atom feeds of the change log: the whole portal's, and a filtered recommendations
list's (the recommendations matching its filters, with their government updates,
quotations, promised dates, key figures, discrepancies and the responses to them).

Each entry is titled in plain words with what it is about first ("Family Help:
new government update (12 March 2024)"), links to the recommendation where it
concerns one, and carries two dates: `published`, when it happened (a government
update's or a response's own date, where it has one), and `updated`, when the
portal recorded it."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.syndication.views import Feed
from django.db.models import Q
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape

from recommendations.filters import RecommendationFilter
from recommendations.models import Recommendation
from review_portal.changes import (
    TRACKED_BY_KIND,
    ChangeFilterForm,
    name_responses,
    page_of_changes,
)
from review_portal.lib.history import Change, change_keys
from review_portal.lib.lists import applied, applied_query, bind
from sources.models import Citation

FEED_SIZE = 50
# Longer values are cut in a feed entry; the record's history page has them whole.
VALUE_LENGTH = 300


@dataclass(frozen=True)
class Entry:
    change: Change
    link: str  # the recommendation's (or record's) page, or the change log
    guid: str  # absolute and unique to this change
    # A government update's quotations: (publisher, excerpt).
    sources: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class FeedPage:
    title: str
    link: str
    feed_url: str
    entries: list[Entry]


def _cut(text):
    return text if len(text) <= VALUE_LENGTH else text[: VALUE_LENGTH - 1] + "…"


def entry_html(change, sources=()):
    """The entry's content, as HTML: what happened (with its date and source where
    it is a position or status change), what an added record says, what an edit
    changed (old → new), a government update's sources, and who recorded it."""
    lines = []
    if change.event:
        lines.append(change.event + ".")
    if change.description:
        lines.append(_cut(change.description))
    if not change.event:
        for field_change in change.fields:
            if field_change.is_many:
                parts = []
                if field_change.added:
                    parts.append("added " + "; ".join(field_change.added))
                if field_change.removed:
                    parts.append("removed " + "; ".join(field_change.removed))
                lines.append(f"{field_change.label}: {', '.join(parts)}.")
            else:
                old = _cut(field_change.old) or "(empty)"
                new = _cut(field_change.new) or "(empty)"
                lines.append(f"{field_change.label}: {old} → {new}")
    for publisher, excerpt in sources:
        lines.append(f"Source: {publisher}: “{_cut(excerpt)}”")
    lines.append(change.who + ".")
    return "".join(f"<p>{escape(line)}</p>" for line in lines)


def update_sources(changes):
    """{government update id: [(publisher, excerpt)]} for the updates among
    `changes`: their quotations now. One query, if there is any update."""
    ids = {c.record_id for c in changes if c.tracked.kind == "governmentupdate"}
    sources = defaultdict(list)
    if ids:
        for citation in Citation.objects.with_source().filter(
            government_update_id__in=ids
        ):
            source = citation.source
            sources[citation.government_update_id].append(
                (source.publisher or source.title, citation.excerpt)
            )
    return sources


def at_midnight(day):
    # A date as Atom's date-time: the day's start, UTC, as load_review dates rows.
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=datetime.UTC)


class ChangeFeed(Feed):
    """/changes/feed/: the newest changes to every public record. Takes the change
    log's filters (type, since, until); a bad value is left out."""

    feed_type = Atom1Feed
    author_name = "The Review Portal"

    def get_object(self, request):
        form = ChangeFilterForm(request.GET)
        form.is_valid()
        query = form.applied_query()
        return self.page(
            request,
            title="What's changed on the Review Portal",
            link=reverse("change_list") + (f"?{query.urlencode()}" if query else ""),
            # A quotation behind a government update is part of the update's
            # entry, which names its source.
            keys=change_keys(
                **form.selection(),
                scope={"citation": Q(government_update__isnull=True)},
            ),
        )

    def page(self, request, *, title, link, keys, recommendations=None):
        change_log = request.build_absolute_uri(reverse("change_list"))
        changes = name_responses(page_of_changes(keys, FEED_SIZE), recommendations)
        sources = update_sources(changes)
        entries = [
            Entry(
                change,
                link=change.subject_url
                or change.url
                or f"{change_log}#{change.anchor}",
                guid=f"{change_log}#{change.anchor}",
                sources=sources.get(change.record_id, [])
                if change.tracked.kind == "governmentupdate"
                else [],
            )
            for change in changes
        ]
        return FeedPage(title, link, request.get_full_path(), entries)

    def title(self, obj):
        return obj.title

    def link(self, obj):
        return obj.link

    def feed_url(self, obj):
        return obj.feed_url

    def subtitle(self, obj):
        return (
            "Records added, edited and removed on the Review Portal, a guide to the "
            "Independent Review of Children's Social Care."
        )

    def items(self, obj):
        return obj.entries

    def item_title(self, item):
        return item.change.headline

    def item_description(self, item):
        return entry_html(item.change, item.sources)

    def item_link(self, item):
        return item.link

    def item_guid(self, item):
        return item.guid

    def item_pubdate(self, item):
        # When it happened: the record's own date where it has one.
        happened_on = item.change.happened_on
        return at_midnight(happened_on) if happened_on else item.change.date

    def item_updateddate(self, item):
        # When the portal recorded it.
        return item.change.date

    def item_author_name(self, item):
        return item.change.who

    def item_categories(self, item):
        return [item.change.tracked.label]


# The kinds a recommendations feed follows, and how each is tied to recommendations.
RECOMMENDATION_KINDS = {
    "recommendation": "id",
    "governmentupdate": "recommendation_id",
    "citation": "recommendation_id",
    "keyfigure": "recommendation_id",
    "discrepancy": "recommendation_id",
    "commitment": "recommendation_id",
    "stakeholderresponse": None,  # many-to-many: see recommendation_scope()
}


def recommendation_scope(recommendations):
    """{kind: Q} narrowing each kind's history to what concerns `recommendations`,
    a queryset of them, or to anything about a recommendation if it is None.

    Historical records keep the foreign keys they had; responses are matched on
    the recommendations they speak to now. A quotation behind a government update
    is not matched: it is part of that update, whose entry names its source."""
    scope = {}
    for kind, column in RECOMMENDATION_KINDS.items():
        if kind == "recommendation":
            scope[kind] = Q() if recommendations is None else Q(id__in=recommendations)
        elif kind == "stakeholderresponse":
            links = Recommendation.responses.through.objects.all()
            if recommendations is not None:
                links = links.filter(recommendation__in=recommendations)
            scope[kind] = Q(id__in=links.values("stakeholderresponse_id"))
        elif recommendations is None:
            scope[kind] = Q(**{f"{column}__isnull": False})
        else:
            scope[kind] = Q(**{f"{column}__in": recommendations})
    return scope


class RecommendationChangeFeed(ChangeFeed):
    """/recommendations/feed/?<the list's filters>: changes to the recommendations
    the list shows. Without filters it also has the removed recommendations, which
    no filter can match."""

    def get_object(self, request):
        filterset, _problems = bind(
            RecommendationFilter, request.GET, queryset=Recommendation.objects.all()
        )
        filterset.is_valid()  # bind() left out what is invalid: this is True
        values = applied(filterset)
        matching = filterset.qs.order_by().values("pk") if values else None
        query = applied_query(filterset, values)
        query.pop("sort", None)
        title = "Changes to the Review Portal's recommendations"
        if values:
            title += (
                " (" + "; ".join(f"{v.filter_label}: {v.label}" for v in values) + ")"
            )
        return self.page(
            request,
            title=title,
            link=reverse("recommendations:recommendation_list")
            + (f"?{query.urlencode()}" if query else ""),
            keys=change_keys(
                [TRACKED_BY_KIND[kind] for kind in RECOMMENDATION_KINDS],
                scope=recommendation_scope(matching),
            ),
            recommendations=matching,
        )

    def subtitle(self, obj):
        return (
            "Recommendations of the Independent Review of Children's Social Care "
            "added, edited and removed on the Review Portal, with their government "
            "updates, promised dates, quotations, key figures, discrepancies and "
            "responses."
        )
