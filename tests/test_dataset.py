"""The whole data set (issue 14): a ZIP of every public table as CSV with a
Frictionless datapackage.json that validates, and the same as one SQLite file
holding the API's row counts; rebuilt when the data changes."""

import csv
import io
import sqlite3
import zipfile

import pytest

from recommendations.models import Recommendation, RecommendationKind

# API list endpoint for each table of a model.
KINDS = RecommendationKind.values
API = {
    "review": "reviews",
    "chapter": "chapters",
    "mission": "missions",
    "recommendation": "recommendations",
    "governmentupdate": "government-updates",
    "keyfigure": "key-figures",
    "discrepancy": "discrepancies",
    "timelineevent": "timeline-events",
    "sourcedocument": "sources",
    "organisation": "organisations",
    "stakeholderresponse": "responses",
    "publication": "publications",
    "citation": "citations",
    "chaptertitle": "chapter-titles",
}


@pytest.fixture
def portal(shipped_data, db):
    """The shipped data, loaded once for the session (see tests/conftest.py)."""


def test_the_whole_data_set_validates_and_matches_the_api(client, portal, tmp_path):
    frictionless = pytest.importorskip("frictionless")
    response = client.get("/data/review-portal.zip")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    archive.extractall(tmp_path)
    names = {name.removesuffix(".csv") for name in archive.namelist()} - {
        "datapackage.json"
    }
    assert set(API) <= names
    assert "recommendation_missions" in names

    report = frictionless.validate(str(tmp_path / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])

    database = tmp_path / "review-portal.sqlite"
    database.write_bytes(client.get("/data/review-portal.sqlite").content)
    connection = sqlite3.connect(database)
    try:
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
        for table, endpoint in API.items():
            # The data set holds every kind of record; the API lists
            # recommendations unless asked for the other kinds.
            every_kind = {"kind": KINDS} if endpoint == "recommendations" else {}
            count = client.get(f"/api/{endpoint}/", every_kind).json()["count"]
            (rows,) = connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()
            with archive.open(f"{table}.csv") as file:
                lines = list(csv.reader(io.TextIOWrapper(file, "utf-8")))
            assert rows == count == len(lines) - 1, table
        # Unknown is NULL, not "".
        (blank,) = connection.execute(
            "SELECT count(*) FROM recommendation WHERE number = ''"
        ).fetchone()
        assert blank == 0
    finally:
        connection.close()


def test_the_data_set_is_rebuilt_when_the_data_changes(client, portal):
    before = client.get("/data/review-portal.sqlite").content
    assert client.get("/data/review-portal.sqlite").content == before
    recommendation = Recommendation.objects.first()
    recommendation.title = "A title changed since"
    recommendation.save()
    after = client.get("/data/review-portal.zip").content
    with zipfile.ZipFile(io.BytesIO(after)).open("recommendation.csv") as file:
        assert "A title changed since" in file.read().decode()
