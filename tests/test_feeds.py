"""The Atom feeds of changes: entries titled in plain words with the recommendation
first, dated when it happened and when it was recorded."""

import datetime
import re

import pytest

from tests.test_changes import ATOM, atom, edit, titles


def dates(entry):
    return (
        datetime.datetime.fromisoformat(entry.find(f"{ATOM}published").text),
        datetime.datetime.fromisoformat(entry.find(f"{ATOM}updated").text),
    )


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


def test_an_entry_is_published_when_it_happened_and_updated_when_recorded(
    client, family_help, make_response
):
    response = make_response(responded_on=datetime.date(2022, 6, 1))
    response.recommendations.add(family_help)
    edit(family_help, summary="Edited.")
    recorded = {
        history.history_id: history.history_date
        for history in family_help.history.all()
    }

    _root, entries = atom(client.get("/changes/feed/"))

    update = by_title(entries, "Family Help: new government update (2 February 2025)")
    change = by_title(
        entries,
        "Family Help: the government's position changed from Partially accepted "
        "to Rejected",
    )
    for entry in [update, change]:
        published, updated = dates(entry)
        assert published == datetime.datetime(2025, 2, 2, tzinfo=datetime.UTC)
        assert updated > published  # recorded today
    change_id = int(change.find(f"{ATOM}id").text.rsplit("-", 1)[1])
    assert dates(change)[1] == recorded[change_id]
    new_response = by_title(entries, "Family Help: new response from An organisation")
    assert dates(new_response)[0] == datetime.datetime(2022, 6, 1, tzinfo=datetime.UTC)
    # An edit happened when it was recorded.
    published, updated = dates(by_title(entries, "Family Help: summary edited"))
    assert published == updated
