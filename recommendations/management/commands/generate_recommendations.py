"""Fill a separate database with N synthetic recommendations, for the benchmark
(bench/README.md). Not part of the site and never run against the development
database: DATABASE_URL must name the target explicitly.

    DATABASE_URL=sqlite:////tmp/bench_1000.sqlite3 \\
        python manage.py generate_recommendations 1000 --seed 1

It migrates the database, loads the shipped review (load_review: its 62
recommendations, chapters, missions, organisations, sources...), then adds N - 62
synthetic recommendations to the same review, so that N counts them all, with
related rows in the shipped proportions:

- organisations: about 2% of N (at least the shipped 38, at most 5,000);
- sources: about one for every two recommendations, a tenth of them captured (with
  a text that every excerpt quoting them is found in, word for word);
- stakeholder responses: about 2.4 per recommendation, each linked to one to four
  recommendations (about 3 links per recommendation), from organisations on a
  long-tailed distribution, a few also to a chapter or a mission;
- government updates: about 1.3 per recommendation (none for some, up to three),
  each with a position, a delivery status or both; the recommendation's
  denormalised position and delivery status are set by the rule of
  Recommendation.tracked_values() (the latest dated update on each axis, ties broken
  by slug), and a sample is checked against that method at the end;
- citations: every synthetic recommendation has one to four citations of the record
  as a whole; every government update one for each axis it sets (supports
  "position" or "delivery_status") and some for its date; stated chapters and
  report numbers have theirs;
- promised dates (commitments) on about 5% of recommendations;
- one history row per record ("load_review: first load", so What's changed treats
  it as the data arriving, as after a first load), unless --no-history.

Text is composed from the shipped fixtures' own words (titles, summaries, details,
quotations and the captured documents), so search and highlighting see realistic
words. Everything depends only on N and --seed: the same arguments give the same
rows (ids may differ between database engines).

Synthetic rows have slugs starting "syn-". The command refuses a database that
already holds the review (loaded or generated) unless --force, which first removes
the synthetic rows of an earlier run and then generates again.
"""

import datetime
import json
import os
import random
import re
import time
from bisect import bisect
from itertools import accumulate
from pathlib import Path

import dj_database_url
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils.text import slugify

from recommendations.models import (
    Chapter,
    ChapterBasis,
    Confidence,
    DatePrecision,
    DeliveryStatus,
    GovernmentUpdate,
    Mission,
    Position,
    Recommendation,
    RecommendationKind,
    Review,
)
from review_portal.lib.curation import FIRST_LOAD
from sources.cleaning import clean_text
from sources.models import (
    Capture,
    Citation,
    Commitment,
    Moment,
    Organisation,
    OrganisationKind,
    SourceDocument,
    SourceKind,
    StakeholderResponse,
    Stance,
    Supports,
)

PREFIX = "syn-"
SHIPPED = 62
BATCH = 2000  # rows per INSERT; Django lowers it where SQLite needs fewer
CHUNK = 5000  # recommendations built and written at a time (memory stays flat)
HISTORY_DATE = datetime.datetime(2026, 1, 5, tzinfo=datetime.UTC)

