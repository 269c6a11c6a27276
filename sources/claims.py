"""Every claim checkable: the rules that tie what the portal says to the excerpts it cites.

The checks are pure: each takes a record and the citations that back it (anything with
`excerpt`, `supports` and `source`, the source having `published_on`, `date_precision`,
`cleaned_text` and `is_captured`) and returns a list of `Violation`s. Nothing here queries
the database except `check_database()`, which gathers every record and its citations and
runs the rules over them. The loader and the admin call these; a violation names the
model (its label), the record (its slug), the field and what is wrong.

The rules
---------

a. A government update with a position needs a citation with supports="position"; with a
   delivery status, one with supports="delivery_status".
b. A government update's date is given by a supports="date" citation, or equals, at the
   update's date precision, the `published_on` of the source of one of its citations
   (the source dated no less precisely than the update).
c. A recommendation whose chapter_basis is "stated" needs a supports="chapter" citation; one
   with a number needs a supports="number" citation whose excerpt holds that number.
d. A key figure needs a supports="value" citation whose excerpt holds its value.
e. Every number token in a record's prose (see PROSE_FIELDS; never `inference`) is among
   the number tokens of the excerpts the record cites. For a stakeholder response the
   "excerpt" is its quotation. A government update may also repeat its own date once
   rule b backs that date.
f. A person named in a record's prose is named in an excerpt the record cites: a
   known person (PEOPLE, plus every stakeholder response's person and the review's
   chair), or any other name that `names_in()` finds (an honorific and capitalised
   words, or a given name and a capitalised word, not an organisation's or place's). A stakeholder
   response's `person` is named in its quotation, or, when its source is captured, in the
   source's text. (A source known by its address only has no text to check beyond the
   quotation, which is usually the person's own words and so need not name them; the
   rule is then left to the curator: see `check_stakeholder_response`.)
g. No public text (prose and inference) points to material the public cannot see: the
   research notes, sources "not linked here" (see HIDDEN_MATERIAL).

Number tokens
-------------

A number token is a run of digits, read as a number: "2023" is 2023, "047" is 47. A
comma between groups of exactly three digits is a thousands separator ("1,000" is 1000,
"17,000" is 17000); a point between digits is a decimal point ("£3.46m" is 3.46, "2.60" is
2.6). A reference to one of the report's chapters ("chapter 5", "chapters 3
and 7", "ch. 8") is not a claim needing an excerpt: the chapters are the portal's own
records, from the report's contents page, so those numbers are skipped; so are the
digits of a name (NAMES_WITH_DIGITS: Article 39, Room151, Catch22, Regulation 44). Anything else splits tokens: "16-17" is 16 and 17, "0–25" is 0 and 25, "2025/26" is
2025 and 26, "2023-02-02" is 2023, 2 and 2. Letters around the digits are ignored, so
currency, units and scales do not count ("£2.6bn" is 2.6, "25%" is 25, "23rd" is 23, "P10"
is 10, "s47" is 47). A date such as "23 May 2022" gives 23 and 2022 (month names are
words, not numbers). Numbers written as words ("five", "a fifth") are not tokens: the
check cannot see them, so write figures as digits.

Names
-----

A person is named in prose when the name, without an honorific (Dr, Sir, Dame, Lord,
Baroness, Professor, Mr, Ms, Mrs), appears as whole words. An excerpt names them when it
holds that name or their surname (sources often give the surname alone after the first
mention).
"""

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

# Names the research notes give for people who are not stakeholder respondents: the
# review's chair (also on Review.chair), ministers and others named in sources.
PEOPLE = [
    "Josh MacAlister",
    "Will Quince",
    "Rachel Reeves",
    "Tim Loughton",
    "Rachael Maskell",
    "Lord Watson",
    "Amanda Sacker",
]

HONORIFICS = {
    "dr",
    "sir",
    "dame",
    "lord",
    "lady",
    "baroness",
    "professor",
    "cllr",
    "mr",
    "ms",
    "mrs",
}

