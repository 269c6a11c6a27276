"""Every recommendation card carries the tracker: its government position and
delivery status, each with the date of the update that set it (issue 14)."""

import datetime
import json

import pytest
from pytest_django.asserts import assertContains, assertNotContains

from recommendations.models import GovernmentUpdate
from sources.models import Citation

AS_AT_POSITION = 'Government position: <strong class="govuk-tag govuk-tag--green">Accepted</strong> as at <time datetime="2023-02">February 2023</time>'
AS_AT_STATUS = 'Delivery: <strong class="govuk-tag govuk-tag--blue">In progress</strong> as at <time datetime="2024-05-01">1 May 2024</time>'


@pytest.fixture
def tracked(make_recommendation, mission, make_response, organisation):
    recommendation = make_recommendation(slug="tracked", title="Tracked zebras")
    recommendation.missions.set([mission])
    GovernmentUpdate.objects.create(
        recommendation=recommendation,
        slug="tracked--2023",
        date=datetime.date(2023, 2, 1),
        date_precision="month",
        position="accepted",
        detail="Accepted.",
    )
    GovernmentUpdate.objects.create(
        recommendation=recommendation,
        slug="tracked--2024",
        date=datetime.date(2024, 5, 1),
        date_precision="day",
        delivery_status="in_progress",
        detail="Under way.",
    )
    make_response().recommendations.set([recommendation])
    untracked = make_recommendation(slug="untracked", title="Untracked zebras")
    untracked.missions.set([mission])
    return recommendation


@pytest.mark.parametrize(
    "url",
    [
        "/recommendations/",
        "/search/?q=zebras",
        "/chapters/chapter-one/",
        "/missions/mission-one/",
    ],
)
def test_cards_show_position_and_status_with_their_dates(client, tracked, url):
    response = client.get(url)

    assertContains(response, AS_AT_POSITION, html=False)
    assertContains(response, AS_AT_STATUS, html=False)
    # A recommendation no update has touched says so, and gives no date.
    assertContains(response, "No response found</strong>. Delivery:")


def test_organisation_page_gives_the_positions_date(client, tracked, organisation):
    response = client.get(organisation.get_absolute_url())

    assertContains(response, 'Accepted</strong> as at <time datetime="2023-02">')


def test_download_gives_the_position_date_source_and_words(
    client, tracked, captured_source
):
    update = GovernmentUpdate.objects.get(slug="tracked--2023")
    captured_source.url = "https://example.org/accepted"
    captured_source.save()
    Citation.objects.create(
        slug="tracked--2023--cite",
        source=captured_source,
        excerpt="We accept this.",
        government_update=update,
    )
    body = json.loads(client.get("/recommendations.json").getvalue())
    row = next(r for r in body["results"] if r["slug"] == "tracked")

    assert row["position_date"] == "2023-02-01"
    assert row["position_date_precision"] == "month"
    assert row["position_sources"] == ["https://example.org/accepted"]
    assert row["position_excerpts"] == "We accept this."
    assert row["delivery_status_date"] == "2024-05-01"
    assert row["delivery_status_sources"] == []
    assert row["delivery_status_excerpts"] is None
    untracked = next(r for r in body["results"] if r["slug"] == "untracked")
    assert untracked["position_date"] is None
    assert untracked["number"] is None  # unknown is null, not ""
    assertNotContains(client.get("/recommendations.json"), '"number": ""')
