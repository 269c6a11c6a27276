#!/usr/bin/env python3
"""Serve the portal under gunicorn and measure it with wrk (bench/README.md).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/run.py

For the database DATABASE_URL names (filled by `manage.py generate_recommendations`),
it starts `gunicorn review_portal.wsgi -w 2` with DEBUG off, and for each page runs
wrk at 1 and at 16 connections (--duration seconds each, default 10) with
bench/report.lua, which reports the request rate and p50/p95/p99. Pages: the static
CSS (the floor), home, the list unfiltered, with two filters and with a text
search, a recommendation, a source with highlights, the tracker, a CSV (the
two-filter list's), and an API list. Each page also gets the size of its body, the
time of one request on its own, and the peak RSS of each gunicorn worker while wrk
ran (VmHWM, reset before each run through /proc/<pid>/clear_refs). Then it downloads
the whole /recommendations.csv and the two-filter one once each, timing the first
byte and the whole, and the worker's RSS growth during it.

Cache: "cold" serves with DJANGO_PAGE_CACHE=0 (the page cache off), "warm" with
DJANGO_PAGE_CACHE=1 after a few requests to each page; --cache both (the default)
does both, restarting gunicorn in between.

Writes a Markdown table to stdout and everything as JSON to --json.
Standard library only; wrk from Debian (apt-get install wrk).
"""

import argparse
import csv
import datetime
import http.client
import io
import json
import os
import platform
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LUA = Path(__file__).resolve().parent / "report.lua"
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"

# Run in the project by `manage.py shell`: what to request, and what the data holds.
PICK = r"""
import json, sqlite3
from django.db import connection
from django.db.models import Count
from django.urls import reverse
from recommendations.models import Chapter, GovernmentUpdate, Recommendation
from sources.models import Citation, Organisation, SourceDocument, StakeholderResponse
recs = Recommendation.objects.filter(kind="recommendation")
n_listed = recs.count()
ordered = recs.order_by("chapter__number", "slug").values_list("slug", flat=True)
detail = ordered[n_listed // 2]
chapter = (Chapter.objects.annotate(c=Count("recommendations"))
           .order_by("-c", "number").first())
# The chapter's commonest position the government stated (not "no response found").
position = (recs.filter(chapter=chapter).exclude(position="no_response_found")
            .values("position").annotate(c=Count("pk"))
            .order_by("-c", "position").first() or {"position": "no_response_found"})["position"]
source = (SourceDocument.objects.filter(capture="captured")
          .annotate(c=Count("citations")).order_by("-c", "slug").first())
if connection.vendor == "postgresql":
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = "PostgreSQL " + cursor.fetchone()[0]
else:
    version = connection.vendor + " " + sqlite3.sqlite_version
print("PICK_JSON " + json.dumps({
    "vendor": connection.vendor,
    "database_version": version,
    "counts": {
        "recommendations": Recommendation.objects.count(),
        "listed_recommendations": n_listed,
        "organisations": Organisation.objects.count(),
        "sources": SourceDocument.objects.count(),
        "responses": StakeholderResponse.objects.count(),
        "response_links": StakeholderResponse.recommendations.through.objects.count(),
        "government_updates": GovernmentUpdate.objects.count(),
        "citations": Citation.objects.count(),
    },
    "recommendation": reverse("recommendations:recommendation_detail", args=[detail]),
    "chapter": chapter.slug,
    "position": position,
    "two_filter_rows": recs.filter(chapter=chapter, position=position).count(),
    "source": source.get_absolute_url(),
    "source_citations": source.c,
}))
"""


def log(message):
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def project_env(database_url, page_cache=None):
    env = dict(os.environ)
    env.pop("DJANGO_DEBUG", None)
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SECRET_KEY=secrets.token_urlsafe(45),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_LOG_LEVEL=env.get("DJANGO_LOG_LEVEL", "WARNING"),
        PYTHONUNBUFFERED="1",
    )
    if page_cache is not None:
        env["DJANGO_PAGE_CACHE"] = page_cache
    return env


