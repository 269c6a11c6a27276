import datetime
from decimal import Decimal

import pytest
from pytest_django.asserts import assertContains, assertNotContains

from recommendations.models import KeyFigure, Recommendation, TimelineEvent
from sources.highlighting import Segment, highlight
from sources.models import ChapterTitle, SourceDocument


@pytest.fixture
def recommendation(
    make_recommendation,
    make_mission,
    make_figure,
    make_citation,
    make_response,
    make_source,
):
    """A recommendation with three of everything its page shows."""
    recommendation = make_recommendation(
        slug="family-help",
        title="A new Family Help service",
        summary="Help families early.",
        addressed_to="Local authorities",
        chapter_basis="inferred",
        chapter_note="The source names the topic, not the chapter.",
        confidence="high",
    )
    recommendation.missions.set([make_mission() for _ in range(3)])
    for n in range(3):
        make_figure(recommendation=recommendation, value=Decimal(2000 + n))
        make_citation(
            recommendation=recommendation, excerpt="a new Family Help service"
        )
    source = make_source(slug="charity-news")
    for stance in ["welcomes", "mixed", "critical"]:
        make_response(
            stance=stance, source=source, quotation="welcome the report"
        ).recommendations.add(recommendation)
    return recommendation


def test_home_names_the_review_and_lists_what_it_recommends(
    client, review, make_chapter, make_mission, make_recommendation
):
    review.page_count = 278
    review.stated_recommendation_count = 80
    review.summary = "A review of the whole system."
    review.save()
    second = make_chapter(number=2, title="A revolution in Family Help")
    make_mission(title="Loving relationships")
    make_recommendation(title="A new Family Help service", chapter=second)

    response = client.get("/")

    assertContains(response, '<h1 class="govuk-heading-xl">Test review</h1>', html=True)
    assertContains(response, "A Chair")
    assertContains(response, "23 May 2022")
    assertContains(response, "278 pages")
    assertContains(
        response,
        "The report states it makes 80. We have identified 1; 79 are not identified yet.",
    )
    assertContains(response, "A review of the whole system.")
    assertContains(
        response,
        '<a class="govuk-link" href="/chapters/chapter-2/">2. A revolution in Family Help</a>',
        html=True,
    )
    assertContains(response, "Loving relationships")
    assertContains(response, 'href="/recommendations/"')  # the full list, not on home


def test_home_lists_chapters_in_their_numbered_order(client, review, make_chapter):
    # Counting recommendations groups the query, and Django then drops Meta.ordering.
    make_chapter(number=2, slug="b-second", title="Second")
    make_chapter(number=1, slug="c-first", title="First")

    content = client.get("/").content.decode()

    assert content.index("1. First") < content.index("2. Second")


def test_home_without_a_review_says_the_data_is_not_loaded(client, db):
    response = client.get("/")

    assertContains(response, "data is not loaded yet")


def test_chapter_page_shows_its_titles_recommendations_and_sources(
    client, chapter, make_recommendation, make_citation, captured_source
):
    ChapterTitle.objects.create(
        slug="title-1", chapter=chapter, source=captured_source, title="The One chapter"
    )
    make_recommendation(title="Do the first thing")
    make_citation(chapter=chapter, excerpt="makes 80 recommendations", slug="cite-one")

    response = client.get("/chapters/chapter-one/")

    assertContains(response, "Chapter 1")
    assertContains(response, '<h1 class="govuk-heading-xl">One</h1>', html=True)
    assertContains(response, "“The One chapter”")
    assertContains(response, 'href="/sources/captured/"')
    assertContains(response, "Do the first thing")
    assertContains(response, "“makes 80 recommendations”")
    assertContains(response, 'href="/sources/source-2/#cite-one"')


def test_chapter_query_count_is_flat(
    client, django_assert_num_queries, chapter, make_recommendation, make_citation
):
    source = SourceDocument.objects.create(
        slug="s", title="S", publisher="P", kind="news", capture="cited"
    )
    for n in range(3):
        make_recommendation()
        make_citation(chapter=chapter, source=source)
        ChapterTitle.objects.create(
            slug=f"title-{n}", chapter=chapter, source=source, title=f"Title {n}"
        )

    # chapter, how many recommendations it has, a page of them, titles with their
    # source, citations, their sources
    with django_assert_num_queries(6):
        response = client.get("/chapters/chapter-one/")

    assert response.status_code == 200


