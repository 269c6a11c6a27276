"""The public record: "How we track", the tracker, each recommendation's history,
the discrepancies and who said what; and the checks that fail the build if a loaded
record has no source excerpt, or quotes a captured document wrongly."""

import datetime
import html
import re
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.utils.html import escape
from pytest_django.asserts import assertContains, assertNotContains

from recommendations import tracking
from recommendations.models import (
    Chapter,
    ChapterBasis,
    Confidence,
    DeliveryStatus,
    Discrepancy,
    GovernmentUpdate,
    KeyFigure,
    Position,
    Recommendation,
    TimelineEvent,
)
from sources.models import (
    Capture,
    ChapterTitle,
    Citation,
    Commitment,
    StakeholderResponse,
)

# A count that links to the recommendations it counts: <a …href="…">12<span… in
# tables, <a …href="…">12 recommendations<span… in the lists of definitions.
COUNT_LINK = re.compile(
    r'<a class="govuk-link" href="([^"]+)">(\d+)(?: recommendations?)?<span'
)


@pytest.fixture
def real_data(shipped_data, db):
    pass


def count_links(response):
    """(path, {filter: value}, count) of every count on the page that links to the
    recommendations list."""
    links = []
    for href, count in COUNT_LINK.findall(response.content.decode()):
        url = urlsplit(html.unescape(href))
        if url.path == "/recommendations/":
            links.append((url.geturl(), dict(parse_qsl(url.query)), int(count)))
    return links


def db_count(filters):
    filters = dict(filters)
    # The list counts recommendations, not the other kinds of record.
    recommendations = Recommendation.objects.filter(kind="recommendation")
    if "commitment" in filters:  # the column of overdue promised dates
        promised = Commitment.objects.in_state(filters.pop("commitment"))
        recommendations = recommendations.filter(
            pk__in=promised.values("recommendation")
        )
    lookups = {
        ("chapter__slug" if name == "chapter" else name): value
        for name, value in filters.items()
    }
    return recommendations.filter(**lookups).count()


def chapter_slugs():
    return list(Chapter.objects.values_list("slug", flat=True))


def listed_count(client, url):
    """How many recommendations the list at `url` shows, having used every filter."""
    response = client.get(url)
    assert response.status_code == 200
    assert response.context["problems"] == [], url
    return response.context["paginator"].count


# Definitions


@pytest.mark.parametrize(
    "choices, texts",
    [
        (Position, tracking.POSITION_DEFINITIONS),
        (DeliveryStatus, tracking.DELIVERY_STATUS_DEFINITIONS),
        (Confidence, tracking.CONFIDENCE_DEFINITIONS),
        (ChapterBasis, tracking.CHAPTER_BASIS_DEFINITIONS),
    ],
)
def test_every_choice_has_exactly_one_definition(choices, texts):
    assert set(texts) == set(choices.values)
    assert all(text.strip() for text in texts.values())


def test_how_we_track_publishes_every_definition(client, db):
    response = client.get("/how-we-track/")

    for texts in [
        tracking.POSITION_DEFINITIONS,
        tracking.DELIVERY_STATUS_DEFINITIONS,
        tracking.CONFIDENCE_DEFINITIONS,
        tracking.CHAPTER_BASIS_DEFINITIONS,
    ]:
        for text in texts.values():
            assertContains(response, escape(text), count=1)
    for choices in [Position, DeliveryStatus, ChapterBasis]:
        for label in choices.labels:
            assertContains(
                response, f'<dt class="govuk-summary-list__key">{label}</dt>'
            )
    for value in Confidence.values:
        assertContains(
            response, f'<dt class="govuk-summary-list__key">{value.capitalize()}</dt>'
        )


def test_how_we_track_explains_how_the_data_is_gathered(client, db):
    response = client.get("/how-we-track/")

    for words in [
        "November 2026",
        "checked by code, word for word",
        "quoted as published",
        "we cannot check their words",
        "in our own words",
        "only where a source gives one",
        "latest dated update that states a position",
    ]:
        assertContains(response, words)