# Given names beyond the known people's own (whose first names count too), so that
# "<given name> <Surname>" is caught as a person's name though nobody listed them.
# A short list on purpose: no well-kept package of given names fits (on PyPI,
# gender-guesser was last released in 2016; names-dataset is a large data set).
# Words that are also common English words (Will, Mark, Grace) are left out.
GIVEN_NAMES = {
    "Alan",
    "Alison",
    "Andrew",
    "Anne",
    "Catherine",
    "Claire",
    "David",
    "Elizabeth",
    "Emma",
    "Gillian",
    "Helen",
    "Ian",
    "James",
    "Jane",
    "Jenny",
    "John",
    "Julie",
    "Karen",
    "Kate",
    "Lucy",
    "Margaret",
    "Mary",
    "Michael",
    "Nadhim",
    "Nicola",
    "Paul",
    "Peter",
    "Richard",
    "Robert",
    "Sarah",
    "Simon",
    "Stephen",
    "Steve",
    "Susan",
    "Thomas",
}
# A capitalised word after a given name that makes the words an organisation's or a
# place's name, not a person's ("John Lewis Partnership", "Alan Turing Institute").
NOT_A_PERSON = {
    "Centre",
    "College",
    "Commission",
    "Committee",
    "Council",
    "Foundation",
    "Group",
    "Hospital",
    "House",
    "Institute",
    "Network",
    "Partnership",
    "Road",
    "School",
    "Service",
    "Services",
    "Society",
    "Street",
    "Trust",
    "University",
}
_WORD = r"[A-Z][\w'’-]+"
_HONORIFIC_NAME = re.compile(
    r"\b(?:Sir|Dame|Lord|Lady|Baroness|Dr|Professor|Cllr|Mr|Mrs|Ms)\.?"
    rf"((?:\s+{_WORD}){{1,3}})"
)
_CAPITALISED_PAIR = re.compile(rf"\b([A-Z][a-z]+)\s+({_WORD})(?:\s+({_WORD}))?")

# Phrases that send a reader to material the portal does not show.
HIDDEN_MATERIAL = [
    r"research notes",
    r"not linked here",
    r"\bthe notes\b",
    r"\bthe notes'",
    r"\bby the notes\b",
]

# The prose fields of each checked model, in the order a reader meets them.
PROSE_FIELDS = {
    "recommendations.recommendation": [
        "title",
        "summary",
        "addressed_to",
        "chapter_note",
        "note",
    ],
    "recommendations.governmentupdate": ["detail"],
    "recommendations.timelineevent": ["title", "description"],
    "recommendations.keyfigure": ["measures", "unit"],
    "recommendations.discrepancy": ["topic", "summary"],
    "sources.stakeholderresponse": ["role", "summary"],
}


@dataclass(frozen=True)
class Violation:
    model: str  # the model's label, e.g. "recommendations.governmentupdate"
    slug: str
    field: str
    message: str

    def __str__(self):
        return f"{self.model} {self.slug}, field '{self.field}': {self.message}"


# --- number tokens ---------------------------------------------------------------

_NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?(?!\d)|\d+(?:\.\d+)?")


def normalise_number(text: str) -> str:
    """ "1,000" -> "1000", "2.60" -> "2.6", "047" -> "47", "3.0" -> "3"."""
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        return text
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


_CHAPTER_REFERENCE = re.compile(
    r"\b(?:chapters?|ch\.)\s+\d+(?:\s*(?:,|and|or|to|–|-)\s*\d+)*", re.IGNORECASE
)


# Names with digits in them are names, not figures.
NAMES_WITH_DIGITS = [
    "Article 39",
    "Room151",
    "Catch22",
    "Regulation 44",
    "regulation 44",
]


def prose_numbers(text: str) -> list[str]:
    """The number tokens of our prose: chapter references and names left out."""
    text = _CHAPTER_REFERENCE.sub(" ", text or "")
    for name in NAMES_WITH_DIGITS:
        text = text.replace(name, " ")
    return number_list(text)


def number_tokens(text: str) -> set[str]:
    """The number tokens in `text`, normalised (see the module docstring)."""
    return {normalise_number(match) for match in _NUMBER.findall(text or "")}


def number_list(text: str) -> list[str]:
    """As number_tokens(), in order of appearance and with repeats."""
    return [normalise_number(match) for match in _NUMBER.findall(text or "")]


