"""Measure the ways to correct a mistyped search word from the portal's vocabulary.

Run from the project folder on a database that holds the portal (load_review):

    DJANGO_DEBUG=1 DATABASE_URL=sqlite:////tmp/bench.sqlite3 .venv/bin/python docs/benchmarks/search_trigrams.py
    DJANGO_DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python docs/benchmarks/search_trigrams.py

Candidates compared, each given the same vocabulary (every word of the searched
columns) and the same misspellings, reporting how many it corrects to the intended
word and the median time per word:

- python: review_portal/lib/forgiving.py (trigram candidates in memory, then edit
  distance and neighbouring words);
- pg_trgm: `ORDER BY similarity(word, %s) DESC` over a temporary table of the
  words with a GIN gin_trgm_ops index (PostgreSQL only; needs CREATE EXTENSION);
- fts5 trigram: a temporary FTS5 table of the words with `tokenize='trigram'`,
  candidates by MATCH on any of the word's trigrams, best by bm25 (SQLite only).
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "review_portal.settings")

import django

django.setup()

from django.db import connection  # noqa: E402

from review_portal.lib.forgiving import _trigrams, vocabulary  # noqa: E402

# (typed, intended, the word after it in the query)
CASES = [
    ("leving", "leaving", "care"),
    ("stayin", "staying", "close"),
    ("adopton", "adoption", ""),
    ("kinshp", "kinship", "carers"),
    ("fostr", "foster", "carers"),
    ("safegaurding", "safeguarding", ""),
    ("childern", "children", ""),
    ("reveiw", "review", ""),
    ("famly", "family", "help"),
    ("residental", "residential", ""),
    ("advocasy", "advocacy", ""),
    ("lokal", "local", "authorities"),
]


def timed(function, word):
    start = time.perf_counter()
    result = function(word)
    return result, time.perf_counter() - start


def report(name, function):
    right, times = 0, []
    for typed, intended, after in CASES:
        best, seconds = timed(lambda w, after=after: function(w, after), typed)
        times.append(seconds)
        right += best == intended
    median = statistics.median(times) * 1000
    sys.stdout.write(f"| {name} | {right}/{len(CASES)} | {median:.2f} ms |\n")


def main():
    start = time.perf_counter()
    vocab = vocabulary()
    built = time.perf_counter() - start
    words = list(vocab.words)
    sys.stdout.write(
        f"{connection.vendor}: {len(words)} words, vocabulary built in "
        f"{built * 1000:.0f} ms\n\n| method | corrected | median per word |\n|---|---|---|\n"
    )
    report("python (forgiving.py)", lambda w, after: vocab.correct(w, after=after))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            cursor.execute("CREATE TEMP TABLE bench_words (word text)")
            cursor.executemany(
                "INSERT INTO bench_words VALUES (%s)", [(w,) for w in words]
            )
            cursor.execute("CREATE INDEX ON bench_words USING gin (word gin_trgm_ops)")
            cursor.execute("ANALYZE bench_words")

            def pg(word, after):
                cursor.execute(
                    "SELECT word FROM bench_words WHERE word %% %s "
                    "ORDER BY similarity(word, %s) DESC, word LIMIT 1",
                    [word, word],
                )
                row = cursor.fetchone()
                return row[0] if row else ""

            report("pg_trgm similarity (GIN)", pg)
        else:
            cursor.execute(
                "CREATE VIRTUAL TABLE temp.bench_words USING fts5(word, "
                "tokenize='trigram')"
            )
            cursor.executemany(
                "INSERT INTO temp.bench_words(word) VALUES (%s)", [(w,) for w in words]
            )

            def fts5(word, after):
                grams = [g for g in _trigrams(word) if " " not in g]
                match = " OR ".join(f'"{g}"' for g in grams)
                cursor.execute(
                    "SELECT word FROM temp.bench_words WHERE bench_words MATCH %s "
                    "ORDER BY bm25(bench_words) LIMIT 1",
                    [match],
                )
                row = cursor.fetchone()
                return row[0] if row else ""

            report("fts5 trigram (bm25)", fts5)


if __name__ == "__main__":
    main()
