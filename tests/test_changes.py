import datetime
import xml.etree.ElementTree as ET

import pytest
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from recommendations.models import Chapter, Recommendation
from review_portal.lib.curation import LOADED_BY_COMMAND

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def curator(make_curator):
    # A name and address that must never reach a public page.
    return make_curator("curator-alice-7731", "alice.7731@example.org")


def edit(record, user=None, **fields):
    for name, value in fields.items():
        setattr(record, name, value)
    if user is not None:
        record._history_user = user
    record.save()
    return record


def atom(response):
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    for name in ["id", "title", "updated"]:
        assert root.find(f"{ATOM}{name}").text, name
    entries = root.findall(f"{ATOM}entry")
    for entry in entries:
        for name in ["id", "title", "updated"]:
            assert entry.find(f"{ATOM}{name}").text, name
        assert entry.find(f"{ATOM}link").get("href").startswith("http://testserver/")
        assert entry.find(f"{ATOM}id").text.startswith("http://testserver/")
        assert entry.find(f"{ATOM}author/{ATOM}name").text
    ids = [entry.find(f"{ATOM}id").text for entry in entries]
    assert len(ids) == len(set(ids))
    return root, entries


def titles(entries):
    return [entry.find(f"{ATOM}title").text for entry in entries]


def test_an_edit_is_listed_with_the_fields_it_changed(client, make_recommendation):
    recommendation = make_recommendation(title="Family Help")
    edit(recommendation, summary="A better summary.", confidence="high")

    response = client.get("/changes/")

    assertContains(response, "Changed: Summary, Confidence")
    assertContains(
        response,
        '<a class="govuk-link" href="/recommendations/recommendation-1/">Family Help</a>',
        html=True,
    )


def test_many_to_many_changes_are_listed(client, make_recommendation, mission):
    recommendation = make_recommendation()
    recommendation.missions.add(mission)

    response = client.get("/changes/")

    assertContains(response, "Changed: Missions")


def test_a_save_that_changes_no_public_field_is_not_listed(client, make_recommendation):
    make_recommendation().save()

    response = client.get("/changes/?type=recommendation")

    assertContains(response, "Added")
    assertNotContains(response, "Edited")


def test_creations_and_removals_are_listed(client, make_recommendation):
    make_recommendation(title="Kept")
    make_recommendation(title="Dropped").delete()

    response = client.get("/changes/")

    # Kept, Dropped, and the chapter they are in
    assertContains(response, 'green">Added</strong>', count=3)
    assertContains(response, "Removed by the portal&#x27;s curators")
    assertContains(response, "Removed from the portal.")
    assertContains(response, 'href="/recommendations/recommendation-1/"')
    assertNotContains(response, 'href="/recommendations/recommendation-2/"')


def test_the_loader_and_curators_are_named_but_no_one_in_particular(
    client, make_recommendation, curator
):
    loaded = make_recommendation()
    edit(loaded, _change_reason=LOADED_BY_COMMAND, summary="From the data.")
    edit(make_recommendation(), user=curator, summary="By hand.")
    assert Recommendation.history.filter(history_user=curator).exists()

    pages = [
        client.get("/changes/"),
        client.get("/changes/feed/"),
        client.get("/recommendations/feed/"),
        client.get("/recommendations/recommendation-2/history/"),
    ]

    assertContains(pages[0], "Loaded from the published data")
    assertContains(pages[0], "Edited by the portal&#x27;s curators")
    for page in pages:
        assert page.status_code == 200
        for secret in ["curator-alice", "alice.7731", "example.org"]:
            assertNotContains(page, secret)


def test_changes_filter_by_type(client, make_recommendation, chapter):
    make_recommendation(title="Listed recommendation")
    edit(chapter, title="Renamed chapter")

    response = client.get("/changes/", {"type": "chapter"})

    # Each change names the record as it was then.
    assertContains(response, "Chapter 1: One")
    assertContains(response, "Chapter 1: Renamed chapter")
    assertNotContains(response, "Listed recommendation")


