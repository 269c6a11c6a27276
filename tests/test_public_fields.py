"""Each model's public fields are declared once (`public_fields`): the API, the
change log and the downloads take them from there, and a download that leaves one
out cannot be defined."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from recommendations.api import RecommendationSerializer
from recommendations.downloads import RECOMMENDATIONS
from recommendations.models import Recommendation
from review_portal.changes import TRACKED
from review_portal.lib.downloads import Column, Download
from sources.api import SourceDocumentDetailSerializer, StakeholderResponseSerializer
from sources.downloads import RESPONSES
from sources.models import StakeholderResponse


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
