"""How the portal tracks the recommendations: the published definition of every
position, delivery status, confidence grade and chapter basis, and the counts the
"How we track" and tracker pages show.

The definitions are the ones "How we track" publishes; every other page that shows a
grade or a position takes its wording from here, so the two never drift apart."""

from collections import Counter, defaultdict
from dataclasses import dataclass

from django import forms
from django.db.models import Count
from django.urls import reverse
from django.utils.http import urlencode

from recommendations.models import (
    ChapterBasis,
    Confidence,
    DeliveryStatus,
    Position,
    Recommendation,
    RecommendationKind,
)

POSITION_DEFINITIONS = {
    Position.ACCEPTED: (
        "The government said it accepts the recommendation as the review made it. "
        "This says nothing about whether it has been done: that is the delivery status."
    ),
    Position.ACCEPTED_IN_PRINCIPLE: (
        "The government backed the aim or the principle without committing to do it "
        "as the review proposed, or said it would test it first."
    ),
    Position.PARTIALLY_ACCEPTED: (
        "The government accepted part of the recommendation, or accepted it in a "
        "modified, reduced or differently funded form."
    ),
    Position.UNDER_CONSIDERATION: (
        "The government has not decided: it promised a fuller response, consulted, or "
        "said it would explore or review the idea."
    ),
    Position.NO_PLANS: (
        "The government said it has no current plans to do it. That is not a "
        "rejection: it has not said it will not."
    ),
    Position.REJECTED: (
        "The government said it would not take the recommendation forward, or not as "
        "the review proposed it."
    ),
    Position.NO_RESPONSE_FOUND: (
        "None of the sources we hold records a government position on it. The "
        "government may have responded somewhere we have not found."
    ),
}

DELIVERY_STATUS_DEFINITIONS = {
    DeliveryStatus.NO_INFORMATION: (
        "None of the sources we hold says what has happened since. It does not mean "
        "that nothing has."
    ),
    DeliveryStatus.NOT_STARTED: (
        "A source says the work is committed or planned but has not begun, or has been "
        "put back."
    ),
    DeliveryStatus.IN_PROGRESS: (
        "A source shows work under way: money, guidance, a consultation on standards, "
        "or a Bill before Parliament. A Bill is not yet law, so it counts as in "
        "progress, not legislated."
    ),
    DeliveryStatus.PILOTED: (
        "A source shows it being tested in some areas, in a pilot or pathfinder, "
        "before any roll-out across England."
    ),
    DeliveryStatus.LEGISLATED: (
        "A source shows it in an Act of Parliament that has received Royal Assent, or "
        "in regulations made under one."
    ),
    DeliveryStatus.DELIVERED: (
        "A source shows it done or in force, not only announced or planned."
    ),
}

CONFIDENCE_DEFINITIONS = {
    Confidence.HIGH: (
        "We have seen the report's own words for this. A source copies them word for "
        "word, or quotes them: in quotation marks, after “the report said”, or with a "
        "page number."
    ),
    Confidence.MEDIUM: (
        "A source says plainly that the final report makes it, or the review's own "
        "papers say so (the chair's open letters of 23 May 2022). We have not seen the "
        "report's own words for it."
    ),
    Confidence.LOW: (
        "We have only weaker clues: a source says the report covered the topic, or the "
        "clue is a forum post or a list copied from somewhere else."
    ),
}

CHAPTER_BASIS_DEFINITIONS = {
    ChapterBasis.STATED: (
        "A source places it in this chapter: it names the chapter, uses the chapter's "
        "heading, or gives the recommendation's number."
    ),
    ChapterBasis.INFERRED: (
        "No source says which chapter it is in; we placed it by its topic, and its page "
        "says why."
    ),
}


@dataclass(frozen=True)
class Definition:
    value: str
    label: str
    text: str


def definitions(choices, texts) -> list[Definition]:
    """Every choice of `choices`, in its order, with its published definition. A
    label's gloss after a colon ("High: the report's own words seen") is left out:
    the definition says it in full."""
    return [
        Definition(value, label.partition(":")[0], texts[value])
        for value, label in choices.choices
    ]


def list_url(**filters) -> str:
    """The recommendations list filtered by `filters` (empty values left out)."""
    query = urlencode({name: value for name, value in filters.items() if value})
    url = reverse("recommendations:recommendation_list")
    return f"{url}?{query}" if query else url