def manage(env, *args, capture=False):
    return subprocess.run(
        [str(PYTHON), "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        text=True,
        stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
    ).stdout


def prepare_static(env):
    """The CSS must be built and collected: DEBUG off serves from STATIC_ROOT."""
    if not (ROOT / "static" / "build" / "portal.css").exists():
        log("static/build/portal.css is missing: npm ci && npm run build")
        if not (ROOT / "node_modules").exists():
            subprocess.run(["npm", "ci"], cwd=ROOT, check=True)
        subprocess.run(["npm", "run", "build"], cwd=ROOT, check=True)
    manage(env, "collectstatic", "--noinput", "-v", "0")


def migrate(env):
    """The database must match the code measured: a migration added since the data
    was generated (e.g. a stored search vector) is applied here."""
    started = time.monotonic()
    manage(env, "migrate", "--noinput", "-v", "0")
    return round(time.monotonic() - started, 1)


def pick_targets(env):
    out = manage(env, "shell", "-c", PICK, capture=True)
    line = next(line for line in out.splitlines() if line.startswith("PICK_JSON "))
    return json.loads(line[len("PICK_JSON ") :])


def port_free(port):
    with socket.socket() as s:
        # As gunicorn binds: a port the previous run left in TIME_WAIT is free.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class Server:
    def __init__(self, env, port, workers, log_path):
        self.env, self.port, self.workers, self.log_path = env, port, workers, log_path
        self.proc = None

    def __enter__(self):
        if not port_free(self.port):
            raise SystemExit(f"Port {self.port} is in use: choose another with --port.")
        self.log_file = open(self.log_path, "a")
        self.proc = subprocess.Popen(
            [
                str(GUNICORN),
                "review_portal.wsgi",
                "-w",
                str(self.workers),
                "-b",
                f"127.0.0.1:{self.port}",
                # A whole CSV at 100,000 can take longer than the 30 s of the
                # project's gunicorn.conf.py (which gunicorn reads from the folder).
                "--timeout",
                "600",
                # No worker recycling in the middle of a run (gunicorn.conf.py's
                # max_requests): it would reset the RSS measured and add restarts.
                "--max-requests",
                "0",
                # gunicorn 27's control socket is one path per user
                # (~/.gunicorn/gunicorn.ctl): another gunicorn on the machine (the
                # test suite's) must not reach this one through it.
                "--no-control-socket",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(
                    f"gunicorn exited ({self.proc.returncode}); see {self.log_path}"
                )
            try:
                with urllib.request.urlopen(self.url("/favicon.ico"), timeout=5):
                    pass
                if len(self.worker_pids()) >= self.workers:
                    return self
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.3)
        raise SystemExit(f"gunicorn did not answer within 90 s; see {self.log_path}")

    def __exit__(self, *exc):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log_file.close()

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def worker_pids(self):
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []


def status_kib(pid, field):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def reset_peaks(pids):
    """Reset each worker's VmHWM to its current RSS (Linux: clear_refs 5)."""
    ok = True
    for pid in pids:
        try:
            Path(f"/proc/{pid}/clear_refs").write_text("5")
        except OSError:
            ok = False
    return ok


def peaks_mib(pids):
    return {str(pid): round((status_kib(pid, "VmHWM") or 0) / 1024, 1) for pid in pids}


def fetch(url, timeout=900):
    """One GET: status, body size, seconds."""
    started = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            body = response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        body, status = error.read(), error.code
    return status, body, time.monotonic() - started


def drain(server, static_path, limit=300):
    """Wait until the workers have finished what wrk left them: three quick static
    answers in a row."""
    quick, deadline = 0, time.monotonic() + limit
    while quick < 3 and time.monotonic() < deadline:
        try:
            _, _, seconds = fetch(server.url(static_path), timeout=limit)
        except OSError:
            seconds = 1
        quick = quick + 1 if seconds < 0.05 else 0


def wrk(server, url, connections, duration, timeout):
    threads = min(connections, 2)
    done = subprocess.run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{duration}s",
            f"--timeout={timeout}s",
            "-s",
            str(LUA),
            url,
        ],
        text=True,
        capture_output=True,
    )
    if server.proc.poll() is not None:
        raise SystemExit(
            f"gunicorn stopped during wrk ({server.proc.returncode}): something else "
            f"stopped it? See {server.log_path}"
        )
    line = next(
        (line for line in done.stdout.splitlines() if line.startswith("BENCH_JSON ")),
        None,
    )
    if done.returncode or line is None:
        raise SystemExit(
            f"wrk failed ({done.returncode}): {done.stderr or done.stdout}"
        )
    result = json.loads(line[len("BENCH_JSON ") :])
    result["errors"] = sum(v for k, v in result.items() if k.startswith("errors_"))
    return result