PLACES = """Barnsley Bedford Birmingham Blackpool Bolton Bradford Brighton Bristol
Bury Calderdale Camden Cheshire Cornwall Coventry Croydon Cumbria Derby Devon
Doncaster Dorset Dudley Durham Ealing Essex Gateshead Gloucestershire Hackney
Halton Hampshire Haringey Harrow Hertfordshire Hull Islington Kent Kirklees
Knowsley Lambeth Lancashire Leeds Leicester Lewisham Lincolnshire Liverpool Luton
Manchester Medway Merton Newcastle Newham Norfolk Northumberland Nottingham Oldham
Oxfordshire Peterborough Plymouth Portsmouth Reading Redbridge Rochdale Rotherham
Salford Sandwell Sefton Sheffield Shropshire Slough Solihull Somerset Southampton
Southwark Stockport Suffolk Sunderland Surrey Sutton Swindon Tameside Telford
Thurrock Torbay Trafford Wakefield Walsall Warrington Warwickshire Wigan Wiltshire
Wirral Wolverhampton Worcestershire York""".split()
REGIONS = ["", "North ", "South ", "East ", "West ", "Greater ", "Central "]
# (kind, weight, name patterns)
ORGANISATION_KINDS = [
    (
        OrganisationKind.CHARITY,
        40,
        [
            "{place} Children's Trust",
            "{place} Foster Care Network",
            "{place} Care Leavers' Association",
            "{place} Kinship Carers",
            "{place} Family Action",
            "{place} Young People's Advocacy",
            "Friends of {place} Children",
            "{place} Children's Rights Alliance",
        ],
    ),
    (
        OrganisationKind.LOCAL_GOVERNMENT,
        25,
        [
            "{place} Council",
            "{place} County Council",
            "{place} Children's Services",
            "{place} Safeguarding Partnership",
        ],
    ),
    (
        OrganisationKind.PROFESSIONAL_BODY,
        8,
        [
            "{place} Association of Social Workers",
            "{place} Independent Reviewing Officers' Forum",
        ],
    ),
    (OrganisationKind.UNIVERSITY, 6, ["University of {place}"]),
    (
        OrganisationKind.RESEARCH,
        6,
        [
            "{place} Centre for Child Welfare Research",
            "{place} Family Justice Observatory",
        ],
    ),
    (OrganisationKind.REGULATOR, 2, ["{place} Care Standards Board"]),
    (OrganisationKind.COMMISSIONER, 2, ["{place} Children's Commissioner"]),
    (OrganisationKind.ROYAL_COLLEGE, 2, ["Royal College of Child Health, {place}"]),
    (
        OrganisationKind.OTHER,
        9,
        ["{place} Parents' Voice", "{place} Residential Care Providers"],
    ),
]
SOURCE_KINDS = [
    (SourceKind.NEWS, 48),
    (SourceKind.WEB_PAGE, 41),
    (SourceKind.PRESS_RELEASE, 28),
    (SourceKind.BLOG, 21),
    (SourceKind.PARLIAMENT, 15),
    (SourceKind.GOVERNMENT, 7),
    (SourceKind.REPORT, 4),
    (SourceKind.NEWSLETTER, 1),
]
STANCES = [
    (Stance.WELCOMES, 22),
    (Stance.MIXED, 13),
    (Stance.CRITICAL, 7),
    (Stance.NEUTRAL, 3),
]
MOMENTS = [
    (Moment.FINAL_REPORT, 80, datetime.date(2022, 5, 23), 40),
    (Moment.REVIEW_LAUNCH, 10, datetime.date(2021, 1, 15), 60),
    (Moment.GOVERNMENT_RESPONSE, 10, datetime.date(2023, 2, 2), 60),
]
# (position, delivery status) of an update, as often as the shipped updates have them.
UPDATE_AXES = [
    (("", DeliveryStatus.IN_PROGRESS), 27),
    ((Position.PARTIALLY_ACCEPTED, ""), 17),
    ((Position.ACCEPTED, ""), 7),
    ((Position.UNDER_CONSIDERATION, ""), 6),
    (("", DeliveryStatus.NOT_STARTED), 5),
    ((Position.REJECTED, ""), 4),
    ((Position.ACCEPTED, DeliveryStatus.IN_PROGRESS), 4),
    ((Position.NO_PLANS, ""), 2),
    ((Position.PARTIALLY_ACCEPTED, DeliveryStatus.IN_PROGRESS), 2),
    ((Position.PARTIALLY_ACCEPTED, DeliveryStatus.NOT_STARTED), 2),
    ((Position.ACCEPTED_IN_PRINCIPLE, DeliveryStatus.NOT_STARTED), 2),
    ((Position.ACCEPTED_IN_PRINCIPLE, ""), 1),
    (("", DeliveryStatus.DELIVERED), 1),
    (("", DeliveryStatus.PILOTED), 1),
    (("", DeliveryStatus.LEGISLATED), 1),
]
UPDATES_PER_RECOMMENDATION = [(0, 15), (1, 50), (2, 25), (3, 10)]  # mean 1.3
LINKS_PER_RESPONSE = [(1, 82), (2, 13), (3, 3), (4, 2)]  # mean 1.25
KINDS = [
    (RecommendationKind.RECOMMENDATION, 90),
    (RecommendationKind.UMBRELLA, 5),
    (RecommendationKind.TOPIC, 5),
]
CONFIDENCES = [(Confidence.MEDIUM, 42), (Confidence.HIGH, 18), (Confidence.LOW, 4)]
# Citation slugs end in one of these, for what the citation supports.
SUPPORT_CODES = {
    Supports.RECORD: "c",
    Supports.POSITION: "p",
    Supports.DELIVERY_STATUS: "s",
    Supports.DATE: "d",
    Supports.CHAPTER: "ch",
    Supports.NUMBER: "n",
}
SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z‘'\"“(])")