def test_changes_filter_by_date(client, make_recommendation):
    old, new = (
        make_recommendation(title="Old one"),
        make_recommendation(title="New one"),
    )
    long_ago = timezone.make_aware(datetime.datetime(2023, 3, 15, 12))
    old.history.update(history_date=long_ago)

    in_march = client.get("/changes/", {"since": "2023-03-01", "until": "2023-03-15"})
    after = client.get("/changes/", {"since": "2023-03-16"})

    assertContains(in_march, "Old one")
    assertNotContains(in_march, "New one")
    assertContains(after, "New one")
    assertNotContains(after, "Old one")
    assert new.history.exists()


def test_an_end_before_the_start_is_explained(client, make_recommendation):
    make_recommendation(title="Still listed")

    response = client.get("/changes/", {"since": "2024-05-01", "until": "2024-04-01"})

    assertContains(response, "The end date is before the start date.")
    assertContains(response, 'href="#filter-until"')


HOSTILE = [
    {"type": "not-a-type"},
    {"type": ["chapter", "mission"]},
    {"type": "x" * 20_000},
    {"type": "\x00"},
    {"since": "\x00"},
    {"since": "2024-02-30"},
    {"since": "0000-01-01"},
    {"since": "9999-12-31", "until": "9999-12-31"},
    {"since": "0001-01-01", "until": "0001-01-01"},
    {"until": "'; DROP TABLE auth_user; --"},
    {"page": "abc"},
    {"page": "-1"},
    {"page": "0"},
    {"page": "99999999999999999999"},
    {"page": "9" * 5000},
    {"page": "\x00"},
    {"chapter": "\x00", "mission": "nope", "q": "\x00", "sort": "password"},
    {"q": "x" * 5000, "organisation": ["a", "b"], "stance": "<script>"},
]


@pytest.mark.parametrize(
    "url",
    [
        "/changes/",
        "/changes/feed/",
        "/recommendations/feed/",
        "/recommendations/recommendation-1/history/",
    ],
)
@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_query_strings_never_break_a_page(
    client, make_recommendation, url, query
):
    make_recommendation()

    response = client.get(url, query)

    # A feed has only the pages it lists: any other page number is a 404 saying so.
    is_bad_feed_page = url.endswith("/feed/") and "page" in query
    assert response.status_code == (404 if is_bad_feed_page else 200)
    if is_bad_feed_page:
        assertContains(response, "This feed has no page", status_code=404)


def test_bad_filters_are_left_out_and_explained(client, make_recommendation):
    make_recommendation(title="Still listed")

    response = client.get("/changes/", {"type": "nonsense", "since": "yesterday"})

    assertContains(response, "Some of the choices in this address could not be used")
    assertContains(response, "Type of record")
    assertContains(response, "Still listed")


def test_change_feed_is_atom_and_lists_a_change_once_made(client, make_recommendation):
    recommendation = make_recommendation(title="Family Help")
    _root, before = atom(client.get("/changes/feed/"))

    edit(recommendation, summary="A better summary.")
    root, after = atom(client.get("/changes/feed/"))

    assert len(after) == len(before) + 1
    newest = after[0]
    assert titles([newest]) == ["Family Help: summary edited"]
    assert newest.find(f"{ATOM}link").get("href") == (
        "http://testserver/recommendations/recommendation-1/"
    )
    assert "A better summary." in newest.find(f"{ATOM}summary").text
    assert root.find(f"{ATOM}link[@rel='self']").get("href").startswith("http://")


def test_the_change_log_links_its_feed(client, db):
    response = client.get("/changes/", {"type": "chapter"})

    assertContains(
        response,
        '<link rel="alternate" type="application/atom+xml" '
        'title="What\'s changed on the Review Portal" '
        'href="/changes/feed/?type=chapter">',
    )
    assertContains(response, "Follow changes (Atom feed)")


def test_the_recommendations_list_links_its_filtered_feed(client, chapter):
    response = client.get("/recommendations/", {"chapter": chapter.slug})

    assertContains(response, 'type="application/atom+xml"')
    assertContains(response, 'href="/recommendations/feed/?chapter=chapter-one"')
    assertContains(response, "Follow changes (Atom feed)")


