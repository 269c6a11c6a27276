"""The Atom feeds of changes: entries titled in plain words with the recommendation
first, dated when it happened and when it was recorded, paged (RFC 5005) and linked
to the change log, on chapter, mission and organisation pages; and the first load
of the data is not news."""

import datetime
import re
from urllib.parse import urlsplit

import pytest
from pytest_django.asserts import assertContains, assertNotContains

from recommendations.models import Chapter, Mission, Recommendation
from review_portal.changes import TRACKED
from sources.models import Organisation
from tests.test_changes import ATOM, atom, edit, titles

PLAIN_FEEDS = ["/changes/feed/", "/recommendations/feed/"]


def links(root):
    """{rel: href} of the feed's own links."""
    return {link.get("rel"): link.get("href") for link in root.findall(f"{ATOM}link")}


def path_of(url):
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


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


@pytest.fixture
def many_changes(make_recommendation):
    """120 changes to recommendations (each added, then its summary edited), and
    their chapter's: three pages of the recommendations' feed."""
    for _ in range(60):
        edit(make_recommendation(), summary="Edited.")


def follow(client, url):
    """Every page from `url` by its next links: [(root, entries)]."""
    pages = []
    while url:
        response = client.get(path_of(url))
        assert response.status_code == 200, url
        root, entries = atom(response)
        pages.append((root, entries))
        url = links(root).get("next")
        assert len(pages) < 10
    return pages


def test_a_feed_is_paged_by_next_links_without_repeats(client, many_changes):
    pages = follow(client, "http://testserver/recommendations/feed/")

    ids = [e.find(f"{ATOM}id").text for _root, entries in pages for e in entries]
    assert [len(entries) for _root, entries in pages] == [50, 50, 20]
    assert len(ids) == len(set(ids)) == 120
    first, second, last = (links(root) for root, _entries in pages)
    base = "http://testserver/recommendations/feed/"
    assert first["self"] == first["first"] == second["previous"] == base
    assert "previous" not in first
    assert first["next"] == second["self"] == last["previous"] == f"{base}?page=2"
    assert first["last"] == last["self"] == f"{base}?page=3"
    assert "next" not in last
    # The same feed on every page.
    assert {root.find(f"{ATOM}id").text for root, _entries in pages} == {base}


def test_paging_keeps_the_filters_and_the_alternate_is_the_change_log(
    client, many_changes
):
    pages = follow(client, "/changes/feed/?type=recommendation&since=2000-01-01")

    assert len(pages) == 3
    for root, _entries in pages:
        feed_links = links(root)
        assert feed_links["alternate"] == (
            "http://testserver/changes/?type=recommendation&since=2000-01-01"
        )
        for rel in ["first", "last", "self"]:
            assert "type=recommendation&since=2000-01-01" in feed_links[rel]
    root, entries = atom(
        client.get("/recommendations/feed/", {"chapter": "chapter-one"})
    )
    assert links(root)["alternate"] == "http://testserver/changes/?chapter=chapter-one"
    # The change log with those filters lists the same changes.
    log = client.get("/changes/", {"chapter": "chapter-one"})
    anchors = re.findall(r'id="(change-[a-z]+-\d+)"', log.content.decode())
    assert anchors == [e.find(f"{ATOM}id").text.split("#")[1] for e in entries][:25]
    assertContains(log, "Only changes about these recommendations")


@pytest.mark.parametrize(
    "page", ["4", "0", "-1", "01", "abc", "2.0", "9" * 5000, "\x00", "last"]
)
def test_a_page_the_feed_does_not_have_is_a_clear_404(client, many_changes, page):
    response = client.get("/recommendations/feed/", {"page": page})

    assert response.status_code == 404
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assertContains(response, "This feed has no page", status_code=404)
    assertContains(response, "It has 3 pages", status_code=404)


def test_the_first_page_answers_to_page_1_and_an_empty_feed_has_one_page(client, db):
    for page in [None, "1"]:
        query = {"page": page} if page else {}
        root, entries = atom(client.get("/changes/feed/", query))
        assert entries == []
        assert links(root)["first"] == links(root)["last"]
    assert client.get("/changes/feed/", {"page": "2"}).status_code == 404


def test_the_change_log_takes_the_recommendation_filters(
    client, review, make_recommendation, chapter
):
    other = Chapter.objects.create(review=review, slug="two", number=2, title="Two")
    make_recommendation(title="In chapter one")
    make_recommendation(title="In chapter two", chapter=other)

    inside = client.get("/changes/", {"chapter": "chapter-one"})
    unknown = client.get("/changes/", {"chapter": "no-such-chapter"})
    chapters = client.get("/changes/", {"chapter": "chapter-one", "type": "chapter"})

    assertContains(inside, "In chapter one")
    assertNotContains(inside, "In chapter two")
    assertContains(inside, 'href="/changes/feed/?chapter=chapter-one"')
    assertContains(inside, 'href="/recommendations/?chapter=chapter-one"')
    for page in [unknown, chapters]:
        assertContains(page, "Some of the choices in this address could not be used")
    assertContains(unknown, "In chapter two")
    # Chapters are not about recommendations: the type is left out, the chapter kept.
    assertContains(chapters, "Type of record: only changes that concern")
    assertContains(chapters, "In chapter one")
    assertNotContains(chapters, "In chapter two")