def test_how_we_track_counts_equal_the_database(client, real_data):
    response = client.get("/how-we-track/")
    links = count_links(response)

    for url, filters, count in links:
        assert count == db_count(filters), url
    linked = {
        (name, value) for _, filters, _ in links for name, value in filters.items()
    }
    # Every chapter, grade, position and status is counted somewhere on the page.
    assert {("chapter", slug) for slug in chapter_slugs()} <= linked
    for name, choices in [
        ("confidence", Confidence),
        ("position", Position),
        ("delivery_status", DeliveryStatus),
    ]:
        assert {(name, value) for value in choices.values} <= linked
    recommendations = Recommendation.objects.filter(kind="recommendation")
    assert ("/recommendations/", {}, recommendations.count()) in links
    # Chapter basis cannot be filtered on: its counts are in its rows.
    content = response.content.decode()
    for basis in ChapterBasis.values:
        row = re.search(rf'id="basis-definitions-{basis}">(.*?)</div>', content, re.S)
        shown = re.findall(r">(\d+) recommendations?</dd>", row.group(1))
        assert shown == [str(recommendations.filter(chapter_basis=basis).count())]


def test_how_we_track_shows_the_real_counts(client, real_data):
    content = client.get("/how-we-track/").content.decode()

    # As docs/public-record-coverage.md counts them.
    assert "We have identified 54 of them" in content
    # Recommendations only, not the umbrellas, topics and conclusion (How we count).
    for count, grade in [(16, "high"), (38, "medium")]:
        assert (
            f'?confidence={grade}">{count} recommendations'
            f'<span class="govuk-visually-hidden">: {grade}</span>'
        ) in content


def test_how_we_track_query_count_is_fixed(
    client, real_data, django_assert_num_queries
):
    # review, chapters, recommendations counted by chapter, grade, basis, position
    # and status (one GROUP BY), sources counted by capture, records by kind
    with django_assert_num_queries(5):
        response = client.get("/how-we-track/")

    assert response.status_code == 200


# The tracker


def test_every_tracker_cell_counts_the_list_it_links_to(client, real_data):
    response = client.get("/tracker/")
    links = count_links(response)

    # 7 positions x 6 statuses, a total for each row and column, and the total,
    # and a column of those with an overdue promise: one per row, and its total
    assert len(links) == 7 * 6 + 7 + 6 + 1 + 7 + 1
    for url, filters, count in links:
        assert count == listed_count(client, url), url
        assert count == db_count(filters), url
    assert ("/recommendations/", {}, 54) in links
    assertContains(response, "all 54 recommendations")


def test_tracker_for_one_chapter_counts_only_that_chapter(client, real_data):
    response = client.get("/tracker/", {"chapter": "transforming-care"})
    links = count_links(response)

    # and a column of those with an overdue promise: one per row, and its total
    assert len(links) == 7 * 6 + 7 + 6 + 1 + 7 + 1
    for url, filters, count in links:
        assert filters["chapter"] == "transforming-care"
        assert count == listed_count(client, url), url
    assertContains(response, "the 10 recommendations in chapter 5")
    assertContains(response, "Tracker: Transforming care")


def test_tracker_totals_per_chapter_add_up_to_the_whole(client, real_data):
    totals = {}
    for slug in chapter_slugs():
        links = count_links(client.get("/tracker/", {"chapter": slug}))
        for _, filters, count in links:
            assert count == db_count(filters)
        totals[slug] = next(count for _, f, count in links if f == {"chapter": slug})
    assert (
        sum(totals.values())
        == Recommendation.objects.filter(kind="recommendation").count()
    )


@pytest.mark.parametrize("chapter", ["no-such-chapter", "x" * 5000, "5", "\x00"])
def test_tracker_with_a_bad_chapter_shows_the_whole_review_and_says_so(
    client, real_data, chapter
):
    response = client.get("/tracker/", {"chapter": chapter})

    assert response.status_code == 200
    assertContains(response, "is not a chapter of the report")
    assertContains(response, "so this shows the whole review")
    assertContains(response, "all 54 recommendations")
    assertContains(response, '<meta name="robots" content="noindex">')


def test_tracker_is_an_accessible_scrollable_table(client, db):
    response = client.get("/tracker/")

    assertContains(response, 'role="region" aria-labelledby="tracker-caption"')
    assertContains(response, 'tabindex="0"')
    # It says that it scrolls, where it may not fit.
    assertContains(response, 'aria-describedby="tracker-scroll-hint"')
    assertContains(response, '<caption class="govuk-table__caption')
    # position, six statuses, the total and those with an overdue promise
    assertContains(response, 'scope="col"', count=9)
    assertContains(response, 'scope="row"', count=8)


@pytest.mark.parametrize(
    "query", [{}, {"chapter": "transforming-care"}, {"chapter": "?"}]
)
def test_tracker_query_count_is_fixed(
    client, real_data, django_assert_num_queries, query
):
    # chapters (for the select, and to check ?chapter=), recommendations counted by
    # position and delivery status (one GROUP BY), those with an overdue promise
    # by position (one more)
    with django_assert_num_queries(3):
        response = client.get("/tracker/", query)

    assert response.status_code == 200