class Weighted:
    """rng.choices with the cumulative weights computed once."""

    def __init__(self, pairs):
        self.values = [value for value, _ in pairs]
        self.cumulative = list(accumulate(weight for _, weight in pairs))

    def pick(self, rng):
        return self.values[bisect(self.cumulative, rng.random() * self.cumulative[-1])]


def sentences(text):
    """Whole sentences of `text`, each on one line, of a readable length."""
    found = []
    for paragraph in text.replace("\r\n", "\n").split("\n"):
        paragraph = " ".join(paragraph.split())
        for sentence in SENTENCE.split(paragraph):
            sentence = sentence.strip()
            if 30 <= len(sentence) <= 320 and sentence[-1] in ".!?":
                found.append(sentence)
    return found


class Corpus:
    """Words and sentences of the shipped fixtures, in a fixed order."""

    def __init__(self, directory: Path):
        def read(name):
            return [r["fields"] for r in json.loads((directory / name).read_text())]

        recommendations = read("recommendations.json")
        updates = read("government_updates.json")
        responses = read("stakeholder_responses.json")
        sources = read("source_documents.json")
        titles = sorted({r["title"] for r in recommendations})
        # A title is a head (its first words, usually a verb and what follows) and a
        # tail; synthetic titles join the head of one to the tail of another.
        self.title_heads, self.title_tails = [], []
        for title in titles:
            words = title.split()
            cut = max(1, min(3, len(words) // 2))
            self.title_heads.append(" ".join(words[:cut]))
            self.title_tails.append(" ".join(words[cut:]))
        self.summary = sorted(
            {s for r in recommendations for s in sentences(r["summary"])}
        ) or ["The review recommends a change to children's social care."]
        self.notes = sorted({s for r in recommendations for s in sentences(r["note"])})
        self.chapter_notes = sorted(
            {s for r in recommendations for s in sentences(r["chapter_note"])}
        )
        self.addressed_to = sorted({r["addressed_to"] for r in recommendations})
        self.details = sorted({s for u in updates for s in sentences(u["detail"])})
        self.response_summaries = sorted(
            {s for r in responses for s in sentences(r["summary"])}
        )
        self.people = sorted(
            {(r["person"], r["role"]) for r in responses if r["person"]}
        )
        documents = sorted((directory / "documents").glob("*.txt"))
        self.document = sorted(
            {
                s
                for text in [d.read_text() for d in documents]
                + [r["quotation"] for r in responses]
                for s in sentences(text)
            }
        )
        self.source_titles = sorted({s["title"] for s in sources})
        self.publishers = sorted({s["publisher"] for s in sources})


def zipf_weights(n, exponent=1.0):
    return list(accumulate(1.0 / (rank + 1) ** exponent for rank in range(n)))


class Command(BaseCommand):
    help = (
        "Fill the database named by DATABASE_URL (never the default) with N "
        "recommendations: the shipped review plus N - 62 synthetic ones, for the "
        "benchmark (bench/README.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("n", type=int, help="Recommendations in all (at least 62).")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run although the database already holds the review: removes "
            "earlier synthetic rows first.",
        )
        parser.add_argument(
            "--no-history",
            action="store_true",
            help="Write no history rows for the synthetic records (faster).",
        )

    # ------------------------------------------------------------------ guards

    def check_target(self):
        url = os.environ.get("DATABASE_URL", "").strip()
        if not url:
            raise CommandError(
                "Set DATABASE_URL to the benchmark's own database (e.g. "
                "sqlite:////tmp/bench.sqlite3 or postgres://postgres@127.0.0.1/bench): "
                "this command never writes to the default development database."
            )
        name = str(settings.DATABASES["default"]["NAME"])
        default = dj_database_url.parse(f"sqlite:///{settings.BASE_DIR / 'db.sqlite3'}")
        if (
            connection.vendor == "sqlite"
            and Path(name).resolve() == Path(default["NAME"]).resolve()
        ):
            raise CommandError(
                f"DATABASE_URL names the development database {name}: choose another file."
            )
        if connection.vendor == "postgresql" and name in {"test", "test_test"}:
            raise CommandError(
                f"Refusing the PostgreSQL database {name!r}: the test suite's. "
                "Create a separate one (createdb bench)."
            )
        return url

    # ------------------------------------------------------------------ command

    def handle(self, *args, n, seed, force, no_history, verbosity, **options):
        if n < SHIPPED:
            raise CommandError(
                f"N must be at least {SHIPPED}, the shipped recommendations."
            )
        url = self.check_target()
        self.verbosity = verbosity
        self.history = not no_history
        started = time.monotonic()
        quiet = {"verbosity": 0}
        call_command("migrate", interactive=False, **quiet)
        call_command("createcachetable", **quiet)
        if Review.objects.exists() and not force:
            raise CommandError(
                f"{url} already holds the review ({Recommendation.objects.count()} "
                "recommendations). Use a new, empty database, or --force to replace "
                "the synthetic rows of an earlier run."
            )
        if force:
            self.remove_synthetic()
        self.say(
            f"migrated in {time.monotonic() - started:.1f} s; loading the shipped review"
        )
        call_command("load_review", **quiet)
        loaded = time.monotonic()
        review = Review.objects.get()
        existing = Recommendation.objects.count()
        if existing != SHIPPED:
            self.say(
                f"note: the shipped data has {existing} recommendations, not {SHIPPED}"
            )
        self.rng = random.Random(seed)
        self.corpus = Corpus(Path(settings.FIXTURE_DIRS[0]))
        with transaction.atomic():
            counts = self.generate(review, max(0, n - existing))
        generated = time.monotonic()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        self.check_tracking()
        total = time.monotonic() - started
        counts["recommendations (all)"] = Recommendation.objects.count()
        self.stdout.write(
            "Generated: "
            + ", ".join(f"{value:,} {name}" for name, value in counts.items())
        )
        self.stdout.write(
            f"Times: load_review {loaded - started:.1f} s, synthetic rows "
            f"{generated - loaded:.1f} s, total {total:.1f} s"
        )

    def say(self, message):
        if self.verbosity >= 1:
            self.stderr.write(message)

    def remove_synthetic(self):
        """Delete an earlier run's synthetic rows (slugs "syn-"), without Django's
        cascade collector, children first."""
        synthetic = {"slug__startswith": PREFIX}
        R, S = Recommendation, StakeholderResponse
        Citation.objects.filter(**synthetic)._raw_delete(connection.alias)
        Commitment.objects.filter(**synthetic)._raw_delete(connection.alias)
        for through, field in [
            (S.recommendations.through, "stakeholderresponse__slug__startswith"),
            (S.chapters.through, "stakeholderresponse__slug__startswith"),
            (S.missions.through, "stakeholderresponse__slug__startswith"),
            (R.missions.through, "recommendation__slug__startswith"),
            (R.parts.through, "from_recommendation__slug__startswith"),
        ]:
            through.objects.filter(**{field: PREFIX}).delete()
        for model in [S, GovernmentUpdate, R, SourceDocument, Organisation]:
            model.objects.filter(**synthetic)._raw_delete(connection.alias)
        for model in [
            Citation,
            Commitment,
            S,
            GovernmentUpdate,
            R,
            SourceDocument,
            Organisation,
        ]:
            model.history.filter(**synthetic)._raw_delete(connection.alias)

    # ------------------------------------------------------------------ writing

    def write(self, model, objs, history=True):
        """bulk_create in batches (setting the pks), and the history rows."""
        if not objs:
            return objs
        model.objects.bulk_create(objs, batch_size=BATCH)
        if history and self.history:
            model.history.bulk_history_create(
                objs,
                batch_size=BATCH,
                default_change_reason=FIRST_LOAD,
                default_date=HISTORY_DATE,
            )
        return objs

    def write_links(self, through, rows):
        if rows:
            through.objects.bulk_create(
                [through(**row) for row in rows], batch_size=BATCH * 2
            )

    # ------------------------------------------------------------------ text

    def title(self):
        rng, c = self.rng, self.corpus
        return f"{rng.choice(c.title_heads)} {rng.choice(c.title_tails)}".strip()[:200]

    def paragraph(self, pool, low, high):
        return " ".join(
            self.rng.sample(pool, min(len(pool), self.rng.randint(low, high)))
        )

    def date_between(self, start, days):
        return start + datetime.timedelta(days=self.rng.randrange(days))

    # ------------------------------------------------------------------ generate

    def generate(self, review, n):
        rng, corpus = self.rng, self.corpus
        counts = dict.fromkeys(
            [
                "synthetic recommendations",
                "organisations",
                "sources",
                "responses",
                "response links",
                "government updates",
                "citations",
                "commitments",
            ],
            0,
        )
        if n == 0:
            return counts
        chapters = list(Chapter.objects.filter(review=review).order_by("number"))
        missions = list(Mission.objects.filter(review=review).order_by("number"))
        # Chapters as often as the shipped recommendations sit in them (plus one).
        chapter_pick = Weighted(
            [(ch, 1 + ch.recommendations.count()) for ch in chapters]
        )
        organisations = self.make_organisations(n)
        counts["organisations"] = len(organisations)
        sources, sentences_of = self.make_sources(n, organisations)
        counts["sources"] = len(sources)
        org_cumulative = zipf_weights(len(organisations), 0.9)
        source_of_org = {}
        for source in sources:
            source_of_org.setdefault(source.publisher, []).append(source)
        pick = {
            "kind": Weighted(KINDS),
            "confidence": Weighted(CONFIDENCES),
            "updates": Weighted(UPDATES_PER_RECOMMENDATION),
            "axes": Weighted(UPDATE_AXES),
            "links": Weighted(LINKS_PER_RESPONSE),
            "stance": Weighted(STANCES),
            "moment": Weighted([(m, w) for m, w, _, _ in MOMENTS]),
        }
        moment_dates = {m: (start, days) for m, _, start, days in MOMENTS}
        numbers = {ch.pk: 0 for ch in chapters}
        shipped_numbers = set(
            Recommendation.objects.exclude(number="").values_list("number", flat=True)
        )

        def excerpt_from(source):
            own = sentences_of.get(source.pk)
            return rng.choice(own) if own else rng.choice(corpus.document)

        def cite(target_field, target, supports=Supports.RECORD, k=0):
            source = rng.choice(sources)
            return Citation(
                slug=f"{PREFIX}{target.slug[len(PREFIX) :]}--{SUPPORT_CODES[supports]}{k}",
                source=source,
                excerpt=excerpt_from(source),
                supports=supports,
                **{target_field: target},
            )

        index = 0
        started = time.monotonic()
        while index < n:
            size = min(CHUNK, n - index)
            recs = []
            for i in range(index, index + size):
                title = self.title()
                chapter = chapter_pick.pick(rng)
                stated = rng.random() < 0.05
                number = ""
                if rng.random() < 0.03:
                    numbers[chapter.pk] += 1
                    candidate = f"{chapter.number}.{numbers[chapter.pk] + 20}"
                    number = "" if candidate in shipped_numbers else candidate
                recs.append(
                    Recommendation(
                        review=review,
                        chapter=chapter,
                        chapter_basis=ChapterBasis.STATED
                        if stated
                        else ChapterBasis.INFERRED,
                        chapter_note=""
                        if stated
                        else rng.choice(corpus.chapter_notes or [""]),
                        number=number,
                        slug=f"{PREFIX}{i + 1:06d}-{slugify(title)[:60]}".rstrip("-"),
                        kind=pick["kind"].pick(rng),
                        title=title,
                        summary=self.paragraph(corpus.summary, 1, 3),
                        addressed_to=rng.choice(corpus.addressed_to),
                        is_headline=rng.random() < 0.12,
                        confidence=pick["confidence"].pick(rng),
                        note=self.paragraph(corpus.notes, 0, 2)
                        if rng.random() < 0.6
                        else "",
                    )
                )
            # Government updates, and the position and status they give.
            updates = []
            for rec in recs:
                k = pick["updates"].pick(rng)
                days = sorted(
                    self.date_between(datetime.date(2022, 6, 1), 1300) for _ in range(k)
                )
                mine = []
                for j, day in enumerate(days):
                    position, status = pick["axes"].pick(rng)
                    precision = (
                        DatePrecision.MONTH
                        if rng.random() < 0.16
                        else DatePrecision.DAY
                    )
                    if precision == DatePrecision.MONTH:
                        day = day.replace(day=1)
                    mine.append(
                        GovernmentUpdate(
                            recommendation=rec,
                            slug=f"{rec.slug}--{day.isoformat()}-{j}",
                            date=day,
                            date_precision=precision,
                            position=position,
                            delivery_status=status,
                            detail=self.paragraph(corpus.details, 1, 2),
                        )
                    )
                ordered = sorted(mine, key=lambda u: (u.date, u.slug), reverse=True)
                rec.position = next(
                    (u.position for u in ordered if u.position),
                    Position.NO_RESPONSE_FOUND,
                )
                rec.delivery_status = next(
                    (u.delivery_status for u in ordered if u.delivery_status),
                    DeliveryStatus.NO_INFORMATION,
                )
                updates.extend(mine)
            self.write(Recommendation, recs)
            for update in updates:
                update.recommendation_id = update.recommendation.pk
            self.write(GovernmentUpdate, updates)
            # Missions and umbrellas' parts.
            mission_rows, part_rows = [], []
            for rec in recs:
                roll = rng.random()
                chosen = (
                    missions
                    if roll < 0.03
                    else rng.sample(missions, 1)
                    if roll < 0.13
                    else []
                )
                mission_rows += [
                    {"recommendation_id": rec.pk, "mission_id": m.pk} for m in chosen
                ]
                if rec.kind == RecommendationKind.UMBRELLA:
                    parts = rng.sample(recs, min(len(recs), rng.randint(2, 5)))
                    part_rows += [
                        {"from_recommendation_id": rec.pk, "to_recommendation_id": p.pk}
                        for p in parts
                        if p.pk != rec.pk
                    ]
            self.write_links(Recommendation.missions.through, mission_rows)
            self.write_links(Recommendation.parts.through, part_rows)
            # Citations: the record, its stated chapter and number, each update's axes.
            citations = []
            for rec in recs:
                citations += [
                    cite("recommendation", rec, k=k)
                    for k in range(rng.choice([1, 1, 2, 2, 2, 3, 3, 4]))
                ]
                if rec.chapter_basis == ChapterBasis.STATED:
                    citations.append(cite("recommendation", rec, Supports.CHAPTER))
                if rec.number:
                    citations.append(cite("recommendation", rec, Supports.NUMBER))
            for update in updates:
                if update.position:
                    citations.append(
                        cite("government_update", update, Supports.POSITION)
                    )
                if update.delivery_status:
                    citations.append(
                        cite("government_update", update, Supports.DELIVERY_STATUS)
                    )
                if rng.random() < 0.35:
                    citations.append(cite("government_update", update, Supports.DATE))
            # Promised dates.
            commitments = []
            for rec in recs:
                if rng.random() >= 0.05:
                    continue
                source = rng.choice(sources)
                precision = rng.choice(list(DatePrecision))
                due = self.date_between(datetime.date(2023, 1, 1), 1800)
                due = (
                    due.replace(month=1, day=1)
                    if precision == DatePrecision.YEAR
                    else due.replace(day=1)
                    if precision == DatePrecision.MONTH
                    else due
                )
                met = rng.random() < 0.2
                met_source = rng.choice(sources) if met else None
                commitments.append(
                    Commitment(
                        recommendation=rec,
                        slug=f"{rec.slug}--promise"[:100],
                        promise=rng.choice(corpus.details)[:300],
                        due_on=due,
                        due_precision=precision,
                        source=source,
                        excerpt=excerpt_from(source),
                        met_on=self.date_between(due, 400) if met else None,
                        met_source=met_source,
                        met_excerpt=excerpt_from(met_source) if met else "",
                    )
                )
            first_update = {}
            for update in updates:
                first_update.setdefault(update.recommendation_id, update)
            for commitment in commitments:
                commitment.recommendation_id = commitment.recommendation.pk
                commitment.government_update = first_update.get(
                    commitment.recommendation_id
                )
            self.write(Commitment, commitments)
            # Responses: about 2.4 a recommendation, each on 1-4 recommendations.
            responses, links, chapter_rows, mission_rows = [], [], [], []
            n_responses = round(size * 2.4)
            for j in range(n_responses):
                org = organisations[
                    bisect(org_cumulative, rng.random() * org_cumulative[-1])
                ]
                own_sources = source_of_org.get(org.name)
                source = (
                    rng.choice(own_sources)
                    if own_sources and rng.random() < 0.7
                    else rng.choice(sources)
                )
                moment = pick["moment"].pick(rng)
                start, days = moment_dates[moment]
                person, role = (
                    rng.choice(corpus.people)
                    if corpus.people and rng.random() < 0.4
                    else ("", "")
                )
                own = sentences_of.get(source.pk)
                quotation = (
                    rng.choice(own)
                    if own
                    else rng.choice(corpus.document)
                    if rng.random() < 0.5
                    else ""
                )
                responses.append(
                    StakeholderResponse(
                        slug=f"{PREFIX}r{index * 3 + j + 1:07d}-{org.slug[len(PREFIX) :][:60]}",
                        organisation=org,
                        person=person,
                        role=role,
                        responded_on=None
                        if rng.random() < 0.3
                        else self.date_between(start, days),
                        is_date_approximate=rng.random() < 0.1,
                        moment=moment,
                        stance=pick["stance"].pick(rng),
                        summary=self.paragraph(corpus.response_summaries, 1, 3),
                        quotation=quotation,
                        source=source,
                    )
                )
            self.write(StakeholderResponse, responses)
            for j, response in enumerate(responses):
                # Spread over the chunk so every recommendation gets some.
                first = recs[j * size // n_responses]
                chosen = {first.pk}
                for _ in range(pick["links"].pick(rng) - 1):
                    chosen.add(rng.choice(recs).pk)
                links += [
                    {"stakeholderresponse_id": response.pk, "recommendation_id": pk}
                    for pk in sorted(chosen)
                ]
                if rng.random() < 0.07:
                    chapter_rows.append(
                        {
                            "stakeholderresponse_id": response.pk,
                            "chapter_id": first.chapter_id,
                        }
                    )
                if rng.random() < 0.02:
                    mission_rows.append(
                        {
                            "stakeholderresponse_id": response.pk,
                            "mission_id": rng.choice(missions).pk,
                        }
                    )
            self.write_links(StakeholderResponse.recommendations.through, links)
            self.write_links(StakeholderResponse.chapters.through, chapter_rows)
            self.write_links(StakeholderResponse.missions.through, mission_rows)
            for citation in citations:
                target = citation.recommendation or citation.government_update
                if citation.recommendation is not None:
                    citation.recommendation_id = target.pk
                else:
                    citation.government_update_id = target.pk
            self.write(Citation, citations)
            index += size
            counts["synthetic recommendations"] += size
            counts["government updates"] += len(updates)
            counts["responses"] += len(responses)
            counts["response links"] += len(links)
            counts["citations"] += len(citations)
            counts["commitments"] += len(commitments)
            self.say(
                f"{index:,}/{n:,} recommendations written "
                f"({time.monotonic() - started:.1f} s)"
            )
        return counts

    def make_organisations(self, n):
        """About 2% of N, at least the shipped ones' number, at most 5,000; the shipped
        organisations first (they take part in the distribution too)."""
        rng = self.rng
        shipped = list(Organisation.objects.order_by("slug"))
        target = max(len(shipped), min(5000, round(n * 0.02)))
        kinds = Weighted(
            [((kind, patterns), w) for kind, w, patterns in ORGANISATION_KINDS]
        )
        names, made = {o.name for o in shipped}, []
        while len(shipped) + len(made) < target:
            kind, patterns = kinds.pick(rng)
            place = rng.choice(REGIONS) + rng.choice(PLACES)
            name = rng.choice(patterns).format(place=place)
            slug = f"{PREFIX}{slugify(name)[:80]}"
            if name in names or slug in names:
                continue
            names |= {name, slug}
            made.append(
                Organisation(
                    slug=slug,
                    name=name,
                    kind=kind,
                    url=f"https://www.{slugify(name)[:60]}.org.uk/",
                    description=self.paragraph(self.corpus.response_summaries, 0, 1),
                )
            )
        self.write(Organisation, made)
        everyone = shipped + made
        rng.shuffle(everyone)  # which organisations respond most: any kind
        return everyone

    def make_sources(self, n, organisations):
        """About one source for every two recommendations; a tenth captured, with a
        text of 12-40 sentences (every excerpt quoting one is one of them)."""
        rng, corpus = self.rng, self.corpus
        kinds = Weighted(SOURCE_KINDS)
        made, texts = [], []
        for i in range(max(10, n // 2)):
            kind = kinds.pick(rng)
            if kind in (SourceKind.PRESS_RELEASE, SourceKind.BLOG, SourceKind.WEB_PAGE):
                publisher = rng.choice(organisations).name
            else:
                publisher = rng.choice(corpus.publishers)
            title = (
                f"{publisher} responds: {self.title().lower()}"
                if kind == SourceKind.PRESS_RELEASE
                else rng.choice(corpus.source_titles)
                if rng.random() < 0.3
                else self.title()
            )[:300]
            captured = rng.random() < 0.1
            own = (
                rng.sample(
                    corpus.document, min(len(corpus.document), rng.randint(12, 40))
                )
                if captured
                else []
            )
            raw = "\n\n".join(" ".join(own[k : k + 3]) for k in range(0, len(own), 3))
            precision = (
                DatePrecision.DAY if rng.random() < 0.85 else DatePrecision.MONTH
            )
            published = (
                None
                if rng.random() < 0.2
                else self.date_between(datetime.date(2021, 1, 1), 1800)
            )
            if published and precision == DatePrecision.MONTH:
                published = published.replace(day=1)
            slug = f"{PREFIX}{i + 1:06d}-{slugify(title)[:70]}".rstrip("-")
            made.append(
                SourceDocument(
                    slug=slug,
                    title=title,
                    publisher=publisher[:200],
                    published_on=published,
                    date_precision=precision,
                    kind=kind,
                    capture=Capture.CAPTURED if captured else Capture.CITED,
                    url=f"https://www.{slugify(publisher)[:50]}.org.uk/{slug[len(PREFIX) :]}",
                    raw_text=raw,
                    # save() is not called by bulk_create: derive it here, as save() does.
                    cleaned_text=clean_text(raw),
                    description="A synthetic source for the benchmark.",
                )
            )
            texts.append(own)
        self.write(SourceDocument, made)
        sentences_of = {}
        for source, own in zip(made, texts, strict=True):
            if own:
                # Only what the cleaned text holds word for word.
                sentences_of[source.pk] = [s for s in own if s in source.cleaned_text]
        return made, sentences_of

    # ------------------------------------------------------------------ check

    def check_tracking(self):
        """The denormalised position and status of a sample agree with the model's
        own rule (Recommendation.tracked_values())."""
        sample = list(
            Recommendation.objects.filter(slug__startswith=PREFIX).order_by("?")[:200]
        )
        wrong = [
            r.slug
            for r in sample
            if r.tracked_values()[:2] != (r.position, r.delivery_status)
        ]
        if wrong:
            raise CommandError(
                f"Position or status disagree with the updates: {wrong[:5]}"
            )
