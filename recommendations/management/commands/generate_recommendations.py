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
COUNTED = [
    "synthetic recommendations",
    "organisations",
    "sources",
    "responses",
    "response links",
    "government updates",
    "citations",
    "commitments",
]


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


def zipf(values, exponent):
    """A Weighted pick of `values`, the first most often (Zipf's law)."""
    return Weighted(
        [(value, 1.0 / (rank + 1) ** exponent) for rank, value in enumerate(values)]
    )


def as_precise_as(day, precision):
    """`day` as its precision writes it: the first of its month or year."""
    if precision == DatePrecision.YEAR:
        return day.replace(month=1, day=1)
    if precision == DatePrecision.MONTH:
        return day.replace(day=1)
    return day


def set_tracked_values(rec, updates):
    """Recommendation.tracked_values()'s rule, on unsaved updates: the latest dated
    update's on each axis, ties broken by slug."""
    latest_first = sorted(updates, key=lambda u: (u.date, u.slug), reverse=True)
    rec.position = next(
        (u.position for u in latest_first if u.position), Position.NO_RESPONSE_FOUND
    )
    rec.delivery_status = next(
        (u.delivery_status for u in latest_first if u.delivery_status),
        DeliveryStatus.NO_INFORMATION,
    )


def attach(objs, field):
    """Set each object's `field`_id from its related object, saved since the object
    was built (bulk_create writes the id, not the object); return them."""
    for obj in objs:
        setattr(obj, f"{field}_id", getattr(obj, field).pk)
    return objs


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
        self.migrate(url, force)
        self.say(
            f"migrated in {time.monotonic() - started:.1f} s; loading the shipped review"
        )
        call_command("load_review", verbosity=0)
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
        # Statistics for the planner; on PostgreSQL also the visibility map, without
        # which the indexes are not read alone (index-only scans) until autovacuum
        # runs, and it may be off. VACUUM runs outside a transaction (autocommit).
        with connection.cursor() as cursor:
            cursor.execute(
                "VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE"
            )
        self.check_tracking()
        counts["recommendations (all)"] = Recommendation.objects.count()
        self.stdout.write(
            "Generated: "
            + ", ".join(f"{value:,} {name}" for name, value in counts.items())
        )
        self.stdout.write(
            f"Times: load_review {loaded - started:.1f} s, synthetic rows "
            f"{generated - loaded:.1f} s, total {time.monotonic() - started:.1f} s"
        )

    def migrate(self, url, force):
        """Migrate the target; refuse it if it already holds the review, unless
        --force, which removes an earlier run's synthetic rows."""
        call_command("migrate", interactive=False, verbosity=0)
        call_command("createcachetable", verbosity=0)
        if Review.objects.exists() and not force:
            raise CommandError(
                f"{url} already holds the review ({Recommendation.objects.count()} "
                "recommendations). Use a new, empty database, or --force to replace "
                "the synthetic rows of an earlier run."
            )
        if force:
            self.remove_synthetic()

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
        """N synthetic recommendations and their related rows, CHUNK recommendations
        at a time; the counts of what was written."""
        counts = dict.fromkeys(COUNTED, 0)
        if n == 0:
            return counts
        self.prepare(review)
        organisations = self.make_organisations(n)
        self.organisation_pick = zipf(organisations, 0.9)
        self.sources, self.sentences_of = self.make_sources(n, organisations)
        self.sources_of = {}  # an organisation's name: the sources it published
        for source in self.sources:
            self.sources_of.setdefault(source.publisher, []).append(source)
        counts["organisations"] = len(organisations)
        counts["sources"] = len(self.sources)
        index = 0
        started = time.monotonic()
        while index < n:
            size = min(CHUNK, n - index)
            for name, value in self.generate_chunk(index, size).items():
                counts[name] += value
            index += size
            self.say(
                f"{index:,}/{n:,} recommendations written "
                f"({time.monotonic() - started:.1f} s)"
            )
        return counts

    def prepare(self, review):
        """What every chunk draws from: the review's chapters and missions, the
        weighted picks, and the recommendation numbers already taken."""
        self.review = review
        chapters = list(Chapter.objects.filter(review=review).order_by("number"))
        self.missions = list(Mission.objects.filter(review=review).order_by("number"))
        # Chapters as often as the shipped recommendations sit in them (plus one).
        self.chapter_pick = Weighted(
            [(ch, 1 + ch.recommendations.count()) for ch in chapters]
        )
        self.picks = {
            "kind": Weighted(KINDS),
            "confidence": Weighted(CONFIDENCES),
            "updates": Weighted(UPDATES_PER_RECOMMENDATION),
            "axes": Weighted(UPDATE_AXES),
            "links": Weighted(LINKS_PER_RESPONSE),
            "stance": Weighted(STANCES),
            "moment": Weighted([(m, w) for m, w, _, _ in MOMENTS]),
        }
        self.moment_dates = {m: (start, days) for m, _, start, days in MOMENTS}
        self.numbers = {ch.pk: 0 for ch in chapters}
        self.shipped_numbers = set(
            Recommendation.objects.exclude(number="").values_list("number", flat=True)
        )

    def generate_chunk(self, index, size):
        """Synthetic recommendations index + 1 to index + size, written with their
        updates, missions, parts, citations, promised dates and responses; the
        counts. (The order of the random draws is the data: keep it.)"""
        recs = [self.make_recommendation(i) for i in range(index, index + size)]
        updates = [update for rec in recs for update in self.make_updates(rec)]
        self.write(Recommendation, recs)
        self.write(GovernmentUpdate, attach(updates, "recommendation"))
        self.link_missions_and_parts(recs)
        rec_citations = [c for rec in recs for c in self.cite_recommendation(rec)]
        update_citations = [c for u in updates for c in self.cite_update(u)]
        commitments = self.make_commitments(recs, updates)
        responses, links = self.make_responses(index, recs)
        self.write(
            Citation,
            attach(rec_citations, "recommendation")
            + attach(update_citations, "government_update"),
        )
        return {
            "synthetic recommendations": size,
            "government updates": len(updates),
            "responses": len(responses),
            "response links": links,
            "citations": len(rec_citations) + len(update_citations),
            "commitments": len(commitments),
        }

    # ------------------------------------------------------------------ recommendations

    def make_recommendation(self, i):
        """The i-th synthetic recommendation, unsaved; make_updates() sets its
        position and delivery status."""
        rng, corpus = self.rng, self.corpus
        title = self.title()
        chapter = self.chapter_pick.pick(rng)
        stated = rng.random() < 0.05
        number = self.next_number(chapter) if rng.random() < 0.03 else ""
        return Recommendation(
            review=self.review,
            chapter=chapter,
            chapter_basis=ChapterBasis.STATED if stated else ChapterBasis.INFERRED,
            chapter_note="" if stated else rng.choice(corpus.chapter_notes or [""]),
            number=number,
            slug=f"{PREFIX}{i + 1:06d}-{slugify(title)[:60]}".rstrip("-"),
            kind=self.picks["kind"].pick(rng),
            title=title,
            summary=self.paragraph(corpus.summary, 1, 3),
            addressed_to=rng.choice(corpus.addressed_to),
            is_headline=rng.random() < 0.12,
            confidence=self.picks["confidence"].pick(rng),
            note=self.paragraph(corpus.notes, 0, 2) if rng.random() < 0.6 else "",
        )

    def next_number(self, chapter):
        """The chapter's next synthetic number (after the shipped 20 a chapter), or
        "" if the shipped data already uses it."""
        self.numbers[chapter.pk] += 1
        candidate = f"{chapter.number}.{self.numbers[chapter.pk] + 20}"
        return "" if candidate in self.shipped_numbers else candidate

    def make_updates(self, rec):
        """None to three government updates of `rec`, unsaved, in date order; sets
        the position and status they give it."""
        rng = self.rng
        k = self.picks["updates"].pick(rng)
        days = sorted(
            self.date_between(datetime.date(2022, 6, 1), 1300) for _ in range(k)
        )
        updates = []
        for j, day in enumerate(days):
            position, status = self.picks["axes"].pick(rng)
            precision = (
                DatePrecision.MONTH if rng.random() < 0.16 else DatePrecision.DAY
            )
            day = as_precise_as(day, precision)
            updates.append(
                GovernmentUpdate(
                    recommendation=rec,
                    slug=f"{rec.slug}--{day.isoformat()}-{j}",
                    date=day,
                    date_precision=precision,
                    position=position,
                    delivery_status=status,
                    detail=self.paragraph(self.corpus.details, 1, 2),
                )
            )
        set_tracked_values(rec, updates)
        return updates

    def link_missions_and_parts(self, recs):
        """Write a few recommendations' missions (one, or now and then all) and each
        umbrella's parts (two to five of the chunk's recommendations)."""
        rng = self.rng
        mission_rows, part_rows = [], []
        for rec in recs:
            roll = rng.random()
            chosen = (
                self.missions
                if roll < 0.03
                else rng.sample(self.missions, 1)
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

    # ------------------------------------------------------------------ citations

    def excerpt_from(self, source):
        """A sentence that `source` holds word for word, if captured; else any."""
        own = self.sentences_of.get(source.pk)
        return self.rng.choice(own) if own else self.rng.choice(self.corpus.document)

    def cite(self, target_field, target, supports=Supports.RECORD, k=0):
        source = self.rng.choice(self.sources)
        return Citation(
            slug=f"{PREFIX}{target.slug[len(PREFIX) :]}--{SUPPORT_CODES[supports]}{k}",
            source=source,
            excerpt=self.excerpt_from(source),
            supports=supports,
            **{target_field: target},
        )

    def cite_recommendation(self, rec):
        """One to four citations of the record, and its stated chapter's and
        number's."""
        citations = [
            self.cite("recommendation", rec, k=k)
            for k in range(self.rng.choice([1, 1, 2, 2, 2, 3, 3, 4]))
        ]
        if rec.chapter_basis == ChapterBasis.STATED:
            citations.append(self.cite("recommendation", rec, Supports.CHAPTER))
        if rec.number:
            citations.append(self.cite("recommendation", rec, Supports.NUMBER))
        return citations

    def cite_update(self, update):
        """A citation for each axis the update sets, and sometimes its date's."""
        citations = []
        if update.position:
            citations.append(self.cite("government_update", update, Supports.POSITION))
        if update.delivery_status:
            citations.append(
                self.cite("government_update", update, Supports.DELIVERY_STATUS)
            )
        if self.rng.random() < 0.35:
            citations.append(self.cite("government_update", update, Supports.DATE))
        return citations

    # ------------------------------------------------------------------ promised dates

    def make_commitments(self, recs, updates):
        """Write promised dates for about 5% of `recs`, each tied to its
        recommendation's first update if it has one; return them."""
        commitments = [
            self.make_commitment(rec) for rec in recs if self.rng.random() < 0.05
        ]
        first_update = {}
        for update in updates:
            first_update.setdefault(update.recommendation_id, update)
        for commitment in attach(commitments, "recommendation"):
            commitment.government_update = first_update.get(
                commitment.recommendation_id
            )
        return self.write(Commitment, commitments)

    def make_commitment(self, rec):
        rng = self.rng
        source = rng.choice(self.sources)
        precision = rng.choice(list(DatePrecision))
        due = as_precise_as(
            self.date_between(datetime.date(2023, 1, 1), 1800), precision
        )
        met = rng.random() < 0.2
        met_source = rng.choice(self.sources) if met else None
        return Commitment(
            recommendation=rec,
            slug=f"{rec.slug}--promise"[:100],
            promise=rng.choice(self.corpus.details)[:300],
            due_on=due,
            due_precision=precision,
            source=source,
            excerpt=self.excerpt_from(source),
            met_on=self.date_between(due, 400) if met else None,
            met_source=met_source,
            met_excerpt=self.excerpt_from(met_source) if met else "",
        )

    # ------------------------------------------------------------------ responses

    def make_responses(self, index, recs):
        """Write about 2.4 responses a recommendation of the chunk starting at
        `index`, each on one to four of `recs`; return them and their links' count."""
        n_responses = round(len(recs) * 2.4)
        responses = self.write(
            StakeholderResponse,
            [self.make_response(index * 3 + j + 1) for j in range(n_responses)],
        )
        return responses, self.link_responses(responses, recs)

    def make_response(self, number):
        """The number-th synthetic response, unsaved and unlinked."""
        rng, corpus = self.rng, self.corpus
        org = self.organisation_pick.pick(rng)
        own_sources = self.sources_of.get(org.name)
        source = (
            rng.choice(own_sources)
            if own_sources and rng.random() < 0.7
            else rng.choice(self.sources)
        )
        moment = self.picks["moment"].pick(rng)
        start, days = self.moment_dates[moment]
        person, role = (
            rng.choice(corpus.people)
            if corpus.people and rng.random() < 0.4
            else ("", "")
        )
        own = self.sentences_of.get(source.pk)
        quotation = (
            rng.choice(own)
            if own
            else rng.choice(corpus.document)
            if rng.random() < 0.5
            else ""
        )
        return StakeholderResponse(
            slug=f"{PREFIX}r{number:07d}-{org.slug[len(PREFIX) :][:60]}",
            organisation=org,
            person=person,
            role=role,
            responded_on=None if rng.random() < 0.3 else self.date_between(start, days),
            is_date_approximate=rng.random() < 0.1,
            moment=moment,
            stance=self.picks["stance"].pick(rng),
            summary=self.paragraph(corpus.response_summaries, 1, 3),
            quotation=quotation,
            source=source,
        )

    def link_responses(self, responses, recs):
        """Write each saved response's recommendations (spread over `recs` so every
        one gets some), and now and then a chapter or a mission; the count of
        recommendation links."""
        rng = self.rng
        links, chapter_rows, mission_rows = [], [], []
        for j, response in enumerate(responses):
            first = recs[j * len(recs) // len(responses)]
            chosen = {first.pk}
            for _ in range(self.picks["links"].pick(rng) - 1):
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
                        "mission_id": rng.choice(self.missions).pk,
                    }
                )
        self.write_links(StakeholderResponse.recommendations.through, links)
        self.write_links(StakeholderResponse.chapters.through, chapter_rows)
        self.write_links(StakeholderResponse.missions.through, mission_rows)
        return len(links)

    # ------------------------------------------------------------------ organisations and sources

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
        kinds = Weighted(SOURCE_KINDS)
        made, texts = [], []
        for i in range(max(10, n // 2)):
            source, own = self.make_source(i, kinds.pick(self.rng), organisations)
            made.append(source)
            texts.append(own)
        self.write(SourceDocument, made)
        sentences_of = {}
        for source, own in zip(made, texts, strict=True):
            if own:
                # Only what the cleaned text holds word for word.
                sentences_of[source.pk] = [s for s in own if s in source.cleaned_text]
        return made, sentences_of

    def make_source(self, i, kind, organisations):
        """The i-th synthetic source, unsaved, and the sentences of its text (none
        unless captured)."""
        rng, corpus = self.rng, self.corpus
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
            rng.sample(corpus.document, min(len(corpus.document), rng.randint(12, 40)))
            if captured
            else []
        )
        raw = "\n\n".join(" ".join(own[k : k + 3]) for k in range(0, len(own), 3))
        precision = DatePrecision.DAY if rng.random() < 0.85 else DatePrecision.MONTH
        published = (
            None
            if rng.random() < 0.2
            else as_precise_as(
                self.date_between(datetime.date(2021, 1, 1), 1800), precision
            )
        )
        slug = f"{PREFIX}{i + 1:06d}-{slugify(title)[:70]}".rstrip("-")
        source = SourceDocument(
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
        return source, own

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
