"""Settings are read once, at import, from environment variables, so each test runs
Django in a subprocess with an environment built for it. The tests carry no
django_db mark: they need no test database, and pytest-django would refuse them one."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent

# Every test here starts Python and Django afresh.
pytestmark = pytest.mark.slow


def run(*args, env=None):
    """Run the project's Python in a clean environment: no DATABASE_URL and no
    DJANGO_* variable from the parent, only those the test passes."""
    clean = {
        key: value
        for key, value in os.environ.items()
        if key != "DATABASE_URL" and not key.startswith("DJANGO_")
    }
    return subprocess.run(
        [sys.executable, *args],
        env={**clean, **(env or {})},
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )


def production_env():
    return {
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(45),  # 60 characters
        "DJANGO_ALLOWED_HOSTS": "portal.example.org",
        "DJANGO_HTTPS": "1",
    }


PRINT_DATABASE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "db = settings.DATABASES['default']; "
    "print(json.dumps({'ENGINE': db['ENGINE'], 'NAME': str(db['NAME'])}))"
)
DEV_ENV = {"DJANGO_SETTINGS_MODULE": "review_portal.settings", "DJANGO_DEBUG": "1"}


def test_deploy_check_passes_with_production_settings():
    env = production_env()
    assert len(env["DJANGO_SECRET_KEY"]) == 60

    result = run("manage.py", "check", "--deploy", "--fail-level", "WARNING", env=env)

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNINGS" not in output
    assert "System check identified no issues" in output


def test_missing_secret_key_is_refused_when_debug_is_off():
    result = run("manage.py", "check")

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_debug_accepts_only_0_or_1():
    result = run("manage.py", "check", env={"DJANGO_DEBUG": "yes"})

    assert result.returncode != 0
    assert "DJANGO_DEBUG must be 0 or 1, not 'yes'" in result.stderr


@pytest.mark.parametrize(
    ("url", "engine", "name"),
    [
        ("sqlite:////tmp/x.sqlite3", "django.db.backends.sqlite3", "/tmp/x.sqlite3"),
        (
            "postgres://postgres@127.0.0.1:5432/portal",
            "django.db.backends.postgresql",
            "portal",
        ),
    ],
)
def test_database_url_picks_the_database(url, engine, name):
    result = run("-c", PRINT_DATABASE, env={**DEV_ENV, "DATABASE_URL": url})

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"ENGINE": engine, "NAME": name}


def test_without_database_url_the_embedded_sqlite_file_is_used():
    result = run("-c", PRINT_DATABASE, env=DEV_ENV)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(BASE_DIR / "db.sqlite3"),
    }


def test_collectstatic_with_the_real_storage_writes_hashed_and_compressed_files(
    tmp_path,
):
    # The real settings, with STATIC_ROOT moved into tmp_path: the storage stays
    # whitenoise's CompressedManifestStaticFilesStorage.
    static_root = tmp_path / "staticfiles"
    (tmp_path / "collectstatic_settings.py").write_text(
        "from review_portal.settings import *  # noqa: F403\n"
        f"STATIC_ROOT = {str(static_root)!r}\n"
    )
    env = {
        **production_env(),
        "DJANGO_SETTINGS_MODULE": "collectstatic_settings",
        "PYTHONPATH": os.pathsep.join([str(tmp_path), str(BASE_DIR)]),
    }

    result = run("manage.py", "collectstatic", "--noinput", env=env)

    assert result.returncode == 0, result.stdout + result.stderr
    manifest = json.loads((static_root / "staticfiles.json").read_text())
    hashed = manifest["paths"]["admin/css/base.css"]
    assert hashed != "admin/css/base.css"
    assert hashed.startswith("admin/css/base.") and hashed.endswith(".css")
    assert (static_root / hashed).is_file()
    assert (static_root / f"{hashed}.gz").is_file()
