"""Each model's public fields are declared once (`public_fields`): the API, the
change log, the downloads and the data set take them from there, and a download
that leaves one out cannot be defined."""

import json

import pytest
from django.core.exceptions import ImproperlyConfigured
from pytest_django.asserts import assertContains

from recommendations.api import RecommendationSerializer
from recommendations.downloads import RECOMMENDATIONS
from recommendations.models import Mission, Recommendation
from review_portal.changes import TRACKED, TRACKED_BY_MODEL
from review_portal.lib.dataset import tables
from review_portal.lib.downloads import Column, Download
from sources.api import SourceDocumentDetailSerializer, StakeholderResponseSerializer
from sources.downloads import RESPONSES
from sources.models import Citation, StakeholderResponse


@pytest.mark.parametrize("tracked", TRACKED, ids=lambda tracked: tracked.kind)
def test_the_change_log_shows_the_models_public_fields(tracked):
    assert tracked.fields == tracked.model.public_fields


@pytest.mark.parametrize(
    "serializer",
    [
        RecommendationSerializer,
        StakeholderResponseSerializer,
        SourceDocumentDetailSerializer,
    ],
)
def test_the_api_gives_every_public_field(serializer):
    fields = set(serializer.Meta.fields)
    public = {
        "external_url" if name == "url" else name
        for name in serializer.Meta.model.public_fields
    }
    assert public <= fields
    assert {"url", "api_url"} <= fields


@pytest.mark.parametrize(
    "download, model",
    [(RECOMMENDATIONS, Recommendation), (RESPONSES, StakeholderResponse)],
)
def test_each_download_has_a_column_for_every_public_field_it_does_not_leave_out(
    download, model
):
    shown = {column.field or column.name for column in download.columns}
    assert set(model.public_fields) - set(download.leaves_out) <= shown


def test_a_download_that_leaves_out_a_public_field_cannot_be_defined():
    columns = [c for c in RECOMMENDATIONS.columns if c.name != "summary"]
    with pytest.raises(ImproperlyConfigured, match="summary"):
        Download(
            "broken", "Broken", "", Recommendation, columns, RECOMMENDATIONS.leaves_out
        )
    # With the column back it is fine.
    Download(
        "fixed",
        "Fixed",
        "",
        Recommendation,
        [*columns, Column("summary", "", lambda r, _: r.summary)],
        RECOMMENDATIONS.leaves_out,
    )


def test_kind_parts_and_inference_are_in_the_api_the_download_the_data_set_and_history(
    client, make_recommendation
):
    part = make_recommendation(slug="a-part", title="A part")
    umbrella = make_recommendation(slug="an-umbrella", title="An umbrella")
    umbrella.kind = "umbrella"
    umbrella.inference = "We read the two as one ask."
    umbrella.save()
    umbrella.parts.add(part)

    api = client.get("/api/recommendations/an-umbrella/").json()
    assert (api["kind"], api["parts"], api["inference"]) == (
        "umbrella",
        ["a-part"],
        "We read the two as one ask.",
    )
    assert client.get("/api/recommendations/a-part/").json()["inference"] is None
    rows = json.loads(
        client.get("/recommendations.json", {"kind": "umbrella"}).getvalue()
    )["results"]
    assert [(r["kind"], r["parts"], r["inference"]) for r in rows] == [
        ("umbrella", ["a-part"], "We read the two as one ask.")
    ]

    by_name = {t.name: t for t in tables([Mission, Recommendation])}
    parts = by_name["recommendation_parts"]
    assert [field["name"] for field in parts.fields] == ["recommendation", "part"]
    assert parts.rows == [["an-umbrella", "a-part"]]
    assert parts.foreign_keys == [
        ("recommendation", "recommendation"),
        ("part", "recommendation"),
    ]
    columns = [field["name"] for field in by_name["recommendation"].fields]
    assert {"kind", "inference"} <= set(columns)

    history = client.get("/recommendations/an-umbrella/history/")
    assertContains(history, "Recommendations it groups")
    assertContains(history, "Our own inference")
    assertContains(history, "Umbrella: groups other recommendations")


def test_what_a_citation_supports_is_in_the_api_and_its_history(
    client, make_update, make_citation
):
    update = make_update(slug="an-update")
    make_citation(slug="words", supports="position", government_update=update)
    make_citation(slug="more-words", government_update=update)
    assert client.get("/api/citations/words/").json()["supports"] == "position"
    assert client.get("/api/citations/more-words/").json()["supports"] is None
    assert "supports" in [field["name"] for field in tables([Citation])[0].fields]
    assert "supports" in TRACKED_BY_MODEL[Citation].fields
