"""The Atom feeds of changes: entries titled in plain words with the recommendation
first."""

import datetime
import re

import pytest

from tests.test_changes import ATOM, atom, edit, titles


def by_title(entries, title):
    found = [entry for entry in entries if entry.find(f"{ATOM}title").text == title]
    assert len(found) == 1, (title, titles(entries))
    return found[0]


@pytest.fixture
def family_help(make_recommendation, make_update, make_citation, make_source):
    """Family Help, partially accepted on 12 March 2024 and rejected on 2 February
    2025, each update entered as the admin enters it: the update, then the
    quotation behind it."""
    gov = make_source(
        slug="gov", publisher="GOV.UK", kind="government", capture="cited"
    )
    recommendation = make_recommendation(slug="family-help", title="Family Help")
    for slug, day, position, words in [
        ("first", datetime.date(2024, 3, 12), "partially_accepted", "In part."),
        ("second", datetime.date(2025, 2, 2), "rejected", "We will not do it."),
    ]:
        update = make_update(
            recommendation=recommendation, slug=slug, date=day, position=position
        )
        make_citation(
            slug=f"{slug}-words",
            source=gov,
            excerpt=words,
            supports="position",
            government_update=update,
        )
    recommendation.refresh_from_db()
    return recommendation


def test_entries_name_the_recommendation_first_then_what_happened(
    client, family_help, make_response, organisation
):
    organisation.name = "NSPCC"
    organisation.save()
    make_response(slug="nspcc-on-family-help").recommendations.add(family_help)
    edit(family_help, summary="A plainer summary.")

    _root, entries = atom(client.get("/changes/feed/"))

    listed = titles(entries)
    for title in [
        "Family Help: the government's position changed from Partially accepted "
        "to Rejected",
        "Family Help: new government update (12 March 2024)",
        "Family Help: new government update (2 February 2025)",
        "Family Help: new response from NSPCC",
        "Family Help: summary edited",
        "Family Help: added to the portal",
    ]:
        assert title in listed
    for title in listed:  # no nested quotation marks, nor any
        assert not re.search('[“”"]', title), title
    # Entries about the recommendation link to it, not to a source's anchor.
    update = by_title(entries, "Family Help: new government update (12 March 2024)")
    assert update.find(f"{ATOM}link").get("href") == (
        "http://testserver/recommendations/family-help/#first"
    )
    summary = update.find(f"{ATOM}summary").text
    assert "Government position: Partially accepted." in summary
    assert "Source: GOV.UK: “In part.”" in summary


def test_a_quotation_is_named_after_the_recommendation_it_concerns(
    client, make_recommendation, make_citation, make_source
):
    recommendation = make_recommendation(title="Staying Close")
    make_citation(source=make_source(publisher="Become"), recommendation=recommendation)

    _root, entries = atom(client.get("/recommendations/feed/"))

    assert "Staying Close: new quotation from Become" in titles(entries)
    assert (
        by_title(entries, "Staying Close: new quotation from Become")
        .find(f"{ATOM}link")
        .get("href")
        == "http://testserver/recommendations/recommendation-1/"
    )
