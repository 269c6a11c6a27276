"""Two `load_review`s at once, in two real processes: one waits for the other, then
finds nothing to change. Before the lock, on an empty database the second died with
an IntegrityError traceback, and on a loaded one every edit went into the history
twice."""

import fcntl
import os
import sqlite3
import subprocess
import sys
import threading
import time

import pytest
from django.conf import settings
from django.db import connection

from recommendations.models import Recommendation
from sources.loading import LOCK_FILE_SUFFIX, LOCK_KEY

WAITING = "Another load_review is running"


def command_env(database_url):
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        "DATABASE_URL": database_url,
    }


def start_load(database_url):
    return subprocess.Popen(
        [sys.executable, "manage.py", "load_review"],
        cwd=settings.BASE_DIR,
        env=command_env(database_url),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


class Load:
    """`manage.py load_review` in a process of its own; its stderr is read as it
    comes, by a thread, so that the test can wait for a line."""

    def __init__(self, database_url):
        self.process = start_load(database_url)
        self.stderr = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.process.stderr:
            self.stderr.append(line)

    @property
    def err(self):
        return "".join(self.stderr)

    def finish(self):
        out = self.process.stdout.read()
        self.process.wait(timeout=300)
        self.reader.join(timeout=10)
        return self.process.returncode, out, self.err


def wait_until_both_wait(loads):
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        for load in loads:
            assert load.process.poll() is None, load.err
        if all(WAITING in load.err for load in loads):
            return
        time.sleep(0.2)
    raise AssertionError(f"the loads never waited: {[load.err for load in loads]}")


def check_one_loaded_and_one_found_nothing(results):
    for returncode, _out, err in results:
        assert returncode == 0, err
        assert "Traceback" not in err, err
    outs = sorted(out for _, out, _ in results)
    assert sum("Loaded." in out for out in outs) == 1, outs
    assert sum("No changes" in out for out in outs) == 1, outs


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the advisory lock is PostgreSQL's"
)
@pytest.mark.django_db(transaction=True)
def test_two_loads_on_postgresql_run_one_after_the_other():
    params = connection.settings_dict
    database_url = (
        f"postgres://{params['USER']}@{params['HOST'] or '127.0.0.1'}:"
        f"{params['PORT'] or 5432}/{params['NAME']}"
    )
    # Hold the loader's lock, so that both loads start while it is taken.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [LOCK_KEY])
        try:
            loads = [Load(database_url), Load(database_url)]
            wait_until_both_wait(loads)
        finally:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])
    check_one_loaded_and_one_found_nothing([load.finish() for load in loads])
    # Every record was created once, by one load ("No changes" says the other wrote
    # nothing at all).
    history = Recommendation.history.model.objects
    assert history.filter(history_type="+").count() == Recommendation.objects.count()
    assert Recommendation.objects.exists()


def test_two_loads_on_sqlite_run_one_after_the_other(tmp_path):
    database = tmp_path / "db.sqlite3"
    database_url = f"sqlite:///{database}"
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--verbosity", "0"],
        cwd=settings.BASE_DIR,
        env=command_env(database_url),
        check=True,
    )
    with open(f"{database}{LOCK_FILE_SUFFIX}", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            loads = [Load(database_url), Load(database_url)]
            wait_until_both_wait(loads)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    check_one_loaded_and_one_found_nothing([load.finish() for load in loads])
    with sqlite3.connect(database) as db:
        (created,) = db.execute(
            "SELECT COUNT(*) FROM recommendations_historicalrecommendation"
            " WHERE history_type = '+'"
        ).fetchone()
        (records,) = db.execute(
            "SELECT COUNT(*) FROM recommendations_recommendation"
        ).fetchone()
    assert created == records > 0