def time_download(server, path):
    """First byte, whole body, rows, and the RSS growth of the worker that served it."""
    pids = server.worker_pids()
    before = {pid: status_kib(pid, "VmRSS") or 0 for pid in pids}
    reset = reset_peaks(pids)
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=1800)
    started = time.monotonic()
    conn.request("GET", path)
    response = conn.getresponse()
    first = response.read(1)
    first_byte = time.monotonic() - started
    chunks = [first]
    while chunk := response.read(1 << 16):
        chunks.append(chunk)
    total = time.monotonic() - started
    conn.close()
    body = b"".join(chunks)
    after = {pid: status_kib(pid, "VmHWM") or 0 for pid in pids}
    growth = {pid: after[pid] - before[pid] for pid in pids}
    served_by = max(growth, key=growth.get) if growth else None
    try:
        rows = max(0, sum(1 for _ in csv.reader(io.StringIO(body.decode()))) - 1)
    except (UnicodeDecodeError, csv.Error):
        rows = None
    return {
        "path": path,
        "status": response.status,
        "bytes": len(body),
        "rows": rows,
        "first_byte_ms": round(first_byte * 1000, 1),
        "total_s": round(total, 3),
        "rss_before_mib": round(before.get(served_by, 0) / 1024, 1),
        "rss_peak_mib": round(after.get(served_by, 0) / 1024, 1),
        "rss_growth_mib": round(growth.get(served_by, 0) / 1024, 1),
        "peak_reset": reset,
    }


def pages_for(targets, css):
    two = f"chapter={targets['chapter']}&position={targets['position']}"
    return [
        ("static CSS (the floor)", css),
        ("home", "/"),
        ("list, unfiltered", "/recommendations/"),
        ("list, two filters", f"/recommendations/?{two}"),
        ("list, text search", "/recommendations/?q=care"),
        ("a recommendation", targets["recommendation"]),
        ("a source with highlights", targets["source"]),
        ("tracker", "/tracker/"),
        ("CSV, two filters", f"/recommendations.csv?{two}"),
        ("API list", "/api/recommendations/"),
    ]


def measure(args, targets, mode, log_path):
    """Serve with the page cache off ("cold") or on ("warm") and measure each page,
    then each timed download."""
    env = project_env(args.database_url, page_cache="0" if mode == "cold" else "1")
    results = {"pages": [], "downloads": []}
    with Server(env, args.port, args.workers, log_path) as server:
        _, home, _ = fetch(server.url("/"))
        found = re.search(rb'href="(/static/[^"]+\.css)"', home)
        if not found:
            raise SystemExit("No stylesheet link in the home page.")
        css = found.group(1).decode()
        for name, path in chosen_pages(pages_for(targets, css), args.pages):
            results["pages"].append(measure_page(server, args, mode, name, path, css))
        if not args.no_downloads:
            two = f"chapter={targets['chapter']}&position={targets['position']}"
            for path in [f"/recommendations.csv?{two}", "/recommendations.csv"]:
                download = time_download(server, path)
                log(
                    f"[{mode}] download {path}: {download['rows']} rows, first byte "
                    f"{download['first_byte_ms']} ms, total {download['total_s']} s, "
                    f"RSS +{download['rss_growth_mib']} MiB"
                )
                results["downloads"].append(download)
                drain(server, css)
    return results


def chosen_pages(pages, wanted):
    """The pages --pages names (by name or path), and always the first, the static
    file; all of them without --pages."""
    if not wanted:
        return pages
    wanted = {p.strip() for p in wanted.split(",")}
    return [p for p in pages if p[0] in wanted or p[1] in wanted or p[0] == pages[0][0]]


