"""The tracker, followed in a real browser down to the page a fact was reported on."""

import re

import pytest
from playwright.sync_api import expect

from recommendations.models import Recommendation

pytestmark = pytest.mark.browser


@pytest.fixture
def tracked(db_access):
    """A recommendation whose current position rests on a cited page."""
    recommendation = (
        Recommendation.objects.filter(
            government_updates__citations__source__capture="cited"
        )
        .exclude(position="no_response_found")
        .order_by("slug")
        .first()
    )
    assert recommendation is not None, "no tracked recommendation: check fixtures/"
    return recommendation


def test_home_to_tracker_to_a_cell_to_a_recommendation_and_its_cited_source(
    page, tracked
):
    page.goto("/")
    page.locator('header a[href="/tracker/"]').first.click()
    expect(page).to_have_url(re.compile(r"/tracker/$"))

    cell = page.locator(
        f'main table a[href*="position={tracked.position}"]'
        f'[href*="delivery_status={tracked.delivery_status}"]'
    ).first
    count = int(cell.inner_text().split()[0])
    cell.click()
    expect(page).to_have_url(re.compile(rf"position={tracked.position}"))
    expect(page.locator("#result-count")).to_contain_text(f"of {count} recommendation")

    page.locator(f'main a[href="{tracked.get_absolute_url()}"]').first.click()
    expect(page.locator("h1")).to_have_text(tracked.title)
    history = page.get_by_role("heading", name=re.compile("What the government said"))
    expect(history).to_be_visible()

    update = tracked.government_updates.filter(
        citations__source__capture="cited"
    ).first()
    citation = update.citations.filter(source__capture="cited").first()
    link = page.locator(f'main a[href="{citation.source.url}"]').first
    expect(link).to_be_visible()
    expect(page.locator("main")).to_contain_text(
        f"As reported by {citation.source.publisher}"
    )
    # The cited page is outside the portal (and this machine has no internet): the
    # link's address is the assertion, not a visit.
    assert link.get_attribute("href") == citation.source.url
