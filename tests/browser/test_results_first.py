"""Results first on a phone: at 360 px the filters fold behind "Filter results", the
first result is on the first screen, and after Apply the results heading has focus."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 640}


def test_the_first_result_is_on_the_first_screen_at_360_pixels(new_context, db_access):
    page = new_context(viewport=PHONE).new_page()
    page.goto("/recommendations/")

    toggle = page.locator("#filter-toggle")
    expect(toggle).not_to_have_attribute("open", "")
    expect(page.get_by_text("Filter results")).to_be_visible()
    expect(page.get_by_role("link", name="Skip to results")).to_be_visible()

    heading = page.locator("h1")
    first_result = page.locator("#results ul.govuk-list > li").first.get_by_role("link")
    expect(first_result).to_be_visible()
    # On the first screen, below the heading, without scrolling.
    top = heading.bounding_box()["y"]
    box = first_result.bounding_box()
    assert box["y"] > top
    assert box["y"] + box["height"] <= PHONE["height"], (
        f"the first result ends at {box['y'] + box['height']} px"
    )


def test_after_apply_the_results_heading_has_focus(
    new_context, quoted_recommendation, listed_recommendations
):
    mission, _, _ = quoted_recommendation
    page = new_context(viewport=PHONE).new_page()
    page.goto("/recommendations/")
    page.get_by_text("Filter results").click()
    page.locator(f'input[name="mission"][value="{mission.slug}"]').check()
    page.get_by_role("button", name="Apply filters").click()

    expect(page).to_have_url(re.compile(rf"[?&]mission={mission.slug}(&|$)"))
    focused = page.locator(":focus")
    expect(focused).to_have_attribute("id", "result-count")
    expect(focused).to_contain_text(
        f"of {mission.recommendations.filter(kind='recommendation').count()} recommendation"
    )
    # Announced: the heading sits in a status region.
    expect(page.locator('[role="status"] #result-count')).to_have_count(1)
    # The filters stay folded, and say how many are applied.
    expect(page.get_by_text("Filter results (1 applied)")).to_be_visible()


def test_without_javascript_the_filters_are_open_and_skippable(new_context, db_access):
    page = new_context(viewport=PHONE, java_script_enabled=False).new_page()
    page.goto("/recommendations/")
    expect(page.get_by_role("button", name="Apply filters")).to_be_visible()
    page.get_by_role("link", name="Skip to results").click()
    expect(page).to_have_url(re.compile(r"#result-count$"))
    expect(page.locator("#result-count")).to_be_in_viewport()


def test_the_tracker_table_says_it_scrolls_and_takes_keyboard_focus(
    new_context, db_access
):
    page = new_context(viewport={"width": 320, "height": 640}).new_page()
    page.goto("/tracker/")
    hint = page.locator("#tracker-scroll-hint")
    expect(hint).to_be_visible()
    region = page.get_by_role("region", name=re.compile("Government position"))
    expect(region).to_have_attribute("tabindex", "0")
    region.focus()
    before = region.evaluate("el => el.scrollLeft")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "([el, before]) => el.scrollLeft > before",
        arg=[region.element_handle(), before],
    )
