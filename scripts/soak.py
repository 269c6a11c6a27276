"""Soak and restart: the portal under gunicorn, DEBUG off, on a PostgreSQL database of
its own, first under steady load, then while PostgreSQL restarts.

    .venv/bin/python scripts/soak.py [--duration 60] [--connections 64]

1. (Re)creates the database `soak` (createdb -h 127.0.0.1 -U postgres), migrates it,
   makes the cache table, loads the review and collects the static files.
2. Serves it with `.venv/bin/gunicorn review_portal.wsgi` (gunicorn.conf.py: two
   sync workers per core plus one) on a free loopback port, and checks that every
   page the load asks for answers 200.
3. Soak: wrk, 64 connections for 60 seconds over those pages (scripts/soak.lua
   counts every answer that is not a 2xx). Reports requests, requests per second,
   errors and the 50th and 99th percentile latencies.
4. Restart: wrk again while PostgreSQL is stopped (`pg_ctlcluster
   --skip-systemctl-redirect 15 main stop`), left down for 5 seconds and started.
   Reports the errors while it was down, how long after it was back the first
   page was served again (a probe asks for one every 0.1 s), and that no error
   came after that: the workers' connections are health-checked before reuse
   (CONN_HEALTH_CHECKS), so a dead one is replaced, with no restart of gunicorn.

It restarts the machine's PostgreSQL cluster, which every other user of it sees
for a few seconds: `--no-restart` leaves that phase out. Exits non-zero if the soak
had an error, or an error came after the database was back. Needs wrk
(/usr/bin/wrk), PostgreSQL's client tools and pg_ctlcluster, and gunicorn in .venv.
"""

import argparse
import http.client
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
VENV = BASE_DIR / ".venv" / "bin"
LUA = Path(__file__).with_name("soak.lua")
PG = ["-h", "127.0.0.1", "-U", "postgres"]


def log(message):
    sys.stderr.write(f"{message}\n")
    sys.stderr.flush()


def say(text):
    sys.stdout.write(f"{text}\n")
    sys.stdout.flush()


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(port, path, timeout=10):
    """The status of GET `path` (redirects not followed), or the exception's name."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status
    except (OSError, http.client.HTTPException) as exc:
        return type(exc).__name__
    finally:
        connection.close()


def prepare_database(name, env):
    subprocess.run(["dropdb", *PG, "--if-exists", name], check=True)
    subprocess.run(["createdb", *PG, name], check=True)
    for command in [
        ["migrate", "--noinput"],
        ["createcachetable"],
        ["load_review"],
        ["collectstatic", "--noinput"],
    ]:
        log(f"manage.py {command[0]}")
        subprocess.run(
            [sys.executable, "manage.py", *command, "--verbosity", "0"],
            cwd=BASE_DIR,
            env=env,
            check=True,
        )


def pages(database):
    """One address of each kind the soak asks for, details found in the database."""

    def first(table, where="TRUE"):
        return subprocess.run(
            ["psql", *PG, "-d", database, "-Atc"]
            + [f"SELECT slug FROM {table} WHERE {where} ORDER BY slug LIMIT 1"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()

    recommendation = first("recommendations_recommendation", "kind = 'recommendation'")
    mission = first("recommendations_mission")
    source = first("sources_sourcedocument", "capture = 'captured'")
    return [
        "/",
        "/recommendations/",
        f"/recommendations/?mission={mission}",
        f"/recommendations/{recommendation}/",
        f"/chapters/{first('recommendations_chapter')}/",
        f"/organisations/{first('sources_organisation')}/",
        f"/sources/{source}/",
        "/tracker/",
        "/search/?q=care+leavers",
        "/changes/",
        "/how-we-track/",
        "/timeline/",
        "/api/recommendations/",
        f"/api/recommendations/{recommendation}/",
        "/recommendations.csv",
    ]


def wrk(port, paths, *, connections, seconds):
    return subprocess.Popen(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s"]
        + ["-s", str(LUA), f"http://127.0.0.1:{port}", "--", *paths],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def result(process):
    out, _ = process.communicate()
    line = next((ln for ln in out.splitlines() if ln.startswith("SOAK_JSON ")), None)
    if process.returncode != 0 or line is None:
        raise SystemExit(f"wrk failed:\n{out}")
    figures = json.loads(line.removeprefix("SOAK_JSON "))
    figures["by_second"] = {s: (ok, bad) for s, ok, bad in figures["by_second"]}
    figures["socket_errors"] = sum(
        figures[f"errors_{kind}"] for kind in ["connect", "read", "write", "timeout"]
    )
    figures["non_2xx"] = sum(bad for _, bad in figures["by_second"].values())
    return figures


def soak(port, paths, args):
    log(f"soak: {args.connections} connections for {args.duration} s")
    # Other work on the machine slows the portal down: say how much there was.
    load_before = os.getloadavg()[0]
    figures = result(
        wrk(port, paths, connections=args.connections, seconds=args.duration)
    )
    errors = figures["non_2xx"] + figures["socket_errors"]
    say(
        f"Soak: {args.connections} connections, {figures['duration_s']:.0f} s, "
        f"{len(paths)} pages in turn (load average before: {load_before:.1f} on "
        f"{os.cpu_count()} cores)\n"
        f"  requests      {figures['requests']}\n"
        f"  requests/s    {figures['requests'] / figures['duration_s']:.1f}\n"
        f"  errors        {errors} ({figures['non_2xx']} not 2xx, "
        f"{figures['socket_errors']} socket)\n"
        f"  latency p50   {figures['p50_us'] / 1000:.1f} ms\n"
        f"  latency p99   {figures['p99_us'] / 1000:.1f} ms\n"
        f"  latency max   {figures['max_us'] / 1000:.1f} ms"
    )
    return errors


class Probe(threading.Thread):
    """Asks for the home page every 0.1 s, noting (time, status)."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.port, self.answers, self.stopped = port, [], threading.Event()

    def run(self):
        while not self.stopped.is_set():
            self.answers.append((time.time(), get(self.port, "/", timeout=5)))
            time.sleep(0.1)