def test_filtered_recommendation_feed_has_only_the_matching_recommendations(
    client, review, chapter, make_recommendation, make_update
):
    other = Chapter.objects.create(review=review, slug="two", number=2, title="Two")
    inside = make_recommendation(title="In chapter one")
    outside = make_recommendation(title="In chapter two", chapter=other)
    edit(inside, summary="Changed inside.")
    edit(outside, summary="Changed outside.")
    make_update(
        recommendation=inside,
        slug="accepted",
        date=datetime.date(2023, 2, 2),
        position="accepted",
        detail="Accepted.",
    )

    _root, entries = atom(
        client.get("/recommendations/feed/", {"chapter": "chapter-one"})
    )
    _root, every = atom(client.get("/recommendations/feed/"))

    listed = " ".join(titles(entries))
    assert "In chapter one" in listed
    assert "In chapter one: new government update (2 February 2023)" in listed
    assert "In chapter two" not in listed
    assert "In chapter two" in " ".join(titles(every))
    # Chapters are not recommendations: the whole portal's feed has them.
    assert "Chapter 1: One" not in " ".join(titles(every))


def test_history_page_shows_each_change_old_and_new(client, make_recommendation):
    recommendation = make_recommendation(summary="The first wording.")
    edit(recommendation, summary="The second wording.", is_headline=True)

    response = client.get("/recommendations/recommendation-1/history/")

    assertContains(
        response,
        '<dt class="govuk-summary-list__key">Summary</dt>',
        html=True,
    )
    assertContains(response, "<del>The first wording.</del>", html=True)
    assertContains(response, "<ins>The second wording.</ins>", html=True)
    assertContains(response, "<del>No</del>", html=True)
    assertContains(response, "<ins>Yes</ins>", html=True)
    assertContains(response, "Headline recommendation")


def test_history_page_of_a_removed_record_is_not_found(client, make_recommendation):
    make_recommendation().delete()

    response = client.get("/recommendations/recommendation-1/history/")

    assert response.status_code == 404


@pytest.mark.parametrize(
    "detail_url",
    [
        "/recommendations/recommendation-1/",
        "/chapters/chapter-one/",
        "/missions/mission-one/",
        "/organisations/an-org/",
        "/sources/captured/",
        "/responses/response-1/",
    ],
)
def test_public_records_say_when_they_were_last_updated(
    client, make_recommendation, make_response, mission, detail_url
):
    make_recommendation()
    make_response()
    today = timezone.localdate()

    page = client.get(detail_url)
    history = client.get(f"{detail_url}history/")

    assertContains(page, "Last updated <time datetime=")
    assertContains(page, f"{today:%-d %B %Y}</time>")
    assertContains(page, f'href="{detail_url}history/"')
    assertContains(history, "Added")


def test_change_log_query_count_is_flat(
    client, make_recommendation, mission, django_assert_num_queries
):
    for _ in range(3):
        edit(make_recommendation(), summary="Edited.").missions.add(mission)

    # count, the page's keys (one UNION), recommendations with the versions before
    # them, their missions, their parts, chapters, missions
    with django_assert_num_queries(7):
        response = client.get("/changes/")

    assertContains(response, "Changed: Missions", count=3)


def test_change_feed_query_count_is_flat(
    client, make_recommendation, mission, django_assert_num_queries
):
    for _ in range(3):
        edit(make_recommendation(), summary="Edited.").missions.add(mission)

    # count (for the paging links), the page's keys (one UNION), recommendations,
    # their missions, their parts, chapters, missions
    with django_assert_num_queries(7):
        client.get("/changes/feed/")


def test_history_page_query_count_is_flat(
    client, make_recommendation, mission, chapter, django_assert_num_queries
):
    recommendation = make_recommendation()
    for n in range(3):
        edit(recommendation, summary=f"Version {n}.")
        recommendation.missions.add(mission)
        recommendation.missions.remove(mission)

    # the recommendation, count of its versions, the page's ids, the versions with
    # the ones before them and their chapter, their missions, their parts, its
    # accepted corrections, its re-readings under our rules
    with django_assert_num_queries(8):
        response = client.get("/recommendations/recommendation-1/history/")

    assertContains(response, "Removed: Mission", count=3)
