"""Every kind of page is valid HTML to the Nu HTML Checker (vnu, npm's vnu-jar), run
once over all of them in one JVM. No browser: the pages are fetched from the live
server as they are served."""

import json
import shutil
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

VNU_JAR = Path(settings.BASE_DIR) / "node_modules/vnu-jar/build/dist/vnu.jar"
# Pages whose markup is not ours. None now: "API docs" was Swagger UI
# (drf-spectacular's markup, filled in by JavaScript) and is a page of the site.
NOT_OURS = set()


def fetch(url):
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.read()
    except urllib.error.HTTPError as error:  # the 404 page is a page too
        return error.read()


def test_nu_html_checker_finds_no_errors_or_warnings(live_url, page_types, tmp_path):
    java = shutil.which("java")
    if java is None or not VNU_JAR.exists():
        pytest.skip("needs Java and node_modules/vnu-jar: run `make test-deps assets`")
    files = {}
    for index, (name, path) in enumerate(page_types.items()):
        if name in NOT_OURS:
            continue
        file = tmp_path / f"page-{index:02d}.html"
        file.write_bytes(fetch(f"{live_url}{path}"))
        files[file.resolve().as_uri()] = f"{name} ({path})"
    result = subprocess.run(
        [java, "-jar", str(VNU_JAR), "--format", "json", "--exit-zero-always"]
        + ["--stdout", *sorted(str(tmp_path / Path(uri).name) for uri in files)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(result.stdout)["messages"]
    problems = [
        m
        for m in messages
        if m["type"] == "error" or (m["type"] == "info" and m.get("subType"))
    ]

    def where(message):
        url = message.get("url", "")
        page = next((page for uri, page in files.items() if url.endswith(uri[7:])), url)
        kind = message.get("subType", message["type"])
        return f"{page}: {kind}: {message['message']} [{message.get('extract', '')}]"

    assert len(files) == len(page_types) - len(NOT_OURS)
    assert not problems, "\n".join(where(m) for m in problems)
