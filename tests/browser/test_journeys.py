"""What people do on the portal, step by step in a real browser: a newcomer's first
visit, the filters used with the keyboard alone, and the README's screenshots."""

import csv
import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from playwright.sync_api import expect

from recommendations.downloads import RECOMMENDATIONS
from recommendations.models import Recommendation

pytestmark = pytest.mark.browser

# The recommendations list shows this many to a page.
LIST_PAGE_SIZE = 25
SCREENSHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots"

# The computed styles that draw a focus indicator (an outline, a ring drawn with
# box-shadow, or a fill), read from the control, its ::before and ::after, and its
# label's (GOV.UK checkboxes draw the box and its focus ring on the label's ::before).
# A change of text colour alone does not count.
STYLE_SNAPSHOT_JS = """
(element) => {
    const boxes = [element];
    if (element.id) {
        const label = document.querySelector(`label[for="${CSS.escape(element.id)}"]`);
        if (label) boxes.push(label);
    }
    return boxes.flatMap(box => [null, "::before", "::after"].map(pseudo => {
        const style = getComputedStyle(box, pseudo);
        const outline = style.outlineStyle === "none" || style.outlineWidth === "0px"
            ? "none"
            : `${style.outlineStyle} ${style.outlineWidth} ${style.outlineColor}`;
        return `${outline} / ${style.boxShadow} / ${style.backgroundColor}`;
    })).join(" | ");
}
"""
FOCUSABLE = "a[href], button, input, select, textarea, summary, [tabindex]"


def words(text):
    return " ".join(text.split())


def test_newcomer_follows_a_recommendation_to_its_source_and_downloads_the_list(
    page, quoted_recommendation, listed_recommendations
):
    mission, recommendation, citation = quoted_recommendation
    # The list shows recommendations, not the other kinds of record (How we count).
    listed = mission.recommendations.filter(kind="recommendation")
    in_mission = {r.get_absolute_url() for r in listed}

    page.goto("/")
    page.locator('a[href="/recommendations/"]').first.click()
    expect(page).to_have_url(re.compile(r"/recommendations/$"))
    expect(page.locator("h1")).to_be_visible()
    total = Recommendation.objects.filter(kind="recommendation").count()
    expect(page.locator("#result-count")).to_contain_text(f"of {total} recommendations")
    first_page = listed_recommendations(page)
    assert len(first_page) == min(total, LIST_PAGE_SIZE)

    page.get_by_role("checkbox", name=mission.title).check()
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(rf"[?&]mission={mission.slug}(&|$)"))
    assert listed_recommendations(page) == in_mission
    filtered_list_url = page.url

    page.locator(f'main a[href="{recommendation.get_absolute_url()}"]').first.click()
    expect(page.locator("h1")).to_have_text(recommendation.title)

    page.locator(f'main a[href="{citation.get_absolute_url()}"]').first.click()
    expect(page).to_have_url(re.compile(rf"#{re.escape(citation.slug)}$"))
    passage = page.locator(f'mark[id="{citation.slug}"]')
    expect(passage).to_be_visible()
    expect(passage).to_be_in_viewport()
    assert passage.evaluate("mark => mark === document.querySelector(':target')")
    assert words(citation.excerpt).startswith(words(passage.inner_text()))

    page.go_back()
    page.go_back()
    expect(page).to_have_url(filtered_list_url)
    expect(page.get_by_role("checkbox", name=mission.title)).to_be_checked()

    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile(r"\bCSV\b", re.IGNORECASE)).click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    with open(download.path(), encoding="utf-8-sig", newline="") as file:
        header, *rows = list(csv.reader(file))
    assert header == [column.name for column in RECOMMENDATIONS.columns]
    assert header[0] == "slug"
    # The same recommendations as the filtered list shows, each once.
    paths = [urlsplit(row[header.index("url")]).path for row in rows]
    assert len(paths) == len(set(paths))
    assert set(paths) == listed_recommendations(page) == in_mission


def test_filters_work_with_the_keyboard_alone_and_show_focus(
    page, quoted_recommendation, listed_recommendations
):
    mission, _, _ = quoted_recommendation
    page.goto("/recommendations/")
    # How each control looks before anything has focus.
    page.locator(FOCUSABLE).evaluate_all(
        f"(elements) => {{ const snapshot = {STYLE_SNAPSHOT_JS};"
        " window.unfocused = new Map(elements.map(el => [el, snapshot(el)])); }"
    )
    no_focus_indicator = []

    def tab_to(selector, limit=300):
        for _ in range(limit):
            page.keyboard.press("Tab")
            focused = page.evaluate_handle("document.activeElement")
            shows_focus = focused.evaluate(
                f"(el) => !window.unfocused.has(el)"
                f" || window.unfocused.get(el) !== ({STYLE_SNAPSHOT_JS})(el)"
            )
            if not shows_focus:
                no_focus_indicator.append(focused.evaluate("el => el.outerHTML"))
            if focused.evaluate("(el, selector) => el.matches(selector)", selector):
                return
        pytest.fail(f"{selector} was not reached in {limit} presses of Tab")

    tab_to(f'input[name="mission"][value="{mission.slug}"]')
    page.keyboard.press("Space")
    expect(
        page.locator(f'input[name="mission"][value="{mission.slug}"]')
    ).to_be_checked()
    tab_to('button[type="submit"], input[type="submit"]')
    expect(page.locator(":focus")).to_have_text(re.compile("Apply filters"))
    with page.expect_navigation():
        page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(rf"[?&]mission={mission.slug}(&|$)"))
    expected = {
        r.get_absolute_url()
        for r in mission.recommendations.filter(kind="recommendation")
    }
    assert listed_recommendations(page) == expected
    assert not no_focus_indicator, "no visible focus indicator on:\n" + "\n".join(
        no_focus_indicator
    )


@pytest.mark.skipif(
    not os.environ.get("UPDATE_SCREENSHOTS"),
    reason="set UPDATE_SCREENSHOTS=1 to rewrite the README's docs/screenshots/",
)
def test_readme_screenshots(new_context, quoted_recommendation):
    mission, _, _ = quoted_recommendation
    page = new_context(viewport={"width": 1280, "height": 800}).new_page()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    page.goto("/")
    page.screenshot(path=SCREENSHOTS / "home.png", full_page=True)

    page.goto(f"/recommendations/?mission={mission.slug}")
    expect(page.get_by_role("checkbox", name=mission.title)).to_be_checked()
    page.screenshot(path=SCREENSHOTS / "filtered-list.png", full_page=True)