@pytest.mark.parametrize("page", ["chapters/chapter-one", "missions/mission-one"])
def test_chapter_and_mission_pages_list_recommendations_a_page_at_a_time(
    client, mission, make_recommendation, page
):
    make_recommendation()
    for n in range(1, 52):
        make_recommendation(slug=f"r-{n:03}", title=f"Listed {n:03}")
    mission.recommendations.set(Recommendation.objects.all())

    first = client.get(f"/{page}/")
    second = client.get(f"/{page}/", {"page": 2})
    # A mistyped page number shows the first page, not an error.
    mistyped = client.get(f"/{page}/", {"page": "x"})

    # 52 in slug order: r-001 to r-050 first, then r-051 and recommendation-1.
    assertContains(first, "Listed 050")
    assertNotContains(first, "Listed 051")
    assertContains(first, 'href="?page=2"')
    assertContains(second, "Listed 051")
    assertContains(second, "Recommendation 1")
    assertNotContains(second, "Listed 050")
    assertContains(mistyped, "Listed 001")


def test_mission_page_lists_its_recommendations(
    client, mission, make_recommendation, django_assert_num_queries
):
    for n in range(3):
        make_recommendation(title=f"Towards the mission {n}").missions.add(mission)

    # mission, how many recommendations it has, a page of them with their chapter
    with django_assert_num_queries(3):
        response = client.get("/missions/mission-one/")

    assertContains(response, "Mission 1")
    assertContains(response, "Towards the mission 2")
    assertContains(response, "Chapter 1. One")


def test_recommendation_page_shows_everything_known_about_it(client, recommendation):
    response = client.get("/recommendations/family-help/")

    assertContains(response, "A new Family Help service")
    assertContains(response, "Help families early.")
    assertContains(response, "Chapter inferred from the topic.")
    assertContains(response, "The source names the topic, not the chapter.")
    assertContains(response, "Mission title 3")
    assertContains(response, "Local authorities")
    assertContains(response, "Not known: no source gives it")
    assertContains(response, "High: the report&#x27;s own words seen")
    assertContains(response, "2,002 children")
    assertContains(response, 'href="/key-figures/#figure-3"')
    assertContains(response, "govuk-tag--red")  # the critical response
    assertContains(response, "“welcome the report”")
    assertContains(response, 'href="/sources/charity-news/#response-1"')
    assertContains(response, "“a new Family Help service”")
    assertContains(response, 'href="/sources/source-2/#citation-1"')


def test_recommendation_page_shows_the_number_a_source_gives(
    client, make_recommendation
):
    make_recommendation(number="5.2", chapter_basis="stated")

    response = client.get("/recommendations/recommendation-1/")

    assertContains(response, "Recommendation 5.2")
    assertContains(response, "Chapter stated by a source.")


def test_recommendation_query_count_is_flat(
    client, recommendation, django_assert_num_queries
):
    # recommendation with chapter, missions, key figures, citations with their
    # source, responses with organisation and source, government updates (none
    # here, so their citations cost nothing: see test_tracker.py), discrepancies,
    # the reading order for previous/next, its promised dates with their sources,
    # the umbrellas it is part of and, for an umbrella, its parts, and its
    # re-readings under our rules
    with django_assert_num_queries(12):
        response = client.get("/recommendations/family-help/")

    assert response.status_code == 200


def test_recommendation_links_its_neighbours_and_can_be_cited(
    client, make_chapter, make_recommendation
):
    first = make_recommendation(slug="a-first", title="First")
    second = make_recommendation(slug="b-second", title="Second")
    later = make_recommendation(
        slug="a-later-chapter", title="Later", chapter=make_chapter(number=2)
    )

    response = client.get(second.get_absolute_url())

    assertContains(response, f'href="{first.get_absolute_url()}" rel="prev"')
    assertContains(response, f'href="{later.get_absolute_url()}" rel="next"')
    assertContains(response, "Cite this")
    assertContains(response, f"http://testserver{second.get_absolute_url()}")
    assertContains(response, "(accessed ")
    assertNotContains(client.get(first.get_absolute_url()), 'rel="prev"')