_SCALES = {
    "thousand": 10**3,
    "k": 10**3,
    "million": 10**6,
    "m": 10**6,
    "billion": 10**9,
    "bn": 10**9,
}
_SCALED = re.compile(
    r"(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s?(thousand|million|billion|bn|m|k)\b",
    re.IGNORECASE,
)


def scaled_values(text: str) -> set[str]:
    """Numbers with a scale word, multiplied out: "£2.6bn" -> "2600000000"."""
    return {
        normalise_number(str(Decimal(number.replace(",", "")) * _SCALES[scale.lower()]))
        for number, scale in _SCALED.findall(text or "")
    }


def holds_number(text: str, value) -> bool:
    """Whether `text` has the number `value` (a Decimal, a number or a string), as
    written ("2.6" in "£2.6bn") or multiplied out by its scale word (2600000000 in
    "£2.6bn", 82000000 in "£82 million")."""
    wanted = normalise_number(str(value))
    return wanted in number_tokens(text) or wanted in scaled_values(text)


# --- names ---------------------------------------------------------------------


def core_name(name: str) -> str:
    words = [w for w in name.split() if w.lower().strip(".") not in HONORIFICS]
    return " ".join(words)


def split_people(person: str) -> list[str]:
    """A response's person field may name two: "A and B"."""
    return [p.strip() for p in re.split(r"\band\b|,|&", person or "") if p.strip()]


def _has_words(text: str, words: str) -> bool:
    return bool(words) and re.search(rf"(?<!\w){re.escape(words)}(?!\w)", text or "")


def named_in_prose(text: str, person: str) -> bool:
    return bool(_has_words(text, core_name(person)))


def named_in_excerpt(text: str, person: str) -> bool:
    name = core_name(person)
    surname = name.split()[-1] if name else ""
    return bool(_has_words(text, name) or _has_words(text, surname))


def names_in(text: str, people: Iterable[str]) -> list[str]:
    """People named in `text` whom `people` may not list: an honorific and the
    capitalised words after it ("Sir Alan Wood", "Lord Watson"), or a given name
    (GIVEN_NAMES, or a known person's first name) and a capitalised word ("Alison
    Steele"), unless a word of organisations or places follows (NOT_A_PERSON)."""
    given = GIVEN_NAMES | {n.split()[0] for n in map(core_name, people) if " " in n}
    found = [" ".join(m.split()) for m in _HONORIFIC_NAME.findall(text or "")]
    for first, second, third in _CAPITALISED_PAIR.findall(text or ""):
        if first in given and not {second, third} & NOT_A_PERSON:
            found.append(f"{first} {second}")
    return list(dict.fromkeys(found))


def people_from(responses: Iterable = (), chairs: Iterable[str] = ()) -> list[str]:
    """PEOPLE plus each response's person and each review's chair, deduplicated."""
    names = {core_name(p) for p in PEOPLE}
    for response in responses:
        names.update(core_name(p) for p in split_people(response.person))
    names.update(core_name(c) for c in chairs if c)
    return sorted(n for n in names if n)


# --- helpers -------------------------------------------------------------------


def _label(obj) -> str:
    return obj._meta.label_lower


def _supporting(citations, what):
    return [c for c in citations if c.supports == what]


def _date_matches(date: datetime.date, precision: str, source) -> bool:
    """Whether the source's publication date gives `date` at `precision`."""
    published = getattr(source, "published_on", None)
    if published is None:
        return False
    order = {"year": 0, "month": 1, "day": 2}
    if order.get(source.date_precision, 2) < order.get(precision, 2):
        return False  # a source dated by year cannot give a day
    if precision == "year":
        return published.year == date.year
    if precision == "month":
        return (published.year, published.month) == (date.year, date.month)
    return published == date


def _prose(obj) -> list[tuple[str, str]]:
    return [
        (name, getattr(obj, name) or "") for name in PROSE_FIELDS.get(_label(obj), [])
    ]


