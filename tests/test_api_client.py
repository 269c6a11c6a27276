"""A notebook's view of the API (issue 14): a client generated from /api/schema/
by openapi-python-client, without warnings, pages anonymously through every list
and fetches a record of each."""

import datetime
import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections

from recommendations.models import GovernmentUpdate
from sources.models import Citation


def in_process_app():
    """Django's WSGI application, for requests inside the test's transaction."""
    return WSGIHandler()


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    # As Django's test client does: a request must not close the connection that
    # holds the test's transaction (PostgreSQL would lose the test's data).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


GENERATOR = Path(sys.executable).with_name("openapi-python-client")


@pytest.fixture
def records(db, make_recommendation, make_response, mission, captured_source):
    for n in range(3):
        recommendation = make_recommendation(slug=f"rec-{n}")
        recommendation.missions.set([mission])
        update = GovernmentUpdate.objects.create(
            recommendation=recommendation,
            slug=f"rec-{n}--2023",
            date=datetime.date(2023, 2, 1),
            date_precision="month",
            position="accepted",
            detail="Accepted.",
        )
        Citation.objects.create(
            slug=f"rec-{n}--cite",
            source=captured_source,
            excerpt="families need help",
            government_update=update,
        )
        make_response().recommendations.set([recommendation])


@pytest.mark.skipif(not GENERATOR.exists(), reason="openapi-python-client missing")
def test_a_generated_client_pages_through_every_list_anonymously(
    records, tmp_path, monkeypatch
):
    # Every request through the app in process (Django's test client would
    # reconnect the signal that closes the test's connection).
    transport = httpx.WSGITransport(app=in_process_app())
    with httpx.Client(transport=transport, base_url="http://testserver") as http:
        served = http.get("/api/schema/", params={"format": "json"})
    schema = tmp_path / "schema.json"
    schema.write_bytes(served.content)
    config = tmp_path / "config.yaml"
    config.write_text("post_hooks: []\n")  # no formatter needed to import it
    run = subprocess.run(
        [
            str(GENERATOR),
            "generate",
            "--path",
            str(schema),
            "--output-path",
            str(tmp_path / "portal_client"),
            "--meta",
            "none",
            "--config",
            str(config),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "Warning" not in run.stdout + run.stderr, run.stdout + run.stderr
    monkeypatch.syspath_prepend(str(tmp_path))
    package = importlib.import_module("portal_client")
    api = importlib.import_module("portal_client.api")
    # An anonymous Client, not an AuthenticatedClient, over the app in process.
    anonymous = package.Client(
        base_url="http://testserver",
        httpx_args={"transport": transport},
        raise_on_unexpected_status=True,
    )
    lists = 0
    for module in pkgutil.iter_modules(api.__path__):
        endpoints = importlib.import_module(f"portal_client.api.{module.name}")
        names = [m.name for m in pkgutil.iter_modules(endpoints.__path__)]
        (list_name,) = [name for name in names if name.endswith("_list")]
        listing = importlib.import_module(f"{endpoints.__name__}.{list_name}")
        slugs, page = [], 1
        while True:
            body = listing.sync(client=anonymous, page=page, page_size=2)
            slugs.extend(record.slug for record in body.results)
            if not body.next_:
                break
            page += 1
        assert len(slugs) == body.count == len(set(slugs)), module.name
        lists += 1
        (detail_name,) = [name for name in names if name.endswith("_retrieve")]
        detail = importlib.import_module(f"{endpoints.__name__}.{detail_name}")
        if slugs:
            assert detail.sync(client=anonymous, slug=slugs[0]).slug == slugs[0]
    assert lists == 14
    # The records a notebook wants first: chapter number and title, updates and
    # citations inline with their sources.
    recommendations = importlib.import_module(
        "portal_client.api.recommendations.recommendations_retrieve"
    )
    record = recommendations.sync(client=anonymous, slug="rec-0")
    assert record.chapter_number == 1 and record.chapter_title
    (update,) = record.government_updates
    assert update.citations[0].excerpt == "families need help"
    assert update.citations[0].source == "captured"
