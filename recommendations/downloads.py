"""The recommendations download's columns; see review_portal/lib/downloads.py."""

from collections import namedtuple

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
from review_portal.lib.downloads import (
    Column,
    Download,
    Related,
    RowsDownload,
    model_download,
    page_column,
    related_values,
)

# A government update's values, with the names tracking.current_updates reads.
Update = namedtuple(
    "Update", ["pk", "date", "slug", "date_precision", "position", "delivery_status"]
)
UPDATES = related_values(Recommendation, "government_updates", *Update._fields)
# An update's citations (the sources app's Citation, reached through the
# relation: this app does not import sources).
UPDATE_CITATIONS = related_values(
    GovernmentUpdate, "citations", "source__url", "excerpt"
)


def _fetch_settings(pks):
    """For each recommendation, the updates that set its current position and
    delivery status, as tracking.current_updates() chooses them, each with its
    citations' (address, excerpt), or None: two queries for a chunk."""
    setting = {
        pk: tracking.current_updates([Update(*update) for update in updates])
        for pk, updates in UPDATES.fetch(pks).items()
    }
    chosen = [update.pk for pair in setting.values() for update in pair if update]
    cited = UPDATE_CITATIONS.fetch(chosen)
    return {
        pk: [update and (update, cited.get(update.pk, [])) for update in pair]
        for pk, pair in setting.items()
    }


SETTINGS = Related("current_updates", _fetch_settings)


def _setting(row, axis):
    """(the update, its citations) that set the current position (axis 0) or
    delivery status (1); None if no update set it."""
    return (row[SETTINGS.name] or (None, None))[axis]


def _update_date(axis):
    def value(row, _):
        setting = _setting(row, axis)
        return setting[0].date.isoformat() if setting else None

    return value


def _update_precision(axis):
    def value(row, _):
        setting = _setting(row, axis)
        return setting[0].date_precision if setting else None

    return value


def _update_sources(axis):
    def value(row, _):
        setting = _setting(row, axis)
        return [url for url, _ in setting[1] if url] if setting else None

    return value


def _update_excerpts(axis):
    def value(row, _):
        setting = _setting(row, axis)
        if setting is None:
            return None
        return "\n\n".join(excerpt for _, excerpt in setting[1]) or None

    return value


CITATIONS = related_values(Recommendation, "citations", "source__slug")
MISSIONS = related_values(Recommendation, "missions", "slug")
PARTS = related_values(Recommendation, "parts", "slug")

