"""The recommendations download's columns; see review_portal/lib/downloads.py."""

from recommendations import tracking
from recommendations.models import (
    Confidence,
    DeliveryStatus,
    Discrepancy,
    GovernmentUpdate,
    KeyFigure,
    Position,
    Recommendation,
    TimelineEvent,
)
from review_portal.lib.downloads import Column, Download, RowsDownload, model_download


def _absolute(request, url):
    return request.build_absolute_uri(url)


def _setting(recommendation, axis):
    """The update that set the current position (axis 0) or delivery status (1),
    from the prefetched updates; None if no update set it."""
    cache = recommendation.__dict__.setdefault("_current_updates", None)
    if cache is None:
        cache = tracking.current_updates(recommendation.government_updates.all())
        recommendation.__dict__["_current_updates"] = cache
    return cache[axis]


def _update_date(axis):
    def value(recommendation, _):
        update = _setting(recommendation, axis)
        return update.date.isoformat() if update else None

    return value


def _update_precision(axis):
    def value(recommendation, _):
        update = _setting(recommendation, axis)
        return update.date_precision if update else None

    return value


def _update_sources(axis):
    def value(recommendation, _):
        update = _setting(recommendation, axis)
        if update is None:
            return None
        return [c.source.url for c in update.citations.all() if c.source.url]

    return value


def _update_excerpts(axis):
    def value(recommendation, _):
        update = _setting(recommendation, axis)
        if update is None:
            return None
        return "\n\n".join(c.excerpt for c in update.citations.all()) or None

    return value


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
        Column("position_date", "The date (YYYY-MM-DD) of the government update that set the position; null (empty) if none has.", _update_date(0), "date", field="position"),
        Column("position_date_precision", "How precise that date is: day, month or year (a month's or year's date is its first day); null if no update.", _update_precision(0), field="position"),
        Column("position_sources", "The addresses of the sources cited for that update.", _update_sources(0), "list", field="position"),
        Column("position_excerpts", "Their words, exactly as the sources have them, one excerpt per paragraph.", _update_excerpts(0), field="position"),
        Column("delivery_status_date", "The date of the update that set the delivery status; null (empty) if none has.", _update_date(1), "date", field="delivery_status"),
        Column("delivery_status_date_precision", "How precise that date is: day, month or year; null if no update.", _update_precision(1), field="delivery_status"),
        Column("delivery_status_sources", "The addresses of the sources cited for that update.", _update_sources(1), "list", field="delivery_status"),
        Column("delivery_status_excerpts", "Their words, exactly as the sources have them, one excerpt per paragraph.", _update_excerpts(1), field="delivery_status"),
        # Added by issue 10's public fields.
        Column("kind", "What sort of record it is: recommendation (one specific ask), umbrella (it groups others, its parts), topic (the report addresses it; no specific ask is known) or conclusion (the report's overall conclusion). Only recommendations unless ?kind= asks for the others.", lambda r, _: r.kind),
        Column("parts", "For an umbrella, the slugs of the recommendations it groups.", lambda r, _: [p.slug for p in r.parts.all()], "list"),
        Column("inference", "Our own inference or arithmetic about it, which no source states; empty if none.", lambda r, _: r.inference),
    ],
)  # fmt: skip


# The other lists. Their citations are `citations` (a reverse relation of the
# sources app's Citation, read without importing it).


def _citation_sources(record, _):
    return sorted({c.source.slug for c in record.citations.all()})


def _citation_addresses(record, _):
    return [c.source.url for c in record.citations.all() if c.source.url]


def _citation_excerpts(record, _):
    return "\n\n".join(c.excerpt for c in record.citations.all()) or None


CITED = [
    Column(
        "sources",
        "The slugs of the sources cited for it (each has a page at /sources/<slug>/).",
        _citation_sources,
        "list",
    ),
    Column(
        "source_addresses",
        "The addresses of those sources, where known.",
        _citation_addresses,
        "list",
    ),
    Column(
        "excerpts",
        "The sources' words, exactly as they have them, one excerpt per paragraph.",
        _citation_excerpts,
    ),
]


def _recommendation_title(record, _):
    return record.recommendation.title if record.recommendation_id else None


GOVERNMENT_UPDATES = model_download(
    "government-updates",
    "Government updates",
    "One row for each dated update: what the government said or did about a "
    "recommendation, its position and delivery status then, and the source's words.",
    GovernmentUpdate,
    extra=[
        Column(
            "recommendation_title",
            "That recommendation's title.",
            _recommendation_title,
            field="recommendation",
        ),
        *CITED,
    ],
)
KEY_FIGURES = model_download(
    "key-figures",
    "Key figures",
    "One row for each figure a source states about the system or the review.",
    KeyFigure,
    extra=CITED,
)
TIMELINE = model_download(
    "timeline",
    "Timeline",
    "One row for each event in the review's timeline.",
    TimelineEvent,
    extra=CITED,
)
DISCREPANCIES = model_download(
    "discrepancies",
    "Where sources disagree",
    "One row for each fact sources disagree about; the sides are the excerpts.",
    Discrepancy,
    extra=CITED,
)


def _status_count(n):
    return lambda row, _: row.cells[n].count


TRACKER = RowsDownload(
    name="tracker",
    title="Tracker",
    description="The tracker's table: one row for each government position, a "
    "column for each delivery status, each cell the number of recommendations "
    "with both; ?chapter=<slug> counts one chapter's, as the page does.",
    columns=[
        Column("position", "The government's position: " + ", ".join(Position.values) + ".", lambda row, _: row.position.value),
        Column("position_label", "Its name, as the tracker shows it.", lambda row, _: str(row.position.label)),
        *[
            Column(status, f"How many recommendations with that position have the delivery status {status}.", _status_count(n), "number")
            for n, status in enumerate(DeliveryStatus.values)
        ],
        Column("total", "How many recommendations have that position, whatever their delivery status.", lambda row, _: row.total.count, "number"),
    ],
)  # fmt: skip
