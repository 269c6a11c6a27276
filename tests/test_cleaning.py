from pathlib import Path

import pytest
from django.conf import settings

from sources.cleaning import MISENCODED_NBSP, NBSP, clean_text

DOCUMENTS = Path(settings.FIXTURE_DIRS[0]) / "documents"


def read(name):
    return (DOCUMENTS / f"{name}.txt").read_bytes().decode("utf-8")


def test_misencoded_non_breaking_spaces_become_spaces():
    raw = read("ucl-icls-review-cites-research")
    assert raw.count(MISENCODED_NBSP) == 10
    cleaned = clean_text(raw)
    assert MISENCODED_NBSP not in cleaned
    assert "a fundamental shift in children's social care" in cleaned
    assert "Josh MacAlister" in cleaned


@pytest.mark.parametrize(
    "name",
    [
        "childrens-society-government-must-act",
        "rcpch-responds-to-review",
        "review-newsletter-april-2022",
    ],
)
def test_stray_bullets_are_removed(name):
    raw = read(name)
    assert "  \u2022 " in raw
    cleaned = clean_text(raw)
    assert "\u2022" not in cleaned


@pytest.mark.parametrize(
    ("name", "footer"),
    [
        ("review-newsletter-april-2022", "Website by Kontrolit"),
        ("review-newsletter-april-2022", "Assurance: Parents and Carers"),
        ("review-launch-reactions", "Leave a Reply"),
        ("review-launch-reactions", "Akismet"),
        ("review-launch-reactions", "Married to the amazing Sarah"),
        ("rcpch-responds-to-review", "Quote mark"),
        ("ucl-icls-review-cites-research", "Child and adult holding hands"),
    ],
)
def test_page_furniture_is_removed(name, footer):
    assert footer in read(name)
    assert footer not in clean_text(read(name))


@pytest.mark.parametrize("name", [p.stem for p in sorted(DOCUMENTS.glob("*.txt"))])
def test_whitespace_runs_collapse(name):
    cleaned = clean_text(read(name))
    assert NBSP not in cleaned
    assert "  " not in cleaned
    assert "\n\n\n" not in cleaned
    assert cleaned == cleaned.strip()
    assert all(line == line.strip() for line in cleaned.splitlines())


def test_words_are_kept_exactly_misspellings_included():
    cleaned = clean_text(read("ucl-icls-review-cites-research"))
    assert "it was committd to" in cleaned
    cleaned = clean_text(read("childrens-society-government-must-act"))
    assert "cut shortThe time is gone" in cleaned


def test_cleaning_is_stable():
    for path in DOCUMENTS.glob("*.txt"):
        once = clean_text(path.read_text(encoding="utf-8"))
        assert clean_text(once) == once