def measure_page(server, args, mode, name, path, css):
    """One page: its status, size and first request alone, then a wrk run at each
    connection count with the workers' peak RSS, waiting after each until the
    workers are idle (the static `css` answers quickly)."""
    url = server.url(path)
    status, body, seconds = fetch(url)
    if mode == "warm":
        for _ in range(2 * args.workers):
            fetch(url)
    page = {
        "page": name,
        "path": path,
        "status": status,
        "bytes": len(body),
        "first_request_ms": round(seconds * 1000, 1),
        "runs": {},
    }
    page["loadavg_before"] = loadavg()
    log(
        f"[{mode}] {name}: {status}, {len(body):,} bytes, {seconds * 1000:.0f} ms alone"
    )
    for connections in args.connections:
        pids = server.worker_pids()
        reset = reset_peaks(pids)
        run = wrk(server, url, connections, args.duration, args.wrk_timeout)
        run["peak_rss_mib"] = peaks_mib(pids)
        run["peak_reset"] = reset
        page["runs"][str(connections)] = run
        log(
            f"    c={connections}: {run['rps']:.1f} req/s, p50 "
            f"{run['p50_us'] / 1000:.1f} ms, p95 {run['p95_us'] / 1000:.1f} ms, "
            f"p99 {run['p99_us'] / 1000:.1f} ms, errors {run['errors']}"
        )
        drain(server, css)
    return page