@pytest.mark.parametrize(
    ("page", "feed"),
    [
        ("/chapters/chapter-one/", "/recommendations/feed/?chapter=chapter-one"),
        ("/missions/mission-one/", "/recommendations/feed/?mission=mission-one"),
        ("/organisations/an-org/", "/recommendations/feed/?organisation=an-org"),
    ],
)
def test_chapter_mission_and_organisation_pages_link_their_own_feed(
    client, review, make_recommendation, make_response, mission, page, feed
):
    other_chapter = Chapter.objects.create(
        review=review, slug="two", number=2, title="Two"
    )
    other_org = Organisation.objects.create(
        slug="other-org", name="Other", kind="charity"
    )
    inside = make_recommendation(title="In scope")
    inside.missions.add(mission)
    make_response().recommendations.add(inside)
    outside = make_recommendation(title="Out of scope", chapter=other_chapter)
    make_response(organisation=other_org).recommendations.add(outside)
    edit(inside, summary="Changed inside.")
    edit(outside, summary="Changed outside.")

    response = client.get(page)
    _root, entries = atom(client.get(feed))

    assertContains(
        response, '<link rel="alternate" type="application/atom+xml" title="Changes'
    )
    assertContains(response, f'href="{feed}">', count=2)  # the head's, the visible one
    assertContains(response, "Follow changes (Atom feed)</a> to the recommendations")
    listed = titles(entries)
    assert "In scope: summary edited" in listed
    assert all(title.startswith("In scope:") for title in listed), listed


# The shipped data, loaded into an empty database: nothing in it is news.


def every_feed():
    yield from PLAIN_FEEDS
    for chapter in Chapter.objects.all():
        yield f"/recommendations/feed/?chapter={chapter.slug}"
    for mission in Mission.objects.all():
        yield f"/recommendations/feed/?mission={mission.slug}"
    for organisation in Organisation.objects.all():
        yield f"/recommendations/feed/?organisation={organisation.slug}"
    for tracked in TRACKED:
        yield f"/changes/feed/?type={tracked.kind}"


def test_after_the_first_load_every_feed_holds_only_re_readings(
    client, db, shipped_data
):
    # The re-readings under our rules are the portal's own dated record of what it
    # changed (sources/rereads.py): news on any install. Nothing else is.
    feeds = list(every_feed())
    assert len(feeds) > 30

    for url in feeds:
        root, entries = atom(client.get(url))
        assert all(
            " re-read under our rules: " in t or " removed under our rules" in t
            for t in titles(entries)
        ), (url, titles(entries))
        if "type=" in url and "type=reread" not in url:
            assert entries == [], url
    # And the detail pages link feeds among them.
    chapter = Chapter.objects.first()
    assertContains(
        client.get(chapter.get_absolute_url()),
        f"/recommendations/feed/?chapter={chapter.slug}",
    )


def test_after_a_position_change_the_newest_entry_names_it(
    client, shipped_data, make_update, make_citation
):
    recommendation = (
        Recommendation.objects.filter(chapter__isnull=False, position="accepted")
        .order_by("slug")
        .first()
    )
    source = (
        recommendation.government_updates.filter(citations__isnull=False)
        .first()
        .citations.first()
        .source
    )
    update = make_update(
        recommendation=recommendation,
        slug="a-later-rejection",
        date=datetime.date(2026, 1, 5),
        position="rejected",
        detail="The government now rejects it.",
    )
    make_citation(
        slug="a-later-rejection-words",
        source=source,
        excerpt=source.citations.first().excerpt,
        supports="position",
        government_update=update,
    )
    title = (
        f"{recommendation.title}: the government's position changed from "
        "Accepted to Rejected"
    )
    event = (
        "Government position changed: Accepted → Rejected, on 5 January 2026, "
        f"source {source.publisher}"
    )

    for url in [
        "/changes/feed/",
        "/recommendations/feed/",
        f"/recommendations/feed/?chapter={recommendation.chapter.slug}",
    ]:
        _root, entries = atom(client.get(url))
        newest = entries[0]
        assert titles([newest]) == [title], url
        assert event in newest.find(f"{ATOM}summary").text
        assert dates(newest)[0] == datetime.datetime(2026, 1, 5, tzinfo=datetime.UTC)
        assert titles(entries[1:2]) == [
            f"{recommendation.title}: new government update (5 January 2026)"
        ]
