"""Atom feeds of the change log: the whole portal's, and a filtered recommendations
list's (the recommendations matching its filters, with their government updates,
quotations, promised dates, key figures, discrepancies and the responses to them).

Each entry is titled in plain words with what it is about first ("Family Help:
new government update (12 March 2024)"), links to the recommendation where it
concerns one, and carries two dates: `published`, when it happened (a government
update's or a response's own date, where it has one), and `updated`, when the
portal recorded it. Feeds are paged as RFC 5005 says (`?page=N`, 50 entries a page,
links to the first, previous, next and last pages); their `alternate` link is the
change log, /changes/, with the same filters."""

import datetime
import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.syndication.views import Feed
from django.core.paginator import Paginator
from django.http import HttpResponseNotFound
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape

from review_portal.changes import name_responses, select_changes, shown_changes
from review_portal.lib.history import Change
from review_portal.lib.lists import quoted
from sources.models import Citation

FEED_SIZE = 50
# Longer values are cut in a feed entry; the record's history page has them whole.
VALUE_LENGTH = 300
# A page number as the feed writes it: no sign, no leading zero, and short enough
# that int() never sees thousands of digits.
PAGE_NUMBER = re.compile(r"[1-9][0-9]{0,8}")


class PagedAtom1Feed(Atom1Feed):
    """Atom with the feed-level links of RFC 5005's paged feeds: first, previous,
    next and last (each present where there is such a page)."""

    def add_root_elements(self, handler):
        super().add_root_elements(handler)
        for rel, href in self.feed["paging"].items():
            handler.addQuickElement("link", "", {"rel": rel, "href": href})


class NoSuchPage(Exception):
    """A page number the feed does not have: answered 404, with why, in words."""


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
    link: str  # the change log, with the same filters
    feed_url: str  # this page
    guid: str  # the feed's first page, the same on every page
    paging: dict[str, str]
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


def page_number(value, paginator, first_page):
    """The page `value` names, or NoSuchPage saying why not."""
    if value in (None, "", "1"):
        return 1
    count = paginator.num_pages
    pages = f"{count} page" + ("" if count == 1 else "s")
    if PAGE_NUMBER.fullmatch(value) and int(value) <= count:
        return int(value)
    raise NoSuchPage(
        f"This feed has no page “{quoted(value)}”. It has {pages}, numbered from 1; "
        f"the first is {first_page}\n"
    )


def paging_links(page, address):
    """The addresses of the first, previous, next and last pages (RFC 5005), from
    `address`, a function from a page number to its address."""
    paging = {"first": address(1)}
    if page.has_previous():
        paging["previous"] = address(page.previous_page_number())
    if page.has_next():
        paging["next"] = address(page.next_page_number())
    paging["last"] = address(page.paginator.num_pages)
    return paging


def feed_entries(request, changes):
    """An Entry for each change, linked to its subject's or its record's page (else
    to its line in the change log), a government update's with its sources."""
    sources = update_sources(changes)
    change_log = request.build_absolute_uri(reverse("change_list"))
    return [
        Entry(
            change,
            link=change.subject_url or change.url or f"{change_log}#{change.anchor}",
            guid=f"{change_log}#{change.anchor}",
            sources=sources.get(change.record_id, [])
            if change.tracked.kind == "governmentupdate"
            else [],
        )
        for change in changes
    ]


def at_midnight(day):
    # A date as Atom's date-time: the day's start, UTC, as load_review dates rows.
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=datetime.UTC)


class ChangeFeed(Feed):
    """/changes/feed/: the newest changes to every public record. Takes the change
    log's filters (type, since, until), and the recommendations list's (then only
    the changes that concern the matching recommendations); a bad value is left out,
    a bad page number is a 404."""

    feed_type = PagedAtom1Feed
    author_name = "The Review Portal"
    url_name = "change_feed"
    recommendations_only = False

    def __call__(self, request, *args, **kwargs):
        try:
            return super().__call__(request, *args, **kwargs)
        except NoSuchPage as problem:
            return HttpResponseNotFound(
                str(problem), content_type="text/plain; charset=utf-8"
            )

    def get_object(self, request):
        selection = select_changes(
            request.GET,
            recommendations_only=self.recommendations_only,
            fold_quotations=True,
        )
        address = self.page_address(request, selection.query)
        paginator = Paginator(selection.keys, FEED_SIZE)
        page = paginator.page(
            page_number(request.GET.get("page"), paginator, address(1))
        )
        paging = paging_links(page, address)
        changes = name_responses(
            shown_changes(page.object_list), selection.recommendations
        )
        query = selection.query.urlencode()
        return FeedPage(
            title=self.feed_title(selection),
            link=reverse("change_list") + (f"?{query}" if query else ""),
            feed_url=address(page.number),
            guid=address(1),
            paging=paging,
            entries=feed_entries(request, changes),
        )

    def page_address(self, request, query):
        """A function from a page number to the absolute address of that page of
        this feed, with the filters in `query`."""
        base = reverse(self.url_name)

        def address(number):
            paged = query.copy()
            if number > 1:
                paged["page"] = str(number)
            return request.build_absolute_uri(
                base + (f"?{paged.urlencode()}" if paged else "")
            )

        return address

    def feed_title(self, selection):
        values = selection.recommendation_filters
        if not values and not self.recommendations_only:
            return "What's changed on the Review Portal"
        title = "Changes to the Review Portal's recommendations"
        if values:
            title += (
                " (" + "; ".join(f"{v.filter_label}: {v.label}" for v in values) + ")"
            )
        return title

    def feed_extra_kwargs(self, obj):
        return {"paging": obj.paging}

    def title(self, obj):
        return obj.title

    def link(self, obj):
        return obj.link

    def feed_url(self, obj):
        return obj.feed_url

    def feed_guid(self, obj):
        return obj.guid

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


class RecommendationChangeFeed(ChangeFeed):
    """/recommendations/feed/?<the list's filters>: changes to the recommendations
    the list shows. Without filters it also has the removed recommendations, which
    no filter can match."""

    url_name = "recommendation_feed"
    recommendations_only = True

    def subtitle(self, obj):
        return (
            "Recommendations of the Independent Review of Children's Social Care "
            "added, edited and removed on the Review Portal, with their government "
            "updates, promised dates, quotations, key figures, discrepancies and "
            "responses."
        )
