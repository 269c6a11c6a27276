"""Benchmark the reload and the public pages on a fresh database.

Run from the project folder (DATABASE_URL picks the database, SQLite by default):

    DJANGO_DEBUG=1 DATABASE_URL=sqlite:////tmp/bench.sqlite3 .venv/bin/python docs/benchmarks/run.py

It migrates the database, times a full load_review and a no-change reload, then
requests each page type through Django's test client and reports its query count,
rendered size and median time over several requests. Results go to stdout as a
Markdown table; docs/benchmarks/README.md keeps the latest run.
"""

import os
import statistics
import sys
import time
from io import StringIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "review_portal.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

REPEATS = 7


def out(line=""):
    sys.stdout.write(line + "\n")


def timed(label, function):
    start = time.perf_counter()
    function()
    return label, time.perf_counter() - start


def main():
    setup_test_environment()
    call_command("migrate", verbosity=0)
    from recommendations.models import Chapter, Mission, Recommendation
    from sources.models import Organisation, SourceDocument, StakeholderResponse

    loads = [
        timed("full load", lambda: call_command("load_review", stdout=StringIO())),
        timed(
            "no-change reload", lambda: call_command("load_review", stdout=StringIO())
        ),
    ]
    pages = [
        "/",
        "/recommendations/",
        "/recommendations/?mission=loving-relationships&confidence=high",
        Recommendation.objects.order_by("slug").first().get_absolute_url(),
        "/chapters/",
        Chapter.objects.first().get_absolute_url(),
        "/missions/",
        Mission.objects.first().get_absolute_url(),
        "/organisations/",
        Organisation.objects.first().get_absolute_url(),
        "/responses/",
        StakeholderResponse.objects.first().get_absolute_url(),
        "/sources/",
        SourceDocument.objects.filter(capture="captured").first().get_absolute_url(),
        "/key-figures/",
        "/timeline/",
        "/tracker/",
        "/how-we-track/",
        "/discrepancies/",
        "/search/?q=carers",
        "/search/?q=child+protection",
        "/recommendations.csv",
        "/api/recommendations/",
        "/changes/",
    ]
    client = Client()
    out(f"Database: {connection.vendor}\n")
    out("| step | seconds |\n|---|---:|")
    for label, seconds in loads:
        out(f"| {label} | {seconds:.2f} |")
    out("\n| page | status | queries | bytes | median ms |\n|---|---:|---:|---:|---:|")
    for url in pages:
        client.get(url)  # warm caches
        # The log is a bounded deque: once full, a capture's slice of it is empty.
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        times = []
        for _ in range(REPEATS):
            start = time.perf_counter()
            client.get(url)
            times.append((time.perf_counter() - start) * 1000)
        size = len(response.content) if not response.streaming else 0
        out(
            f"| `{url}` | {response.status_code} | {len(queries)} | {size:,} "
            f"| {statistics.median(times):.1f} |"
        )


if __name__ == "__main__":
    main()