RECOMMENDATIONS = Download(
    name="recommendations",
    title="Recommendations",
    description="One row for each recommendation in the list, with the same filters.",
    model=Recommendation,
    # Prose kept to the page: the file's columns are a public interface, so adding
    # them waits for a change of the interface's own.
    leaves_out=("chapter_note", "note"),
    columns=[
        Column("slug", "The recommendation's permanent identifier on this portal.", "slug"),
        Column("number", "The report's own number for it, where a source gives one (e.g. 5.2); otherwise empty.", "number"),
        Column("title", "A short title, in our own words.", "title"),
        Column("summary", "What it asks for, in our own words.", "summary"),
        Column("chapter_number", "The number of the report's chapter it sits in.", "chapter__number", "number", field="chapter"),
        Column("chapter_title", "That chapter's title, as the report's contents page has it.", "chapter__title", field="chapter"),
        Column("chapter_basis", "stated: a source places it in this chapter; inferred: we placed it there from its topic.", "chapter_basis"),
        Column("missions", "The slugs of the review's missions it serves.", MISSIONS, "list"),
        Column("addressed_to", "Who must act, as the sources say; empty if they do not.", "addressed_to"),
        Column("confidence", "How sure we are that the report makes it: " + "; ".join(label[0].lower() + label[1:] for label in Confidence.labels) + ".", "confidence"),
        Column("is_headline", "true if a source lists it among the review's main recommendations.", "is_headline", "boolean"),
        Column("response_count", "How many stakeholder responses on this portal speak to it.", "response_count", "number"),
        page_column(Recommendation, "Its page on this portal."),
        Column("sources", "The slugs of the sources cited for it (each has a page at /sources/<slug>/).", lambda r, _: sorted(set(r[CITATIONS.name])), "list", reads=(CITATIONS,)),
        Column("position", "The government's latest stated position on it: " + ", ".join(Position.values) + ".", "position"),
        Column("delivery_status", "Where delivery stood at the latest update: " + ", ".join(DeliveryStatus.values) + ".", "delivery_status"),
        Column("position_date", "The date (YYYY-MM-DD) of the government update that set the position; null (empty) if none has.", _update_date(0), "date", "position", (SETTINGS,)),
        Column("position_date_precision", "How precise that date is: day, month or year (a month's or year's date is its first day); null if no update.", _update_precision(0), field="position", reads=(SETTINGS,)),
        Column("position_sources", "The addresses of the sources cited for that update.", _update_sources(0), "list", "position", (SETTINGS,)),
        Column("position_excerpts", "Their words, exactly as the sources have them, one excerpt per paragraph.", _update_excerpts(0), field="position", reads=(SETTINGS,)),
        Column("delivery_status_date", "The date of the update that set the delivery status; null (empty) if none has.", _update_date(1), "date", "delivery_status", (SETTINGS,)),
        Column("delivery_status_date_precision", "How precise that date is: day, month or year; null if no update.", _update_precision(1), field="delivery_status", reads=(SETTINGS,)),
        Column("delivery_status_sources", "The addresses of the sources cited for that update.", _update_sources(1), "list", "delivery_status", (SETTINGS,)),
        Column("delivery_status_excerpts", "Their words, exactly as the sources have them, one excerpt per paragraph.", _update_excerpts(1), field="delivery_status", reads=(SETTINGS,)),
        # Added by issue 10's public fields.
        Column("kind", "What sort of record it is: recommendation (one specific ask), umbrella (it groups others, its parts), topic (the report addresses it; no specific ask is known) or conclusion (the report's overall conclusion). Only recommendations unless ?kind= asks for the others.", "kind"),
        Column("parts", "For an umbrella, the slugs of the recommendations it groups.", PARTS, "list"),
        Column("inference", "Our own inference or arithmetic about it, which no source states; empty if none.", "inference"),
    ],
)  # fmt: skip


# The other lists. Their citations are `citations` (a reverse relation of the
# sources app's Citation, read without importing it).


def cited(model):
    """The columns of a record's citations: each (source slug, address, excerpt)
    fetched once per chunk."""
    citations = related_values(
        model, "citations", "source__slug", "source__url", "excerpt"
    )

    def read(function):
        return lambda row, _: function(row[citations.name])

    return [
        Column(
            "sources",
            "The slugs of the sources cited for it (each has a page at /sources/<slug>/).",
            read(lambda cites: sorted({slug for slug, _, _ in cites})),
            "list",
            reads=(citations,),
        ),
        Column(
            "source_addresses",
            "The addresses of those sources, where known.",
            read(lambda cites: [url for _, url, _ in cites if url]),
            "list",
            reads=(citations,),
        ),
        Column(
            "excerpts",
            "The sources' words, exactly as they have them, one excerpt per paragraph.",
            read(lambda cites: "\n\n".join(excerpt for _, _, excerpt in cites) or None),
            reads=(citations,),
        ),
    ]


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
            "recommendation__title",
            field="recommendation",
        ),
        *cited(GovernmentUpdate),
    ],
    page=("recommendation__slug", "slug"),
)
KEY_FIGURES = model_download(
    "key-figures",
    "Key figures",
    "One row for each figure a source states about the system or the review.",
    KeyFigure,
    extra=cited(KeyFigure),
)
TIMELINE = model_download(
    "timeline",
    "Timeline",
    "One row for each event in the review's timeline.",
    TimelineEvent,
    extra=cited(TimelineEvent),
)
DISCREPANCIES = model_download(
    "discrepancies",
    "Where sources disagree",
    "One row for each fact sources disagree about; the sides are the excerpts.",
    Discrepancy,
    extra=cited(Discrepancy),
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