def test_header_links_to_the_tracker(client, db):
    response = client.get("/tracker/")

    assertContains(response, 'href="/tracker/" aria-current="page">Tracker</a>')


# A recommendation's history


@pytest.fixture
def tracked(
    make_recommendation,
    make_source,
    make_update,
    make_citation,
    make_discrepancy,
    captured_source,
):
    """A recommendation with three updates, saved out of date order: a position in
    May 2022 (month precision), a change of position and a delivery status in 2023,
    and a later delivery status; cited and captured sources; a discrepancy."""
    recommendation = make_recommendation(
        slug="tracked",
        title="A tracked recommendation",
        note="Not checked against the report.",
    )
    news = make_source(
        capture=Capture.CITED,
        slug="news",
        publisher="Community Care",
        title="News page",
        url="https://example.org/news",
    )
    updates = [
        ("later", datetime.date(2024, 3, 1), "day", "", "in_progress", "Work began."),
        (
            "first",
            datetime.date(2022, 5, 1),
            "month",
            "under_consideration",
            "",
            "Delayed.",
        ),
        (
            "response",
            datetime.date(2023, 2, 2),
            "day",
            "partially_accepted",
            "piloted",
            "Piloted.",
        ),
    ]
    for slug, date, precision, position, status, detail in updates:
        update = make_update(
            recommendation=recommendation,
            slug=slug,
            date=date,
            date_precision=precision,
            position=position,
            delivery_status=status,
            detail=detail,
        )
        make_citation(
            slug=f"{slug}-cited",
            source=news,
            excerpt=f"{detail} as reported",
            government_update=update,
        )
    make_citation(
        slug="response-captured",
        source=captured_source,
        excerpt="families need help",
        government_update=GovernmentUpdate.objects.get(slug="response"),
    )
    make_discrepancy(
        slug="how-much",
        recommendation=recommendation,
        topic="How much it costs",
        summary="One source says more than the other.",
    )
    recommendation.refresh_from_db()
    return recommendation


def test_recommendation_shows_where_it_stands_as_at_the_latest_update(client, tracked):
    assert tracked.position == "partially_accepted"
    assert tracked.delivery_status == "in_progress"

    response = client.get("/recommendations/tracked/")

    assertContains(
        response,
        'Partially accepted</strong> as at <a class="govuk-link" href="#response">'
        '<time datetime="2023-02-02">2 February 2023</time></a>',
    )
    assertContains(
        response,
        'In progress</strong> as at <a class="govuk-link" href="#later">'
        '<time datetime="2024-03-01">1 March 2024</time></a>',
    )
    assertContains(
        response, escape(tracking.POSITION_DEFINITIONS["partially_accepted"])
    )
    assertContains(
        response, escape(tracking.DELIVERY_STATUS_DEFINITIONS["in_progress"])
    )
    assertContains(response, "(its position now)", count=1)
    assertContains(response, "(its delivery status now)", count=1)


def test_recommendation_history_is_in_date_order_at_each_dates_precision(
    client, tracked
):
    content = client.get("/recommendations/tracked/").content.decode()

    first = content.index('id="first"')
    response = content.index('id="response"')
    later = content.index('id="later"')
    assert first < response < later
    assert '<time datetime="2022-05">May 2022</time>' in content
    for detail in ["Delayed.", "Piloted.", "Work began."]:
        assert detail in content


def test_cited_sources_are_as_reported_and_quoted_as_published(client, tracked):
    response = client.get("/recommendations/tracked/")

    assertContains(response, "As reported by Community Care", count=3)
    assertContains(
        response,
        '<a class="govuk-link" href="https://example.org/news" rel="noreferrer">News page</a>',
    )
    assertContains(
        response,
        "Quoted as the source published it. We have no copy of the page, so we "
        "could not check the words.",
        count=3,
    )
    # A captured source links to the passage highlighted in our copy, as before.
    assertContains(response, 'href="/sources/captured/#response-captured"')
    assertNotContains(response, "As reported by A publisher")


def test_recommendation_shows_confidence_basis_note_and_discrepancies(client, tracked):
    response = client.get("/recommendations/tracked/")

    assertContains(response, escape(tracking.CONFIDENCE_DEFINITIONS["medium"]))
    assertContains(response, 'href="/how-we-track/#confidence"')
    assertContains(response, "Chapter inferred from the topic.")
    assertContains(response, "Not checked against the report.")
    assertContains(response, 'href="/discrepancies/#how-much">How much it costs</a>')
    assertContains(response, "One source says more than the other.")