# The published rules (How we track, "Rules for positions and statuses"): which of a
# source's wordings gives which position or status. Every government update is
# entered by them, and each position or status it states needs an excerpt that
# gives it (sources/claims.py refuses one without).
POSITION_RULES = [
    (
        "The government says it accepts the recommendation, or will do it as proposed.",
        Position.ACCEPTED,
    ),
    (
        "It backs the aim or the principle, or says it will test it first, without committing to do it as proposed.",
        Position.ACCEPTED_IN_PRINCIPLE,
    ),
    (
        "It agrees to part of it, or to a smaller, changed or differently funded version.",
        Position.PARTIALLY_ACCEPTED,
    ),
    (
        "It promises to consult, to review, to explore or to respond more fully later.",
        Position.UNDER_CONSIDERATION,
    ),
    (
        "It says it has “no current plans” to do it. This is not a rejection unless it also says it will not.",
        Position.NO_PLANS,
    ),
    ("It says it will not do it, or not as the review proposed.", Position.REJECTED),
    (
        "A general remark that a policy “delivers on the review's recommendations”, naming none, gives no position.",
        None,
    ),
]
STATUS_RULES = [
    (
        "Work is announced, funded or planned, or councils are invited to apply, but nothing has begun. An invitation to apply is not a pilot.",
        DeliveryStatus.NOT_STARTED,
    ),
    (
        "Work has begun: areas are chosen and delivering, a Bill is before Parliament, or guidance is being written.",
        DeliveryStatus.IN_PROGRESS,
    ),
    (
        "A pilot or pathfinder is running in some areas. It is “piloted” once it runs, not when it is announced.",
        DeliveryStatus.PILOTED,
    ),
    (
        "The change is in law: an Act has received Royal Assent.",
        DeliveryStatus.LEGISLATED,
    ),
    ("A source says it has been done in full.", DeliveryStatus.DELIVERED),
]


@dataclass(frozen=True)
class RecommendationCount:
    """How many recommendations the report states, how many distinct ones we have
    identified, and how many of the other kinds of record we hold."""

    stated: int | None
    identified: int
    by_kind: dict

    @property
    def not_identified(self):
        if self.stated is None:
            return None
        return max(self.stated - self.identified, 0)


def recommendation_count(review, by_kind=None) -> RecommendationCount:
    """`by_kind`: {kind: number} of every record, when already counted (the
    unfiltered list's kind facet); otherwise one query counts them."""
    if by_kind is None:
        rows = Recommendation.objects.values_list("kind").annotate(n=Count("pk"))
        by_kind = rows.order_by()
    by_kind = Counter(dict(by_kind))
    return RecommendationCount(
        stated=review.stated_recommendation_count if review else None,
        identified=by_kind[RecommendationKind.RECOMMENDATION],
        by_kind={
            kind: by_kind[kind.value]
            for kind in RecommendationKind
            if by_kind[kind.value]
        },
    )


def words_for(update, field):
    """The citations of `update` (prefetched) whose excerpts give its `field`."""
    if update is None:
        return []
    return [c for c in update.citations.all() if c.supports == field]


def current_updates(updates):
    """The updates that set the current position and delivery status: the latest
    dated update on each axis, ties broken by slug, as Recommendation.refresh_tracking
    decides. `updates` are a recommendation's prefetched updates, in any order."""
    ordered = sorted(updates, key=lambda update: (update.date, update.slug))
    position = next((u for u in reversed(ordered) if u.position), None)
    status = next((u for u in reversed(ordered) if u.delivery_status), None)
    return position, status


# The tracker


@dataclass(frozen=True)
class Cell:
    count: int
    url: str
    description: str  # what the count counts, for screen readers


@dataclass(frozen=True)
class TrackerRow:
    position: Definition
    cells: list[Cell]
    total: Cell


@dataclass(frozen=True)
class Tracker:
    statuses: list[Definition]
    rows: list[TrackerRow]
    totals: list[Cell]  # one per status
    total: Cell


def tracker_table(counts: dict, chapter_slug: str = "") -> Tracker:
    """The position × delivery-status table from `counts`, {(position, status): n},
    each cell linked to the recommendations list it counts."""
    statuses = definitions(DeliveryStatus, DELIVERY_STATUS_DEFINITIONS)
    rows = [
        _tracker_row(position, statuses, counts, chapter_slug)
        for position in definitions(Position, POSITION_DEFINITIONS)
    ]
    totals = [
        Cell(
            sum(row.cells[n].count for row in rows),
            list_url(delivery_status=status.value, chapter=chapter_slug),
            f"{status.label}, any position",
        )
        for n, status in enumerate(statuses)
    ]
    return Tracker(
        statuses,
        rows,
        totals,
        Cell(
            sum(row.total.count for row in rows),
            list_url(chapter=chapter_slug),
            "All recommendations",
        ),
    )


def _tracker_row(position, statuses, counts, chapter_slug) -> TrackerRow:
    """The tracker's row of one position: a cell a status, and their total."""
    cells = [
        Cell(
            counts.get((position.value, status.value), 0),
            list_url(
                position=position.value,
                delivery_status=status.value,
                chapter=chapter_slug,
            ),
            f"{position.label}, {status.label.lower()}",
        )
        for status in statuses
    ]
    total = Cell(
        sum(cell.count for cell in cells),
        list_url(position=position.value, chapter=chapter_slug),
        f"{position.label}, any delivery status",
    )
    return TrackerRow(position, cells, total)


