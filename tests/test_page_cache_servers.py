"""Two app servers (gunicorn, one worker each) sharing one database and one Redis
share their page cache, and a change made by a third process shows on both at
once: the data version is read from the database on every request, so neither
serves the page it cached before the change."""

import http.client
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from test_throttle_servers import free_port, redis_url, wait_for_port  # noqa: F401

MINI = Path(__file__).parent / "data" / "mini_fixtures"
SLUG = "expert-child-protection-social-worker"
PAGE = f"/recommendations/{SLUG}/"

pytestmark = pytest.mark.slow


def manage(env, *args):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )


@pytest.fixture
def servers(tmp_path, redis_url):  # noqa: F811
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "REDIS_URL": redis_url,
        # Only so that pages find their static files without a collectstatic.
        "DJANGO_DEBUG": "1",
    }
    manage(env, "migrate", "--verbosity", "0")
    manage(env, "load_review", "--fixtures", str(MINI))
    ports = [free_port(), free_port()]
    gunicorn = Path(sys.executable).with_name("gunicorn")
    processes = [
        subprocess.Popen(
            [str(gunicorn), "review_portal.wsgi", "--workers", "1"]
            + ["--bind", f"127.0.0.1:{port}"],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in ports
    ]
    try:
        for port, process in zip(ports, processes, strict=True):
            wait_for_port(port, process, "gunicorn")
        yield ports, env
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)


def get(port, path):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        # One Host for both, as the proxy in front of them sends: the page's key
        # is its full address.
        connection.request("GET", path, headers={"Host": "localhost"})
        response = connection.getresponse()
        body = response.read().decode()
        assert response.status == 200, (path, response.status)
        return response.getheader("X-Page-Cache"), body
    finally:
        connection.close()


def test_two_servers_share_pages_and_both_show_a_change_at_once(servers):
    (first, second), env = servers
    state, body = get(first, PAGE)
    assert state == "miss"
    # The second server has never rendered it: it comes from the shared cache.
    state, again = get(second, PAGE)
    assert (state, again) == ("hit", body)

    # A curator's edit, from another process (the admin, or a reload).
    manage(
        env,
        "shell",
        "-c",
        "from recommendations.models import Recommendation\n"
        f"r = Recommendation.objects.get(slug={SLUG!r})\n"
        "r.title = 'A title edited elsewhere'\n"
        "r.save()",
    )
    state, body = get(second, PAGE)
    assert state == "miss"
    assert "A title edited elsewhere" in body
    state, body = get(first, PAGE)
    assert state == "hit"
    assert "A title edited elsewhere" in body
