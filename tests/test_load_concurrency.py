"""Two `load_review`s at once, in two real processes: one waits for the other, then
finds nothing to change. Before the lock, on an empty database the second died with
an IntegrityError traceback, and on a loaded one every edit went into the history
twice. `export_review` takes the same lock, so a load and an export never overlap:
an export waits for a load (and a load for an export) with a message."""

import fcntl
import json
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

WAITING = "Another load_review or export_review is running"


def command_env(database_url):
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        "DATABASE_URL": database_url,
    }


def start_command(database_url, *args):
    return subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=command_env(database_url),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


class Command:
    """`manage.py <args>` in a process of its own; its stderr is read as it comes,
    by a thread, so that the test can wait for a line."""

    def __init__(self, database_url, *args):
        self.process = start_command(database_url, *args)
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


class Load(Command):
    def __init__(self, database_url):
        super().__init__(database_url, "load_review")


class Export(Command):
    def __init__(self, database_url, target):
        super().__init__(database_url, "export_review", str(target))


def wait_until_both_wait(loads):
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        for load in loads:
            assert load.process.poll() is None, load.err
        if all(WAITING in load.err for load in loads):
            return
        time.sleep(0.2)
    raise AssertionError(f"the loads never waited: {[load.err for load in loads]}")


def postgres_url():
    """The test database's address, for commands run in other processes."""
    params = connection.settings_dict
    return (
        f"postgres://{params['USER']}@{params['HOST'] or '127.0.0.1'}:"
        f"{params['PORT'] or 5432}/{params['NAME']}"
    )


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
    database_url = postgres_url()
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
    database, database_url = migrated_sqlite(tmp_path)
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


def migrated_sqlite(tmp_path):
    database = tmp_path / "db.sqlite3"
    database_url = f"sqlite:///{database}"
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--verbosity", "0"],
        cwd=settings.BASE_DIR,
        env=command_env(database_url),
        check=True,
    )
    return database, database_url


def exported_recommendations(target):
    return json.loads((target / "recommendations.json").read_text(encoding="utf-8"))


def check_no_overlap(load, export, target, count_records):
    """Both ran, without a traceback, one after the other: the export holds either
    nothing (it ran first, on the empty database) or every recommendation the load
    wrote (it ran after), never part of a load."""
    results = {"load": load.finish(), "export": export.finish()}
    for name, (returncode, _out, err) in results.items():
        assert returncode == 0, f"{name}: {err}"
        assert "Traceback" not in err, err
    assert "Loaded." in results["load"][1]
    records = count_records()
    assert records > 0
    assert len(exported_recommendations(target)) in {0, records}


def test_an_export_on_sqlite_waits_for_the_lock_and_writes_nothing_meanwhile(
    tmp_path,
):
    database, database_url = migrated_sqlite(tmp_path)
    target = tmp_path / "exported"
    with open(f"{database}{LOCK_FILE_SUFFIX}", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            export = Export(database_url, target)
            wait_until_both_wait([export])
            # Holding the lock, as a load would: not one file written yet.
            assert not list(target.glob("*.json"))
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    returncode, out, err = export.finish()
    assert returncode == 0, err
    assert "Traceback" not in err
    assert "files changed" in out
    assert exported_recommendations(target) == []


def test_a_load_and_an_export_on_sqlite_never_overlap(tmp_path):
    database, database_url = migrated_sqlite(tmp_path)
    target = tmp_path / "exported"
    with open(f"{database}{LOCK_FILE_SUFFIX}", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            load, export = Load(database_url), Export(database_url, target)
            wait_until_both_wait([load, export])
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)

    def count_records():
        with sqlite3.connect(database) as db:
            return db.execute(
                "SELECT COUNT(*) FROM recommendations_recommendation"
            ).fetchone()[0]

    check_no_overlap(load, export, target, count_records)


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the advisory lock is PostgreSQL's"
)
@pytest.mark.django_db(transaction=True)
def test_a_load_and_an_export_on_postgresql_wait_for_the_same_lock(tmp_path):
    database_url = postgres_url()
    target = tmp_path / "exported"
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [LOCK_KEY])
        try:
            load, export = Load(database_url), Export(database_url, target)
            wait_until_both_wait([load, export])
            assert not list(target.glob("*.json"))
        finally:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])
    check_no_overlap(load, export, target, Recommendation.objects.count)