def check_hidden_material(obj) -> list["Violation"]:
    """Rule g: prose and inference must not point to what the public cannot see."""
    fields = _prose(obj) + [("inference", getattr(obj, "inference", "") or "")]
    if _label(obj) == "sources.sourcedocument":
        fields = [("description", obj.description or "")]
    found = []
    for name, text in fields:
        for pattern in HIDDEN_MATERIAL:
            match = re.search(pattern, text, flags=re.IGNORECASE)
            if match:
                found.append(
                    Violation(
                        _label(obj),
                        obj.slug,
                        name,
                        f"refers to material the public cannot see ({match.group(0)!r})",
                    )
                )
                break
    return found


def check_prose(
    obj,
    excerpts: list[str],
    people: Iterable[str],
    allowed: Iterable[str] = (),
    own: Iterable[str] = (),
) -> list[Violation]:
    """Rules e and f for one record: numbers and names in its prose are in its excerpts:
    those of `people`, and any other name that names_in() finds. `allowed` are number
    tokens the record may use without an excerpt (its own date, once backed); `own`
    are names backed otherwise (a response's own person)."""
    found = []
    tokens = set(allowed)
    for excerpt in excerpts:
        tokens |= number_tokens(excerpt)
    joined = "\n".join(excerpts)
    people = list(people)
    known = {core_name(p) for p in [*people, *own]}
    for name, text in _prose(obj):
        missing = [n for n in dict.fromkeys(prose_numbers(text)) if n not in tokens]
        if missing:
            found.append(
                Violation(
                    _label(obj),
                    obj.slug,
                    name,
                    "number(s) "
                    + ", ".join(missing)
                    + " in no excerpt this record cites; cite one or move it to inference",
                )
            )
        unlisted = [
            person
            for person in names_in(text, people)
            if not any(named_in_prose(person, k) for k in known)
        ]
        for person in [*people, *unlisted]:
            if named_in_prose(text, person) and not named_in_excerpt(joined, person):
                found.append(
                    Violation(
                        _label(obj),
                        obj.slug,
                        name,
                        f"names {person}, whom no excerpt this record cites names",
                    )
                )
    return found


# --- one check per model ---------------------------------------------------------


def check_government_update(update, citations, people=()) -> list[Violation]:
    found = []
    label, slug = _label(update), update.slug
    if update.position and not _supporting(citations, "position"):
        found.append(
            Violation(label, slug, "position", "no citation supports the position")
        )
    if update.delivery_status and not _supporting(citations, "delivery_status"):
        found.append(
            Violation(
                label,
                slug,
                "delivery_status",
                "no citation supports the delivery status",
            )
        )
    date_backed = bool(_supporting(citations, "date")) or any(
        _date_matches(update.date, update.date_precision, c.source) for c in citations
    )
    if not date_backed:
        found.append(
            Violation(
                label,
                slug,
                "date",
                "no citation gives the date (supports='date'), and no cited source "
                "was published on it",
            )
        )
    allowed = _date_tokens(update.date, update.date_precision) if date_backed else ()
    found += check_prose(update, [c.excerpt for c in citations], people, allowed)
    return found


def _date_tokens(date, precision) -> set[str]:
    if precision == "year":
        return {str(date.year)}
    if precision == "month":
        return {str(date.year)}
    return {str(date.year), str(date.day)}


def names_chapter(excerpt: str, chapter) -> bool:
    """Whether `excerpt` names `chapter`: "chapter 4" (any case), or its title."""
    text = " ".join(excerpt.split()).lower()
    return bool(
        re.search(rf"\bchapter\s+{chapter.number}\b", text)
        or " ".join(chapter.title.split()).lower() in text
    )


def check_recommendation(recommendation, citations, people=()) -> list[Violation]:
    found = []
    label, slug = _label(recommendation), recommendation.slug
    if recommendation.chapter_basis == "stated":
        chapter = recommendation.chapter
        if not any(
            names_chapter(c.excerpt, chapter) for c in _supporting(citations, "chapter")
        ):
            found.append(
                Violation(
                    label,
                    slug,
                    "chapter_basis",
                    f"chapter is 'stated' but no citation for the chapter names "
                    f"chapter {chapter.number} or its title",
                )
            )
    if recommendation.number:
        backing = [
            c
            for c in _supporting(citations, "number")
            if holds_number(c.excerpt, recommendation.number)
        ]
        if not backing:
            found.append(
                Violation(
                    label,
                    slug,
                    "number",
                    f"no supports='number' citation whose excerpt holds {recommendation.number}",
                )
            )
    found += check_prose(recommendation, [c.excerpt for c in citations], people)
    return found


