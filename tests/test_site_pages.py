import datetime
import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from pytest_django.asserts import assertContains, assertNotContains

from recommendations.models import Chapter, Mission, Recommendation
from review_portal.lib.charts import LONGEST_BAR_PERCENT, bar_chart
from sources.models import Organisation, SourceDocument

SVG = "{http://www.w3.org/2000/svg}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture
def make_organisation(db):
    def make(**fields):
        n = Organisation.objects.count() + 1
        fields.setdefault("slug", f"organisation-{n}")
        fields.setdefault("name", f"Organisation {n}")
        fields.setdefault("kind", "charity")
        return Organisation.objects.create(**fields)

    return make


@pytest.fixture
def site(
    review,
    chapter,
    make_chapter,
    make_mission,
    make_recommendation,
    make_organisation,
    make_response,
    make_figure,
):
    """Three chapters holding 3, 1 and 0 recommendations; three missions; three
    key figures; responses with three stances from organisations of two kinds."""
    chapters = [chapter, make_chapter(), make_chapter()]
    missions = [make_mission() for _ in range(3)]
    for chapter, count in zip(chapters, [3, 1, 0], strict=True):
        for _ in range(count):
            make_recommendation(chapter=chapter).missions.set(missions[:2])
    for n, qualifier in enumerate(["more_than", "approaching", "exact"]):
        make_figure(
            slug=f"figure-{n}",
            value=Decimal(80000 + n),
            qualifier=qualifier,
            unit="children",
            measures=f"Children counted {n}",
        )
    charity = make_organisation(name="A charity")
    regulator = make_organisation(name="A regulator", kind="regulator")
    for day, stance in enumerate(["welcomes", "welcomes", "mixed", "critical"], 1):
        make_response(
            organisation=charity if day % 2 else regulator,
            stance=stance,
            responded_on=datetime.date(2022, 5, day),
        )
    return chapters


def chart_svgs(response):
    """Every chart on the page, parsed as XML."""
    html = response.content.decode()
    return [
        ET.fromstring(svg)
        for svg in re.findall(r'<svg class="app-bar-chart".*?</svg>', html, re.S)
    ]


def bar_texts(svg):
    """(label, count) of each bar, as drawn."""
    bars = []
    for group in svg.iter(f"{SVG}g"):
        label, count = group.findall(f"{SVG}text")
        words = " ".join(span.text for span in label.findall(f"{SVG}tspan"))
        bars.append((words, int(count.text)))
    return bars


# Home


def test_home_shows_figures_latest_responses_search_and_links(client, site):
    response = client.get("/")

    assertContains(response, "More than 80,000 children")
    assertContains(response, "Approaching 80,001 children")
    assertContains(response, 'href="/key-figures/#figure-0"')
    assertContains(response, 'href="/key-figures/"')
    assertContains(
        response,
        '<label class="govuk-label govuk-label--m" for="home-search-q">Search the portal</label>',
        html=True,
    )
    assertContains(response, 'action="/search/"')
    assertContains(response, 'name="q"')
    assertContains(response, "We have identified 4")
    assertContains(response, 'href="/recommendations/"')
    assertContains(response, 'href="/charts/"')
    assertContains(response, "A regulator on the final report")
    assertContains(response, "govuk-tag--red")  # the critical response
    assertContains(response, '<time datetime="2022-05-04">4 May 2022</time>', html=True)
    assertNotContains(response, "All recommendations</h2>")


def test_home_lists_the_five_newest_dated_responses_newest_first(
    client, review, make_response
):
    for day in range(1, 8):
        make_response(
            slug=f"on-day-{day}",
            responded_on=datetime.date(2022, 5, day),
            is_date_approximate=day == 7,
        )
    make_response(slug="undated")

    content = client.get("/").content.decode()

    shown = re.findall(r'href="/responses/([\w-]+)/"', content)
    assert shown == [f"on-day-{day}" for day in [7, 6, 5, 4, 3]]
    assert "about 7 May 2022" in content


def test_home_query_count_is_fixed(client, site, django_assert_num_queries):
    # review, chapters with counts, missions with counts, key figures,
    # latest responses with their organisation, the review's discrepancies,
    # recommendations counted by position, and by kind for the honest count
    with django_assert_num_queries(8):
        response = client.get("/")

    assert response.status_code == 200


# List pages


