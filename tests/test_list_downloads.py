"""Every list's CSV and JSON download (issue 14), on the real portal data: each
opens with csv and json, has the columns the /data/ page documents, in order, and
writes unknown values as null in JSON and empty in CSV."""

import csv
import io
import json

import pytest

from recommendations import downloads as recommendation_downloads
from recommendations.downloads import RECOMMENDATIONS
from recommendations.models import (
    Discrepancy,
    GovernmentUpdate,
    KeyFigure,
    TimelineEvent,
)
from review_portal.pages import SEARCH_RESULTS
from sources.downloads import ORGANISATIONS, RESPONSES, SOURCES
from sources.models import Organisation, SourceDocument, StakeholderResponse

DOWNLOADS = [
    ("/recommendations", RECOMMENDATIONS, None),
    ("/responses", RESPONSES, StakeholderResponse),
    (
        "/government-updates",
        recommendation_downloads.GOVERNMENT_UPDATES,
        GovernmentUpdate,
    ),
    ("/timeline", recommendation_downloads.TIMELINE, TimelineEvent),
    ("/discrepancies", recommendation_downloads.DISCREPANCIES, Discrepancy),
    ("/key-figures", recommendation_downloads.KEY_FIGURES, KeyFigure),
    ("/organisations", ORGANISATIONS, Organisation),
    ("/sources", SOURCES, SourceDocument),
    ("/tracker", recommendation_downloads.TRACKER, None),
    ("/search", SEARCH_RESULTS, None),
]
# Public column names of the new downloads: add columns, never rename or remove.
GOVERNMENT_UPDATE_COLUMNS = [
    "slug",
    "recommendation",
    "date",
    "date_precision",
    "position",
    "delivery_status",
    "detail",
    "recommendation_title",
    "sources",
    "source_addresses",
    "excerpts",
    "url",
]


@pytest.fixture
def portal(shipped_data, db):
    """The shipped data, loaded once for the session (see tests/conftest.py)."""


def test_every_download_opens_with_its_documented_columns_and_nulls(client, portal):
    page = client.get("/data/").getvalue().decode()
    for path, download, model in DOWNLOADS:
        check_download(client, page, path, download, model)


def check_download(client, page, path, download, model):
    names = [column.name for column in download.columns]
    params = {"q": "leving care"} if path == "/search" else {}
    csv_response = client.get(f"{path}.csv", params)
    assert csv_response["Content-Type"] == "text/csv; charset=utf-8"
    text = csv_response.getvalue().decode("utf-8").removeprefix("\ufeff")
    rows = list(csv.reader(io.StringIO(text)))
    body = json.loads(client.get(f"{path}.json", params).getvalue())
    assert body["count"] > 0, path

    assert rows[0] == names
    assert len(rows) - 1 == body["count"] == len(body["results"])
    if model is not None:
        assert body["count"] == model.objects.count()
    for result in body["results"]:
        assert list(result) == names
        # Unknown is null, never "".
        assert "" not in result.values()
    for row, result in zip(rows[1:], body["results"], strict=True):
        for cell, value in zip(row, result.values(), strict=True):
            if value is None:
                assert cell == ""
    # The /data/ page documents every column.
    assert f'id="{download.name}"' in page
    for name in names:
        assert f"<code>{name}</code>" in page


def test_government_updates_have_one_row_per_dated_update(client, portal):
    body = json.loads(client.get("/government-updates.json").getvalue())

    assert list(body["results"][0]) == GOVERNMENT_UPDATE_COLUMNS
    assert body["count"] == GovernmentUpdate.objects.count()
    cited = [r for r in body["results"] if r["excerpts"]]
    assert cited and all(r["source_addresses"] for r in cited)
    # An update that states no position has a null one, not "".
    assert any(r["position"] is None for r in body["results"])


def test_a_bad_filter_lists_the_valid_options(client, db):
    response = client.get("/government-updates.json", {"position": "Rejected"})

    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["parameter"] == "position"
    assert "rejected" in error["valid"]
    api = client.get("/api/recommendations/", {"position": "Rejected"})
    assert api.status_code == 400
    assert api.json()["errors"][0]["valid"] == error["valid"]


def test_the_tracker_and_search_downloads_are_what_their_pages_show(client, portal):
    tracker = json.loads(client.get("/tracker.json").getvalue())
    page = client.get("/tracker/").context["tracker"]
    assert [row["total"] for row in tracker["results"]] == [
        row.total.count for row in page.rows
    ]
    assert client.get("/tracker.csv", {"chapter": "nope"}).status_code == 400

    found = json.loads(client.get("/search.json", {"q": "leving care"}).getvalue())
    shown = client.get("/search/", {"q": "leving care"}).context["results"]
    assert found["count"] == len(shown)
    assert {r["searched"] for r in found["results"]} == {"leaving care"}
