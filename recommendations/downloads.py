"""The recommendations download's columns; see review_portal/lib/downloads.py."""

from recommendations.models import Confidence, DeliveryStatus, Position, Recommendation
from review_portal.lib.downloads import Column, Download


def _absolute(request, url):
    return request.build_absolute_uri(url)


def _cited_sources(recommendation):
    return sorted({c.source.slug for c in recommendation.citations.all()})


RECOMMENDATIONS = Download(
    name="recommendations",
    title="Recommendations",
    description="One row for each recommendation in the list, with the same filters.",
    model=Recommendation,
    # Prose kept to the page: the file's columns are a public interface, so adding
    # them waits for a change of the interface's own.
    leaves_out=("chapter_note", "note"),
    columns=[
        Column("slug", "The recommendation's permanent identifier on this portal.", lambda r, _: r.slug),
        Column("number", "The report's own number for it, where a source gives one (e.g. 5.2); otherwise empty.", lambda r, _: r.number),
        Column("title", "A short title, in our own words.", lambda r, _: r.title),
        Column("summary", "What it asks for, in our own words.", lambda r, _: r.summary),
        Column("chapter_number", "The number of the report's chapter it sits in.", lambda r, _: r.chapter.number, "number", field="chapter"),
        Column("chapter_title", "That chapter's title, as the report's contents page has it.", lambda r, _: r.chapter.title, field="chapter"),
        Column("chapter_basis", "stated: a source places it in this chapter; inferred: we placed it there from its topic.", lambda r, _: r.chapter_basis),
        Column("missions", "The slugs of the review's missions it serves.", lambda r, _: [m.slug for m in r.missions.all()], "list"),
        Column("addressed_to", "Who must act, as the sources say; empty if they do not.", lambda r, _: r.addressed_to),
        Column("confidence", "How sure we are that the report makes it: " + "; ".join(label[0].lower() + label[1:] for label in Confidence.labels) + ".", lambda r, _: r.confidence),
        Column("is_headline", "true if a source lists it among the review's main recommendations.", lambda r, _: r.is_headline, "boolean"),
        Column("response_count", "How many stakeholder responses on this portal speak to it.", lambda r, _: r.response_count, "number"),
        Column("url", "Its page on this portal.", lambda r, request: _absolute(request, r.get_absolute_url())),
        Column("sources", "The slugs of the sources cited for it (each has a page at /sources/<slug>/).", lambda r, _: _cited_sources(r), "list"),
        Column("position", "The government's latest stated position on it: " + ", ".join(Position.values) + ".", lambda r, _: r.position),
        Column("delivery_status", "Where delivery stood at the latest update: " + ", ".join(DeliveryStatus.values) + ".", lambda r, _: r.delivery_status),
    ],
)  # fmt: skip
