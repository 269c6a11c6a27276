"""Atom feeds of the change log: the whole portal's, and a filtered recommendations
list's (the recommendations matching its filters, with their government updates,
citations, key figures, discrepancies and the responses to them)."""

from dataclasses import dataclass

from django.contrib.syndication.views import Feed
from django.db.models import Q
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape

from recommendations.filters import RecommendationFilter
from recommendations.models import Recommendation
from review_portal.changes import TRACKED_BY_KIND, ChangeFilterForm, page_of_changes
from review_portal.lib.history import Change, change_keys
from review_portal.lib.lists import applied, applied_query, bind

FEED_SIZE = 50
# Longer values are cut in a feed entry; the record's history page has them whole.
VALUE_LENGTH = 300


@dataclass(frozen=True)
class Entry:
    change: Change
    link: str  # the record's page, or the change log for a removed record
    guid: str  # absolute and unique to this change


@dataclass(frozen=True)
class FeedPage:
    title: str
    link: str
    feed_url: str
    entries: list[Entry]


def _cut(text):
    return text if len(text) <= VALUE_LENGTH else text[: VALUE_LENGTH - 1] + "…"


def entry_html(change):
    """The entry's summary, as HTML: what changed, old → new, and by whom."""
    lines = [escape(change.summary) + "."]
    for field in change.fields:
        if field.is_many:
            parts = []
            if field.added:
                parts.append("added " + "; ".join(field.added))
            if field.removed:
                parts.append("removed " + "; ".join(field.removed))
            lines.append(escape(f"{field.label}: {', '.join(parts)}."))
        else:
            old, new = _cut(field.old) or "(empty)", _cut(field.new) or "(empty)"
            lines.append(escape(f"{field.label}: {old} → {new}"))
    lines.append(escape(change.who) + ".")
    return "".join(f"<p>{line}</p>" for line in lines)


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
            keys=change_keys(**form.selection()),
        )

    def page(self, request, *, title, link, keys):
        change_log = request.build_absolute_uri(reverse("change_list"))
        entries = [
            Entry(
                change,
                link=change.url or f"{change_log}#{change.anchor}",
                guid=f"{change_log}#{change.anchor}",
            )
            for change in page_of_changes(keys, FEED_SIZE)
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
        return item.change.summary

    def item_description(self, item):
        return entry_html(item.change)

    def item_link(self, item):
        return item.link

    def item_guid(self, item):
        return item.guid

    def item_pubdate(self, item):
        return item.change.date

    def item_updateddate(self, item):
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
    "stakeholderresponse": None,  # many-to-many: see recommendation_scope()
}


def recommendation_scope(recommendations):
    """{kind: Q} narrowing each kind's history to what concerns `recommendations`,
    a queryset of them, or to anything about a recommendation if it is None.

    Historical records keep the foreign keys they had; responses are matched on
    the recommendations they speak to now."""
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
        )

    def subtitle(self, obj):
        return (
            "Recommendations of the Independent Review of Children's Social Care "
            "added, edited and removed on the Review Portal, with their government "
            "updates, quotations, key figures, discrepancies and responses."
        )
