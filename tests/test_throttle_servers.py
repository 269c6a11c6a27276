"""The corrections throttle holds across server processes: two real servers (two
`manage.py runserver` processes) sharing one real Redis, or one database's cache
table, accept exactly THROTTLE_LIMIT of 40 rapid posts from one client, however the
posts are split. With the old per-process LocMemCache, 17 of 40 got through. The
database cache is tried on SQLite and, when DATABASE_URL is PostgreSQL, on a
PostgreSQL database of the servers' own (the test database's rows are not
committed, so servers could not share them)."""

import http.client
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import psycopg2
import pytest
from django.conf import settings
from django.db import connection

from sources.corrections import THROTTLE_LIMIT

POSTS = 40


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port, process, what, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"{what} exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{what} did not listen on port {port}")


@pytest.fixture(scope="module")
def redis_url():
    """A Redis of the test's own, so that no other user of a shared one is touched
    and nothing left in it counts: redis-server on a free port, without persistence."""
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed: run `make test-deps`")
    port = free_port()
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
        + ["--appendonly", "no", "--daemonize", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, process, "redis-server")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


SERVERS = ["redis", "database cache"]
if connection.vendor == "postgresql":
    SERVERS.append("database cache, PostgreSQL")


class SQLiteDatabase:
    def __init__(self, tmp_path):
        self.path = tmp_path / "db.sqlite3"
        self.url = f"sqlite:///{self.path}"

    def count(self, table):
        with sqlite3.connect(self.path) as db:
            return db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]

    def drop(self):
        pass


class PostgreSQLDatabase:
    """A database of its own on the test database's server, dropped afterwards."""

    def __init__(self):
        params = connection.settings_dict
        self.server = {
            "user": params["USER"],
            "password": params["PASSWORD"] or None,
            "host": params["HOST"] or "127.0.0.1",
            "port": params["PORT"] or 5432,
        }
        self.name = f"throttle_servers_{os.getpid()}"
        self._run(f'DROP DATABASE IF EXISTS "{self.name}"')
        self._run(f'CREATE DATABASE "{self.name}"')
        password = f":{params['PASSWORD']}" if params["PASSWORD"] else ""
        self.url = (
            f"postgres://{self.server['user']}{password}@{self.server['host']}:"
            f"{self.server['port']}/{self.name}"
        )

    def _run(self, sql, dbname="postgres"):
        db = psycopg2.connect(dbname=dbname, **self.server)
        db.autocommit = True
        try:
            with db.cursor() as cursor:
                cursor.execute(sql)
                return cursor.fetchone() if cursor.description else None
        finally:
            db.close()

    def count(self, table):
        return self._run(f"SELECT COUNT(*) FROM {table}", dbname=self.name)[0]

    def drop(self):
        self._run(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


@pytest.fixture(params=SERVERS)
def servers(request, tmp_path):
    """Two servers on one database, counting in Redis (REDIS_URL) or, without it,
    in the database's cache table: a SQLite file, or a PostgreSQL database."""
    if request.param.endswith("PostgreSQL"):
        database = PostgreSQLDatabase()
    else:
        database = SQLiteDatabase(tmp_path)
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        "DATABASE_URL": database.url,
        # Only so that pages find their static files without a collectstatic.
        "DJANGO_DEBUG": "1",
    }
    if request.param == "redis":
        env["REDIS_URL"] = request.getfixturevalue("redis_url")
    processes = []
    try:
        for command in ["migrate", "createcachetable"]:
            subprocess.run(
                [sys.executable, "manage.py", command, "--verbosity", "0"],
                cwd=settings.BASE_DIR,
                env=env,
                check=True,
            )
        ports = [free_port(), free_port()]
        processes = [
            subprocess.Popen(
                [sys.executable, "manage.py", "runserver", "--noreload"]
                + [f"127.0.0.1:{port}"],
                cwd=settings.BASE_DIR,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for port in ports
        ]
        for port, process in zip(ports, processes, strict=True):
            wait_for_port(port, process, "runserver")
        yield ports, database
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)
        database.drop()


def request(port, method, path, body=None, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.getheader("Set-Cookie") or "", response.read()
    finally:
        connection.close()


def test_forty_posts_over_two_servers_accept_exactly_the_limit(
    servers,
):
    ports, database = servers
    status, cookie, body = request(ports[0], "GET", "/report/")
    assert status == 200
    csrf_cookie = re.search(r"csrftoken=([^;]+)", cookie).group(1)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)
    form = urlencode(
        {
            "csrfmiddlewaretoken": token.decode(),
            "page": "",
            "message": "The chapter number is wrong.",
            "source": "",
            "email": "",
            "website": "",
        }
    )
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": f"csrftoken={csrf_cookie}",
    }

    def post(n):
        return request(ports[n % 2], "POST", "/report/", form, headers)[0]

    # All at once, as a flood would come: the count must not overshoot.
    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(post, range(POSTS)))
    assert statuses.count(302) == THROTTLE_LIMIT, statuses
    assert statuses.count(429) == POSTS - THROTTLE_LIMIT, statuses
    assert database.count("sources_correction") == THROTTLE_LIMIT