def test_recommendation_without_updates_says_no_response_was_found(
    client, make_recommendation
):
    make_recommendation(slug="quiet")

    response = client.get("/recommendations/quiet/")

    assertContains(response, "No response found</strong></p>")
    assertContains(response, "No information found</strong></p>")
    assertNotContains(response, "as at")
    assertContains(response, "We have not found anything that says what the government")


def test_recommendation_query_count_is_fixed(
    client, tracked, django_assert_num_queries
):
    # recommendation with chapter, missions, key figures, citations with their
    # source, responses with organisation and source, government updates, their
    # citations with their source, discrepancies, the reading order for
    # previous/next, its promised dates with their sources, those of its updates,
    # the umbrellas it is part of and, for an umbrella, its parts, and the
    # re-readings under our rules (its own and its updates')
    with django_assert_num_queries(14):
        response = client.get("/recommendations/tracked/")

    assert response.status_code == 200


def test_real_recommendation_pages_agree_with_the_tracker(client, real_data):
    for recommendation in Recommendation.objects.filter(
        slug__in=[
            "reform-programme-investment",
            "kinship-allowance",
            "kinship-care-leave",
        ]
    ):
        response = client.get(recommendation.get_absolute_url())
        position, status = (
            response.context["position_update"],
            response.context["status_update"],
        )
        assert position.position == recommendation.position
        assert (
            status is None or status.delivery_status == recommendation.delivery_status
        )
        assertContains(
            response, f"{recommendation.get_position_display()}</strong> as at"
        )


# Discrepancies


@pytest.fixture
def discrepancy(make_source, make_discrepancy, make_citation, captured_source):
    discrepancy = make_discrepancy(
        slug="length",
        topic="How long the report is",
        summary="They differ.",
    )
    older = make_source(
        capture=Capture.CITED,
        publisher="Old News",
        url="https://example.org/old",
        published_on=datetime.date(2022, 5, 1),
        date_precision="month",
    )
    make_citation(
        slug="says-278",
        source=captured_source,
        excerpt="families need help",
        discrepancy=discrepancy,
    )
    make_citation(
        slug="says-250",
        source=older,
        excerpt="nearly 250 pages",
        discrepancy=discrepancy,
    )
    return discrepancy


def test_discrepancy_page_shows_each_side_by_side_unresolved(
    client, discrepancy, django_assert_num_queries
):
    # discrepancies with their recommendation, citations with their source
    with django_assert_num_queries(2):
        response = client.get("/discrepancies/")

    assertContains(response, "do not decide which is right")
    # The module's real data may be loaded too: look at this discrepancy only.
    content = response.content.decode()
    section = content[content.index('id="length"') :]
    section = section[: section.index("</section>")]
    assert "How long the report is" in section
    assert "What each of the 2 sources says" in section
    assert section.count("govuk-grid-column-one-half") == 2
    # Dated sources first; each side with its publisher, date, excerpt and link.
    assert section.index("Old News") < section.index("A publisher")
    assert '<time datetime="2022-05">May 2022</time>' in section
    assert "“nearly 250 pages”" in section
    assert "As reported by Old News" in section
    assert 'href="https://example.org/old"' in section
    assert "“families need help”" in section
    assert 'href="/sources/captured/#says-278"' in section
    assert "Date not given" in section


def test_every_real_discrepancy_shows_every_side(client, real_data):
    response = client.get("/discrepancies/")

    for discrepancy in Discrepancy.objects.prefetch_related("citations"):
        assertContains(response, f'id="{discrepancy.slug}"')
        for citation in discrepancy.citations.all():
            assertContains(response, f"“{escape(citation.excerpt)}”")


def test_home_points_to_the_reviews_discrepancies_only(client, real_data):
    response = client.get("/")

    for discrepancy in Discrepancy.objects.all():
        link = f'href="/discrepancies/#{discrepancy.slug}"'
        if discrepancy.recommendation_id is None:
            assertContains(response, link)
        else:
            assertNotContains(response, link)
    assertContains(response, "Some sources do not agree")


def test_home_sums_up_the_tracker(client, real_data):
    response = client.get("/")

    assertContains(
        response,
        '<a class="govuk-link" href="/recommendations/?position=accepted">Accepted</a>: 9',
    )
    assertContains(response, 'href="/tracker/"')
    assertContains(response, 'href="/how-we-track/"')