def test_key_figures_are_anchored_and_formatted(
    client,
    make_figure,
    make_citation,
    make_recommendation,
    django_assert_num_queries,
):
    make_figure(
        slug="in-care",
        value=Decimal("80000.00"),
        qualifier="more_than",
        measures="Children in care",
        year=2021,
        recommendation=make_recommendation(title="Fewer children in care"),
    )
    make_figure(slug="cost", value=Decimal("23000000000.00"), unit="£ per year")
    make_figure(slug="share", value=Decimal("2.50"), unit="%")
    for figure in KeyFigure.objects.all():
        make_citation(key_figure=figure)

    # key figures with recommendation, citations with their source, the
    # recommendations' discrepancies
    with django_assert_num_queries(3):
        response = client.get("/key-figures/")

    assertContains(response, 'id="in-care"')
    assertContains(response, "More than 80,000 children")
    assertContains(response, "Children in care (2021)")
    assertContains(response, "Fewer children in care")
    assertContains(response, "£23,000,000,000 per year")
    assertContains(response, "2.50%")
    assertContains(response, 'href="/sources/source-1/#citation-1"')


def test_timeline_shows_dates_at_their_precision(
    client, make_event, make_citation, django_assert_num_queries
):
    make_event(slug="launch", date=datetime.date(2019, 1, 1), date_precision="year")
    make_event(slug="update", date=datetime.date(2022, 5, 1), date_precision="month")
    make_event(slug="report", date=datetime.date(2022, 5, 23), title="Final report")
    for event in TimelineEvent.objects.all():
        make_citation(timeline_event=event)

    # events, citations, their sources
    with django_assert_num_queries(3):
        response = client.get("/timeline/")

    assertContains(response, '<time datetime="2019">2019</time>', html=True)
    assertContains(response, '<time datetime="2022-05">May 2022</time>', html=True)
    assertContains(
        response, '<time datetime="2022-05-23">23 May 2022</time>', html=True
    )
    assertContains(response, 'id="report"')
    assertContains(response, "Final report")


def test_source_page_highlights_what_is_quoted_from_it(
    client, make_source, make_citation, make_recommendation, make_response
):
    source = make_source(slug="charity-news", title="Charities respond")
    make_citation(
        slug="eighty",
        source=source,
        excerpt="makes 80 recommendations",
        recommendation=make_recommendation(title="Eighty of them"),
    )
    make_response(slug="welcome", source=source, quotation="welcome the report")

    response = client.get("/sources/charity-news/")

    assertContains(response, "Charities respond")
    assertContains(response, "Captured")
    assertContains(
        response, '<mark id="eighty">makes 80 recommendations</mark>', html=True
    )
    assertContains(response, '<mark id="welcome">welcome the report</mark>', html=True)
    assertContains(response, 'href="#eighty"')
    assertContains(response, "Eighty of them")


def test_cited_source_page_still_anchors_its_excerpts(
    client, make_source, make_citation, review
):
    source = make_source(slug="final-report", capture="cited", raw_text="")
    make_citation(
        slug="from-the-report", source=source, excerpt="A reset", review=review
    )

    response = client.get("/sources/final-report/")

    assertContains(response, "Cited")
    assertContains(response, 'id="from-the-report"')
    assertNotContains(response, "<mark id=")


def test_source_query_count_is_flat(
    client,
    make_source,
    make_citation,
    make_response,
    make_figure,
    make_event,
    chapter,
    django_assert_num_queries,
):
    source = make_source(slug="charity-news")
    make_citation(source=source, chapter=chapter)
    make_citation(source=source, key_figure=make_figure())
    make_citation(source=source, timeline_event=make_event())
    for _ in range(3):
        make_response(source=source, quotation="welcome the report")

    # source, citations with what each supports, responses with organisation
    with django_assert_num_queries(3):
        response = client.get("/sources/charity-news/")

    assert response.status_code == 200


def test_organisation_page_lists_its_responses(
    client, make_response, django_assert_num_queries
):
    for stance in ["welcomes", "mixed", "critical"]:
        make_response(stance=stance, summary=f"They said it, {stance}.")

    # organisation, responses with their source, their recommendations
    with django_assert_num_queries(3):
        response = client.get("/organisations/an-org/")

    assertContains(response, "An organisation")
    assertContains(response, "They said it, mixed.")
    assertContains(response, "govuk-tag--yellow")
    assertContains(response, "“families need help”")
    assertContains(response, 'href="/sources/captured/#response-3"')