def tracker_counts(queryset) -> dict:
    """{(position, delivery status): count} of `queryset`, in one grouped query."""
    rows = queryset.values_list("position", "delivery_status").annotate(n=Count("pk"))
    # order_by(): Meta.ordering would otherwise join the GROUP BY.
    return {(position, status): n for position, status, n in rows.order_by()}


class TrackerForm(forms.Form):
    """The tracker's ?chapter=. Its choices come from chapters the view has already
    fetched for the page, so validating costs no query."""

    chapter = forms.ChoiceField(label="Chapter", required=False)

    def __init__(self, data, chapters):
        super().__init__(data)
        self.fields["chapter"].choices = [("", "The whole review")] + [
            (chapter.slug, str(chapter)) for chapter in chapters
        ]


# "How we track"


@dataclass(frozen=True)
class Tally:
    value: str
    label: str
    count: int
    url: str = ""  # the recommendations list it counts, where the list can filter so
    text: str = ""  # the definition, where there is one


@dataclass(frozen=True)
class ChapterTally:
    chapter: object
    total: Tally
    by_confidence: list[Tally]
    stated: int


@dataclass(frozen=True)
class Breakdown:
    total: int
    stated: int  # in a chapter a source names
    chapters: list[ChapterTally]
    confidence: list[Tally]
    chapter_basis: list[Tally]
    positions: list[Tally]
    statuses: list[Tally]


def breakdown(chapters) -> Breakdown:
    """The recommendations counted by chapter (and confidence and basis within each),
    confidence, chapter basis, position and delivery status, from one grouped query.
    `chapters` are the review's chapters, in order."""
    counts = _breakdown_counts()
    grades = definitions(Confidence, CONFIDENCE_DEFINITIONS)
    return Breakdown(
        total=sum(counts["confidence"].values()),
        stated=counts["basis"][ChapterBasis.STATED],
        chapters=[_chapter_tally(chapter, grades, counts) for chapter in chapters],
        confidence=tallies(grades, counts["confidence"], "confidence"),
        # The list has no filter by chapter basis: these counts link nowhere.
        chapter_basis=tallies(
            definitions(ChapterBasis, CHAPTER_BASIS_DEFINITIONS), counts["basis"]
        ),
        positions=tallies(
            definitions(Position, POSITION_DEFINITIONS), counts["position"], "position"
        ),
        statuses=tallies(
            definitions(DeliveryStatus, DELIVERY_STATUS_DEFINITIONS),
            counts["status"],
            "delivery_status",
        ),
    )


def _breakdown_counts():
    """A Counter for each way breakdown() counts, {"chapter": {chapter_id: n},
    "chapter_confidence": {(chapter_id, confidence): n}, ...}, from one query."""
    rows = (
        Recommendation.objects.counted()
        .values_list(
            "chapter_id", "confidence", "chapter_basis", "position", "delivery_status"
        )
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = defaultdict(Counter)
    for chapter_id, confidence, basis, position, status, n in rows:
        counts["chapter"][chapter_id] += n
        counts["chapter_confidence"][chapter_id, confidence] += n
        counts["chapter_basis"][chapter_id, basis] += n
        counts["confidence"][confidence] += n
        counts["basis"][basis] += n
        counts["position"][position] += n
        counts["status"][status] += n
    return counts


def _chapter_tally(chapter, grades, counts) -> ChapterTally:
    """A chapter's recommendations, in all and by confidence, each linked to the
    list of them, and how many are in it because a source says so."""
    return ChapterTally(
        chapter,
        Tally(
            chapter.slug,
            str(chapter),
            counts["chapter"][chapter.pk],
            list_url(chapter=chapter.slug),
        ),
        [
            Tally(
                grade.value,
                grade.label,
                counts["chapter_confidence"][chapter.pk, grade.value],
                list_url(chapter=chapter.slug, confidence=grade.value),
            )
            for grade in grades
        ],
        counts["chapter_basis"][chapter.pk, ChapterBasis.STATED],
    )


def position_tallies() -> list[Tally]:
    """How many recommendations hold each position now, in one grouped query."""
    rows = (
        Recommendation.objects.counted().values_list("position").annotate(n=Count("pk"))
    )
    counts = Counter(dict(rows.order_by()))
    return tallies(definitions(Position, POSITION_DEFINITIONS), counts, "position")


def tallies(defined, counts, filter_name="") -> list[Tally]:
    """A Tally of each Definition in `defined`, with its count from the Counter
    `counts`, linked to the list filtered by it when the list has `filter_name`."""
    return [
        Tally(
            d.value,
            d.label,
            counts[d.value],
            list_url(**{filter_name: d.value}) if filter_name else "",
            d.text,
        )
        for d in defined
    ]