def loadavg():
    """The 1-minute load average: other work on the machine skews the numbers."""
    try:
        return float(Path("/proc/loadavg").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def ms(us):
    return f"{us / 1000:,.1f}"


def markdown(report):
    """The report as Markdown: what was measured on what, then a table of pages and
    one of downloads for each cache mode."""
    meta = report["meta"]
    lines = summary(meta)
    for mode, result in report["modes"].items():
        lines += ["", f"### Cache {mode}", ""]
        lines += pages_table(result["pages"], meta["connections"], meta["duration_s"])
        if result["downloads"]:
            lines += ["", *downloads_table(result["downloads"])]
    return "\n".join(lines) + "\n"


def summary(meta):
    counts = meta["counts"]
    return [
        f"## {meta['database_version']}, {counts['recommendations']:,} recommendations "
        f"({meta['date']})",
        "",
        f"{counts['organisations']:,} organisations, {counts['sources']:,} sources, "
        f"{counts['responses']:,} responses, {counts['response_links']:,} response "
        f"links, {counts['government_updates']:,} government updates, "
        f"{counts['citations']:,} citations. gunicorn {meta['workers']} sync workers, "
        f"DEBUG off; wrk {meta['duration_s']} s per run on loopback; "
        f"{meta['machine']['cpus']} CPUs ({meta['machine']['cpu']}), load average "
        f"{meta['loadavg_at_start']} at the start (other work on the machine skews "
        f"every number; each page's is in the JSON). "
        f"Two filters: chapter={meta['targets']['chapter']}, "
        f"position={meta['targets']['position']} "
        f"({meta['targets']['two_filter_rows']:,} rows).",
    ]


def pages_table(pages, conns, duration_s):
    head = ["page", "status", "size KB", "first request ms"]
    for c in conns:
        head += [f"req/s c={c}", f"p50 ms c={c}", f"p95 ms c={c}", f"p99 ms c={c}"]
    head += ["errors", "peak RSS/worker MiB"]
    lines = ["| " + " | ".join(head) + " |", "|---|" + "---:|" * (len(head) - 1)]
    for page in pages:
        row = [
            f"{page['page']} `{page['path']}`",
            str(page["status"]),
            f"{page['bytes'] / 1024:,.1f}",
            f"{page['first_request_ms']:,.0f}",
        ]
        peaks, errors = [], 0
        for c in conns:
            run = page["runs"][str(c)]
            if run["requests"] == 0:
                # Slower than the run: wrk finished none, and reports zeros.
                row += [f"0 (none in {duration_s} s)", "—", "—", "—"]
            else:
                row += [
                    f"{run['rps']:,.1f}",
                    ms(run["p50_us"]),
                    ms(run["p95_us"]),
                    ms(run["p99_us"]),
                ]
            peaks += run["peak_rss_mib"].values()
            errors += run["errors"]
        row += [str(errors), f"{max(peaks, default=0):,.0f}"]
        lines.append("| " + " | ".join(row) + " |")
    return lines


def downloads_table(downloads):
    lines = [
        "| download | status | rows | size KB | first byte ms | total s | worker RSS MiB (before → peak, growth) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for d in downloads:
        lines.append(
            f"| `{d['path']}` | {d['status']} | {d['rows'] if d['rows'] is not None else '?'} "
            f"| {d['bytes'] / 1024:,.0f} | {d['first_byte_ms']:,.0f} | {d['total_s']:,.2f} "
            f"| {d['rss_before_mib']:,.0f} → {d['rss_peak_mib']:,.0f} (+{d['rss_growth_mib']:,.0f}) |"
        )
    return lines


def machine():
    cpu = ""
    try:
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        pass
    mem = status = None
    try:
        mem = next(
            line.split()[1]
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
        status = round(int(mem) / 1024 / 1024, 1)
    except (OSError, StopIteration):
        pass
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory_gib": status,
        "kernel": platform.release(),
        "python": platform.python_version(),
    }


def git_commit():
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        return head + (" (with uncommitted changes)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return ""


def parse_args():
    """The command line, checked: the database named, wrk and gunicorn installed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", ""),
        help="The database to serve (default: $DATABASE_URL; required).",
    )
    parser.add_argument(
        "--duration", type=int, default=10, help="Seconds per wrk run (10)."
    )
    parser.add_argument(
        "--connections",
        default="1,16",
        help="wrk connection counts, comma-separated (1,16).",
    )
    parser.add_argument("--cache", choices=["cold", "warm", "both"], default="both")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2).")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--wrk-timeout", type=int, default=60, help="wrk's per-request timeout, s (60)."
    )
    parser.add_argument(
        "--json",
        type=Path,
        help="Where to write the JSON (default: /tmp/bench-results/...).",
    )
    parser.add_argument(
        "--pages",
        help="Only these pages (names or paths, comma-separated); the static file always runs.",
    )
    parser.add_argument(
        "--no-downloads", action="store_true", help="Skip the timed CSV downloads."
    )
    parser.add_argument(
        "--no-collectstatic",
        action="store_true",
        help="Static files are already collected.",
    )
    parser.add_argument(
        "--no-migrate", action="store_true", help="Do not migrate the database first."
    )
    args = parser.parse_args()
    args.connections = [int(c) for c in args.connections.split(",") if c.strip()]
    if not args.database_url:
        parser.error("set DATABASE_URL (or --database-url) to the benchmark's database")
    if not shutil.which("wrk"):
        parser.error("wrk is missing: apt-get install -y wrk")
    if not GUNICORN.exists():
        parser.error(f"{GUNICORN} is missing: .venv/bin/pip install gunicorn")
    return args


def report_meta(args, targets, counts, stamp, migrated_s):
    """What the run measured, on what, and how. Moves the database's version and
    vendor out of `targets` into fields of their own."""
    return {
        "date": stamp.isoformat(timespec="seconds"),
        "command": " ".join([sys.executable, *sys.argv]),
        "database_url": re.sub(r"//[^@/]*@", "//***@", args.database_url),
        "database_version": targets.pop("database_version"),
        "vendor": targets.pop("vendor"),
        "counts": counts,
        "targets": targets,
        "workers": args.workers,
        "duration_s": args.duration,
        "connections": args.connections,
        "machine": machine(),
        "loadavg_at_start": loadavg(),
        "migrate_s": migrated_s,
        "git": git_commit(),
        "wrk": subprocess.run(["wrk", "-v"], capture_output=True, text=True)
        .stdout.split("\n")[0]
        .strip(),
        "cache_note": "cold: DJANGO_PAGE_CACHE=0; warm: DJANGO_PAGE_CACHE=1 after 2 requests per worker",
    }


def main():
    args = parse_args()
    env = project_env(args.database_url)
    if not args.no_collectstatic:
        prepare_static(env)
    migrated_s = None if args.no_migrate else migrate(env)
    targets = pick_targets(env)
    counts = targets.pop("counts")
    stamp = datetime.datetime.now(datetime.UTC)
    label = f"{targets['vendor']}-{counts['recommendations']}-{stamp:%Y%m%dT%H%M%SZ}"
    json_path = args.json or Path("/tmp/bench-results") / f"{label}.json"
    json_path.parent.mkdir(parents=True, exist_ok=True)
    log_path = json_path.with_suffix(".gunicorn.log")
    log(
        f"{targets['database_version']}: {counts['recommendations']:,} recommendations; gunicorn log {log_path}"
    )

    report = {
        "meta": report_meta(args, targets, counts, stamp, migrated_s),
        "modes": {},
    }
    modes = ["cold", "warm"] if args.cache == "both" else [args.cache]
    for mode in modes:
        report["modes"][mode] = measure(args, targets, mode, log_path)
        json_path.write_text(json.dumps(report, indent=2))
    sys.stdout.write(markdown(report))
    log(f"JSON: {json_path}")


if __name__ == "__main__":
    main()