def test_response_page_shows_the_quotation_and_what_it_speaks_to(
    client,
    make_response,
    make_recommendation,
    chapter,
    mission,
    django_assert_num_queries,
):
    answer = make_response(
        person="Dr A Person",
        role="Officer",
        responded_on=datetime.date(2022, 5, 23),
        is_date_approximate=True,
        stance="critical",
    )
    answer.recommendations.set([make_recommendation() for _ in range(3)])
    answer.chapters.add(chapter)
    answer.missions.add(mission)

    # response with organisation and source, recommendations, chapters, missions
    with django_assert_num_queries(4):
        response = client.get("/responses/response-1/")

    assertContains(response, "Response to the final report")
    assertContains(response, "Dr A Person, Officer")
    assertContains(response, "23 May 2022")
    assertContains(response, "approximate")
    assertContains(response, "Critical")
    assertContains(response, "“families need help”")
    assertContains(response, 'href="/sources/captured/#response-1"')
    assertContains(response, "Recommendation 3")
    assertContains(response, "1. One")
    assertContains(response, "Mission")


def test_publications_are_anchored_with_their_findings(
    client, make_publication, make_citation, django_assert_num_queries
):
    for n in range(3):
        make_citation(publication=make_publication(findings=f"It found {n}."))

    # publications, citations, their sources
    with django_assert_num_queries(3):
        response = client.get("/publications/")

    assertContains(response, 'id="publication-1"')
    assertContains(response, "It found 2.")
    assertContains(response, 'href="/sources/source-3/#citation-3"')


@pytest.mark.parametrize(
    "url",
    [
        "/chapters/unknown/",
        "/missions/unknown/",
        "/recommendations/unknown/",
        "/sources/unknown/",
        "/organisations/unknown/",
        "/responses/unknown/",
    ],
)
def test_unknown_slug_is_a_friendly_404(client, db, url):
    response = client.get(url)

    assertContains(response, "Page not found", status_code=404)


def test_html_in_the_data_is_escaped(
    client, make_recommendation, make_source, make_citation
):
    recommendation = make_recommendation(slug="x", summary="<script>alert(1)</script>")
    source = make_source(slug="s", raw_text="Before <b>bold</b> after")
    make_citation(source=source, excerpt="<b>bold</b>", recommendation=recommendation)

    page = client.get("/recommendations/x/")
    source_page = client.get("/sources/s/")

    assertContains(page, "&lt;script&gt;alert(1)&lt;/script&gt;")
    assertNotContains(page, "<script>alert(1)")
    assertContains(source_page, "&lt;b&gt;bold&lt;/b&gt;</mark>")
    assertNotContains(source_page, "<b>bold</b>")


def test_highlight_merges_overlapping_passages_and_anchors_each():
    segments = highlight(
        "one two three four",
        [("a", "two three"), ("b", "three four"), ("c", "two"), ("d", "missing")],
    )

    assert segments == [
        Segment("one "),
        Segment("", is_marked=True, anchor="c"),
        Segment("two", is_marked=True, anchor="a"),
        Segment(" ", is_marked=True),
        Segment("three", is_marked=True, anchor="b"),
        Segment(" four", is_marked=True),
    ]


def test_neighbours_follow_reading_order_across_chapters_in_one_query(
    make_chapter, make_recommendation, django_assert_num_queries
):
    # Chapters 1, 2 (empty) and 3; reading order is chapter number, then slug.
    make_chapter(number=2)
    third = make_chapter(number=3)
    first = make_recommendation(slug="b-first-chapter")
    last_of_first = make_recommendation(slug="c-first-chapter")
    in_third = make_recommendation(slug="a-third-chapter", chapter=third)
    last = make_recommendation(slug="b-third-chapter", chapter=third)

    def slugs(recommendation):
        with django_assert_num_queries(1):
            previous, next_ = Recommendation.objects.neighbours(recommendation)
        return previous and previous[0], next_ and next_[0]

    assert slugs(first) == (None, "c-first-chapter")
    # Over the empty chapter 2, to the first of chapter 3 (whose slug sorts first).
    assert slugs(last_of_first) == ("b-first-chapter", "a-third-chapter")
    assert slugs(in_third) == ("c-first-chapter", "b-third-chapter")
    assert slugs(last) == ("a-third-chapter", None)


def test_every_update_says_which_words_give_which_field_and_whose_they_are(
    client, make_update, make_citation, make_source
):
    update = make_update(position="rejected", detail="Rejected.")
    government = make_source(kind="government", publisher="Department for Education")
    make_citation(
        government_update=update,
        source=government,
        excerpt="makes 80 recommendations",
        supports="position",
    )
    make_citation(government_update=update, excerpt="makes 80 recommendations")

    response = client.get(update.recommendation.get_absolute_url())

    assertContains(response, "These words give the government&#x27;s position.", 1)
    assertContains(response, "Department for Education (the government's own words)")