def test_money_figures_link_to_what_sources_disagree_about(client, real_data):
    content = client.get("/key-figures/").content.decode()

    for figure in KeyFigure.objects.select_related("recommendation"):
        section = content[content.index(f'id="{figure.slug}"') :]
        section = section[: section.index("</section>")]
        expected = (
            list(figure.recommendation.discrepancies.all())
            if figure.recommendation and figure.unit.startswith("£")
            else []
        )
        shown = re.findall(r'href="/discrepancies/#([\w-]+)"', section)
        assert shown == [d.slug for d in expected], figure.slug
    assert "#reform-funding-period" in content


# Organisations


def test_organisation_page_shows_who_said_what_about_which(
    client, make_response, make_recommendation, make_update, django_assert_num_queries
):
    welcomed = make_recommendation(title="B welcomed")
    opposed = make_recommendation(title="A opposed")
    make_update(
        recommendation=opposed,
        slug="no",
        date=datetime.date(2023, 2, 2),
        position="rejected",
        detail="No.",
    )
    make_response(stance="welcomes").recommendations.add(welcomed)
    make_response(stance="critical").recommendations.add(opposed, welcomed)
    make_response(stance="mixed")  # speaks to no recommendation

    # organisation, responses with their source, their recommendations
    with django_assert_num_queries(3):
        response = client.get("/organisations/an-org/")

    content = response.content.decode()
    table = content[content.index('id="stances-caption"') : content.index("</table>")]
    rows = re.findall(
        r'<th scope="row"[^>]*><a[^>]*>([^<]+)</a>.*?govuk-tag[^"]*">(\w+)<',
        table,
        re.S,
    )
    assert rows == [
        ("A opposed", "Critical"),
        ("B welcomed", "Welcomes"),
        ("B welcomed", "Critical"),
    ]
    assert table.count("Rejected</strong>") == 1
    assert table.count("No response found</strong>") == 2
    assertContains(response, "What they said about the review")
    assertContains(response, "Mixed")


def test_real_organisation_pages_list_each_recommendation_they_spoke_to(
    client, real_data
):
    for response_ in StakeholderResponse.objects.prefetch_related(
        "recommendations"
    ).select_related("organisation")[:10]:
        page = client.get(response_.organisation.get_absolute_url())
        for recommendation in response_.recommendations.all():
            assertContains(
                page,
                f'<th scope="row" class="govuk-table__header"><a class="govuk-link" href="{recommendation.get_absolute_url()}">',
            )


# Timeline


def test_timeline_groups_every_real_event_by_year_with_its_sources(client, real_data):
    response = client.get("/timeline/")
    content = response.content.decode()

    events = list(TimelineEvent.objects.prefetch_related("citations__source"))
    assert len(events) == 37
    years = sorted({event.date.year for event in events})
    positions = [content.index(f'id="year-{year}"') for year in years]
    assert positions == sorted(positions)
    for event in events:
        at = content.index(f'id="{event.slug}"')
        year_at = content.index(f'id="year-{event.date.year}"')
        assert year_at < at
        for citation in event.citations.all():
            assertContains(response, f"“{escape(citation.excerpt)}”")
            if not citation.source.is_captured:
                assertContains(
                    response, f"As reported by {escape(citation.source.publisher)}"
                )


# The build fails on any record without a source, or a misquoted captured source.


def test_every_loaded_record_has_a_source_with_an_excerpt(real_data):
    def unsourced(queryset):
        return [
            record.slug
            for record in queryset.prefetch_related("citations")
            if not any(
                c.source_id and c.excerpt.strip() for c in record.citations.all()
            )
        ]

    assert Recommendation.objects.count() == 62
    assert unsourced(Recommendation.objects.all()) == []
    assert unsourced(GovernmentUpdate.objects.all()) == []
    assert unsourced(TimelineEvent.objects.all()) == []
    assert unsourced(Discrepancy.objects.all()) == []
    responses = StakeholderResponse.objects.all()
    assert responses.count() == 45
    assert [
        r.slug for r in responses if not r.source_id or not r.quotation.strip()
    ] == []


def test_every_quotation_from_a_captured_source_is_found_in_it(real_data):
    quotations = [
        *(
            (c.slug, c.source, c.excerpt)
            for c in Citation.objects.select_related("source")
        ),
        *(
            (r.slug, r.source, r.quotation)
            for r in StakeholderResponse.objects.select_related("source")
        ),
        *(
            (t.slug, t.source, t.title)
            for t in ChapterTitle.objects.select_related("source")
        ),
    ]
    captured = [
        (slug, source, text) for slug, source, text in quotations if source.is_captured
    ]

    assert captured, "no quotation from a captured source was checked"
    missing = [slug for slug, source, text in captured if source.locate(text) is None]
    assert missing == []