def pg_ctl(action, cluster):
    version, name = cluster.split()
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, name, action],
        check=True,
    )


def restart(port, paths, args):
    before, down, total = 10, 5, 45
    log(f"restart: traffic for {total} s; PostgreSQL stopped after {before} s")
    process = wrk(port, paths, connections=args.connections, seconds=total)
    probe = Probe(port)
    probe.start()
    time.sleep(before)
    stop_at = time.time()
    try:
        pg_ctl("stop", args.cluster)
        stopped_at = time.time()
        time.sleep(down)
    finally:
        start_at = time.time()
        pg_ctl("start", args.cluster)  # returns once it accepts connections
        back_at = time.time()
    log(f"PostgreSQL back after {back_at - stop_at:.1f} s")
    figures = result(process)  # at the end of wrk's run
    probe.stopped.set()
    probe.join()
    return report_restart(
        figures, probe.answers, stop_at, stopped_at, start_at, back_at
    )


def report_restart(figures, answers, stop_at, stopped_at, start_at, back_at):
    first_ok = next(
        (t for t, status in answers if t >= back_at and status == 200), None
    )
    probe_errors_down = sum(
        1 for t, status in answers if stop_at <= t < back_at and status != 200
    )
    probe_errors_after = [
        (round(t - back_at, 1), status)
        for t, status in answers
        if first_ok is not None and t > first_ok and status != 200
    ]
    by_second = figures["by_second"]
    # Seconds from the stop until the first page served after the start (and that
    # second itself, which may hold errors from just before it).
    recovered = int(first_ok) + 1 if first_ok else max(by_second) + 1
    down = range(int(stop_at), recovered)
    errors_down = sum(bad for s, (_, bad) in by_second.items() if s in down)
    errors_before = sum(bad for s, (_, bad) in by_second.items() if s < int(stop_at))
    errors_after = sum(bad for s, (_, bad) in by_second.items() if s >= recovered)
    say(
        "Restart: PostgreSQL stopped, down 5 s, started, under the same traffic\n"
        f"  stop took            {stopped_at - stop_at:.1f} s; start took "
        f"{back_at - start_at:.1f} s; down {back_at - stop_at:.1f} s in all\n"
        f"  requests             {figures['requests']}\n"
        f"  errors before        {errors_before}\n"
        f"  errors until back    {errors_down} not 2xx (probe: {probe_errors_down})"
        f", {figures['socket_errors']} socket errors in the whole run\n"
        f"  first page after     "
        + (f"{first_ok - back_at:.2f} s" if first_ok else "never")
        + " (probe, from PostgreSQL accepting connections)\n"
        f"  errors after that    {errors_after} (probe: {len(probe_errors_after)})"
    )
    say("  per second (ok / errors), from 2 s before the stop to 5 s after:")
    for second in sorted(by_second):
        if int(stop_at) - 2 <= second <= recovered + 5:
            ok, bad = by_second[second]
            mark = " (down)" if second in down else ""
            say(f"    +{second - int(stop_at):3d} s  {ok:6d} / {bad:<6d}{mark}")
    return first_ok is not None and errors_after == 0 and not probe_errors_after


def parse_args():
    """The command line, and the tools the run needs, checked."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=60)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--database", default="soak")
    parser.add_argument("--cluster", default="15 main", help='e.g. "15 main"')
    parser.add_argument("--no-restart", action="store_true")
    args = parser.parse_args()
    for tool in ["wrk", "createdb", "dropdb", "psql", "pg_ctlcluster"]:
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is not installed")
    if not (VENV / "gunicorn").exists():
        raise SystemExit("gunicorn is not in .venv: .venv/bin/pip install gunicorn")
    return args


def server_env(database, port):
    """The environment of the manage.py commands and gunicorn: DEBUG off, this
    run's database, a new secret key, and none of our DJANGO_ settings nor REDIS_URL."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
    }
    # The cache is the database's table: what one machine without Redis runs.
    env.pop("REDIS_URL", None)
    return env


def start_server(env):
    """gunicorn, started, and its log's path."""
    server_log = Path(tempfile.mkdtemp(prefix="soak-")) / "gunicorn.log"
    with server_log.open("w") as log_file:
        server = subprocess.Popen(
            [str(VENV / "gunicorn"), "review_portal.wsgi"],
            cwd=BASE_DIR,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    return server, server_log


def wait_until_serving(server, port, server_log):
    """Until gunicorn serves the home page; exits if it stops or takes over 60 s."""
    deadline = time.monotonic() + 60
    while get(port, "/", timeout=5) != 200:
        if server.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"gunicorn did not start: see {server_log}")
        time.sleep(0.5)


def main():
    args = parse_args()
    port = free_port()
    env = server_env(args.database, port)
    prepare_database(args.database, env)
    server, server_log = start_server(env)
    try:
        wait_until_serving(server, port, server_log)
        paths = pages(args.database)
        wrong = {path: status for path in paths if (status := get(port, path)) != 200}
        if wrong:
            raise SystemExit(f"pages that do not answer 200: {wrong}")
        ok = soak(port, paths, args) == 0
        if not args.no_restart:
            ok = restart(port, paths, args) and ok
        say(f"gunicorn's log: {server_log}")
    finally:
        server.terminate()
        server.wait(timeout=30)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