def test_chapter_list_shows_each_chapter_with_its_count_and_a_chart(
    client, site, django_assert_num_queries
):
    # chapters with their counts (the chart is drawn from the same rows)
    with django_assert_num_queries(1):
        response = client.get("/chapters/")

    assertContains(response, "<title>Chapters – Review Portal</title>", html=True)
    assertContains(response, '<meta name="description"')
    assertContains(response, '<h1 class="govuk-heading-xl">Chapters</h1>', html=True)
    assertContains(response, 'href="/chapters/chapter-3/"')
    assertContains(
        response,
        '<td class="govuk-table__cell govuk-table__cell--numeric">3</td>',
        html=True,
    )
    assert len(chart_svgs(response)) == 1


def test_mission_list_shows_each_mission_with_its_count(
    client, site, django_assert_num_queries
):
    # missions with their counts
    with django_assert_num_queries(1):
        response = client.get("/missions/")

    assertContains(response, '<h1 class="govuk-heading-xl">Missions</h1>', html=True)
    assertContains(response, 'href="/missions/mission-3/"')
    assertContains(response, "4 recommendations towards it", count=2)
    assertContains(response, "0 recommendations towards it", count=1)


def test_organisation_list_groups_organisations_by_kind_with_counts(
    client, site, make_organisation, django_assert_num_queries
):
    make_organisation(name="A quiet one", kind="other")

    # organisations with their response counts
    with django_assert_num_queries(1):
        response = client.get("/organisations/")

    content = response.content.decode()
    assertContains(response, '<a class="govuk-link" href="#charity">Charity</a>')
    assertContains(
        response, '<section class="app-anchored govuk-!-margin-top-8" id="regulator"'
    )
    assertContains(response, "2 responses", count=2)
    assertContains(response, "No responses recorded")
    # Kinds in OrganisationKind's order, so "Other" comes last.
    assert content.index('id="charity"') < content.index('id="regulator"')
    assert content.index('id="regulator"') < content.index('id="other"')


def test_source_list_shows_publisher_date_capture_and_what_each_backs(
    client, site, make_source, make_response, make_citation, django_assert_num_queries
):
    source = make_source(
        title="Charities respond",
        publisher="A charity network",
        published_on=datetime.date(2022, 5, 1),
        date_precision="month",
    )
    make_source(title="The final report", capture="cited", raw_text="")
    # Two citations and three responses: the counts must not multiply each other.
    for n in range(2):
        make_citation(
            slug=f"c-{n}", source=source, excerpt="welcome", review=site[0].review
        )
    for quotation in ["welcome the report", "Charities", ""]:
        make_response(source=source, quotation=quotation)

    # count for the paginator, the page's sources with their citation and
    # quotation counts
    with django_assert_num_queries(2):
        response = client.get("/sources/")

    assertContains(response, '<h1 class="govuk-heading-xl">Sources</h1>', html=True)
    assertContains(response, "A charity network")
    assertContains(response, '<time datetime="2022-05">May 2022</time>', html=True)
    assertContains(response, "Backs 2 citations and 2 quoted responses")
    assertContains(response, "govuk-tag--grey")  # the cited source
    assertContains(response, 'href="/sources/source-2/"')


def test_source_list_is_paginated_by_fifty(client, make_source):
    for _ in range(51):
        make_source(capture="cited", raw_text="")

    first = client.get("/sources/")
    second = client.get("/sources/", {"page": 2})

    assertContains(first, "Showing 1 to 50 of 51 sources")
    assertContains(first, 'href="?page=2"')
    assertContains(second, "Showing 51 to 51 of 51 sources")


def test_header_links_to_the_list_pages(client, db):
    response = client.get("/organisations/")

    for url in ["/chapters/", "/missions/", "/organisations/", "/sources/"]:
        assertContains(response, f'class="govuk-service-navigation__link" href="{url}"')
    assertContains(response, 'href="/organisations/" aria-current="page"')


@pytest.mark.parametrize(
    ("url", "list_url"),
    [
        ("/chapters/chapter-one/", "/chapters/"),
        ("/missions/mission-1/", "/missions/"),
        ("/organisations/an-org/", "/organisations/"),
        ("/recommendations/recommendation-1/", "/chapters/"),
    ],
)
def test_detail_breadcrumbs_lead_to_their_list(client, site, url, list_url):
    response = client.get(url)

    assertContains(
        response, f'<a class="govuk-breadcrumbs__link" href="{list_url}">', count=1
    )


# Charts