def check_key_figure(figure, citations, people=()) -> list[Violation]:
    found = []
    backing = [
        c
        for c in _supporting(citations, "value")
        if holds_number(c.excerpt, figure.value)
    ]
    if not backing:
        found.append(
            Violation(
                _label(figure),
                figure.slug,
                "value",
                f"no supports='value' citation whose excerpt holds {normalise_number(str(figure.value))}",
            )
        )
    found += check_prose(figure, [c.excerpt for c in citations], people)
    return found


def check_timeline_event(event, citations, people=()) -> list[Violation]:
    return check_prose(event, [c.excerpt for c in citations], people)


def check_discrepancy(discrepancy, citations, people=()) -> list[Violation]:
    return check_prose(discrepancy, [c.excerpt for c in citations], people)


def check_stakeholder_response(response, people=()) -> list[Violation]:
    found = []
    quotation = response.quotation or ""
    source = response.source
    captured = source is not None and source.is_captured
    source_text = source.cleaned_text if captured else ""
    for person in split_people(response.person):
        if not captured:
            continue  # no text to check beyond the quotation (see the docstring)
        if not (
            named_in_excerpt(quotation, person) or named_in_excerpt(source_text, person)
        ):
            found.append(
                Violation(
                    _label(response),
                    response.slug,
                    "person",
                    f"{person} is named neither in the quotation nor in the captured source",
                )
            )
    # The response's own person may be named in its summary: the check above backs it.
    own = {core_name(x) for x in split_people(response.person)}
    others = [p for p in people if core_name(p) not in own]
    excerpts = [quotation] + ([source_text] if source_text else [])
    found += check_prose(response, excerpts, others, own=own)
    return found


CHECKS = {
    "recommendations.recommendation": check_recommendation,
    "recommendations.governmentupdate": check_government_update,
    "recommendations.keyfigure": check_key_figure,
    "recommendations.timelineevent": check_timeline_event,
    "recommendations.discrepancy": check_discrepancy,
}


def check_record(obj, citations=None, people=()) -> list[Violation]:
    """Every rule for one record. `citations` defaults to the record's own (a query)."""
    label = _label(obj)
    if label == "sources.stakeholderresponse":
        return check_stakeholder_response(obj, people) + check_hidden_material(obj)
    if label == "sources.sourcedocument":
        return check_hidden_material(obj)
    check = CHECKS.get(label)
    if check is None:
        return []
    if citations is None:
        citations = list(obj.citations.select_related("source"))
    return check(obj, citations, people) + check_hidden_material(obj)


def check_database() -> list[Violation]:
    """Every rule over every checked record in the database."""
    from recommendations.models import (
        Discrepancy,
        GovernmentUpdate,
        KeyFigure,
        Recommendation,
        Review,
        TimelineEvent,
    )
    from sources.models import Citation, SourceDocument, StakeholderResponse

    responses = list(StakeholderResponse.objects.select_related("source"))
    people = people_from(responses, Review.objects.values_list("chair", flat=True))
    by_target: dict[tuple[str, int], list] = {}
    for citation in Citation.objects.select_related("source"):
        for name in (
            "recommendation",
            "government_update",
            "key_figure",
            "timeline_event",
            "discrepancy",
        ):
            target = getattr(citation, f"{name}_id")
            if target:
                by_target.setdefault((name, target), []).append(citation)
    found = []
    for model, name in [
        (Recommendation, "recommendation"),
        (GovernmentUpdate, "government_update"),
        (KeyFigure, "key_figure"),
        (TimelineEvent, "timeline_event"),
        (Discrepancy, "discrepancy"),
    ]:
        for obj in model.objects.order_by("slug"):
            found += check_record(obj, by_target.get((name, obj.pk), []), people)
    for response in sorted(responses, key=lambda r: r.slug):
        found += check_record(response, people=people)
    for source in SourceDocument.objects.order_by("slug"):
        found += check_hidden_material(source)
    return found