def test_chart_page_draws_a_labelled_bar_per_chapter_and_stance(
    client, site, django_assert_num_queries
):
    # chapters with their counts, responses counted by stance
    with django_assert_num_queries(2):
        response = client.get("/charts/")

    chapters, stances = chart_svgs(response)
    for svg in chapters, stances:
        assert svg.get("role") == "img"
        title, desc = svg.get("aria-labelledby").split()
        assert svg.find(f"{SVG}title").get("id") == title
        assert svg.find(f"{SVG}desc").get("id") == desc
    assert chapters.find(f"{SVG}title").text == (
        "Recommendations in each chapter of the final report"
    )
    expected = [
        (str(chapter), chapter.recommendations.count())
        for chapter in Chapter.objects.order_by("number")
    ]
    assert expected == [
        ("1. One", 3),
        ("2. Chapter title 2", 1),
        ("3. Chapter title 3", 0),
    ]
    assert bar_texts(chapters) == expected
    assert len(chapters.findall(f".//{SVG}rect")) == 3
    assert "1. One: 3; 2. Chapter title 2: 1" in chapters.find(f"{SVG}desc").text
    assert bar_texts(stances) == [
        ("Welcomes", 2),
        ("Mixed", 1),
        ("Critical", 1),
        ("Neutral", 0),
    ]
    assertContains(response, "Show the data as a table", count=2)
    assertContains(response, 'href="/responses/?stance=mixed"')
    assertContains(
        response,
        '<th scope="row" class="govuk-table__header">'
        '<a class="govuk-link" href="/chapters/chapter-2/">2. Chapter title 2</a></th>',
        html=True,
    )


def test_bar_lengths_are_shares_of_the_longest_and_labels_wrap():
    chart = bar_chart(
        "test",
        "Title",
        "Intro.",
        "Thing",
        "things",
        [
            ("Short", 4, ""),
            ("A label far too long to sit on one line of a phone", 2, ""),
            ("None", 0, ""),
        ],
    )

    assert [bar.width for bar in chart.bars] == [
        f"{LONGEST_BAR_PERCENT:.1f}",
        f"{LONGEST_BAR_PERCENT / 2:.1f}",
        "0.0",
    ]
    assert len(chart.bars[1].lines) == 2
    tops = [bar.y for bar in chart.bars]
    assert tops == sorted(tops) and chart.height > tops[-1]
    assert chart.total == 6
    assert chart.description == (
        "Intro. Short: 4; A label far too long to sit on one line of a phone: 2; "
        "None: 0."
    )


def test_chart_of_nothing_draws_no_bars():
    chart = bar_chart("empty", "Title", "Intro.", "Thing", "things", [])

    assert chart.bars == () and chart.height == 0


# robots.txt, sitemap.xml, error pages


def test_robots_txt_allows_all_but_the_admin_and_points_to_the_sitemap(client, db):
    response = client.get("/robots.txt")

    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert "User-agent: *" in lines
    assert "Disallow: /admin/" in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    assert [line for line in lines if line.startswith("Disallow")] == [
        "Disallow: /admin/"
    ]


def test_sitemap_lists_every_list_page_and_record(
    client, site, make_source, django_assert_num_queries
):
    make_source()

    # one per record sitemap: chapters, missions, recommendations, organisations,
    # sources, responses
    with django_assert_num_queries(6):
        response = client.get("/sitemap.xml")

    assert response["Content-Type"] == "application/xml"
    root = ET.fromstring(response.content)
    urls = {loc.text for loc in root.iter(f"{SITEMAP}loc")}
    for model in [Recommendation, Chapter, Mission, Organisation, SourceDocument]:
        for record in model.objects.all():
            assert f"http://testserver{record.get_absolute_url()}" in urls
    for path in [
        "/",
        "/charts/",
        "/recommendations/",
        "/chapters/",
        "/sources/",
        "/tracker/",
        "/how-we-track/",
        "/discrepancies/",
    ]:
        assert f"http://testserver{path}" in urls
    assert "http://testserver/responses/response-1/" in urls
    assert not any("/admin/" in url for url in urls)


def test_unknown_page_is_a_friendly_404_with_a_way_on(client, db):
    response = client.get("/no-such-page/")

    assertContains(response, "Page not found", status_code=404)
    assertContains(response, 'href="/"', status_code=404)
    assertContains(response, 'href="/search/"', status_code=404)


def test_server_error_page_renders_without_a_request_or_database():
    # No db fixture: pytest-django fails any query made here.
    html = render_to_string("500.html")

    assert "Sorry, there is a problem" in html
    assert 'href="/"' in html
    assert 'href="/search/"' in html
