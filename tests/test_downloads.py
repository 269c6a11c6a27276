import csv
import datetime
import io
import json

import pytest
from pytest_django.asserts import assertContains

from recommendations.downloads import RECOMMENDATIONS
from recommendations.models import Chapter, Mission
from review_portal.lib import downloads
from sources.downloads import RESPONSES
from sources.models import Organisation

# Public column names: a change here breaks people's spreadsheets and scripts.
RECOMMENDATION_COLUMNS = [
    "slug",
    "number",
    "title",
    "summary",
    "chapter_number",
    "chapter_title",
    "chapter_basis",
    "missions",
    "addressed_to",
    "confidence",
    "is_headline",
    "response_count",
    "url",
    "sources",
    "position",
    "delivery_status",
    # Added by issue 14: when and on what words the position and status were set.
    "position_date",
    "position_date_precision",
    "position_sources",
    "position_excerpts",
    "delivery_status_date",
    "delivery_status_date_precision",
    "delivery_status_sources",
    "delivery_status_excerpts",
    # Added by issue 10: what kind of record, an umbrella's parts, our inference.
    "kind",
    "parts",
    "inference",
]
RESPONSE_COLUMNS = [
    "slug",
    "organisation",
    "organisation_name",
    "organisation_kind",
    "person",
    "role",
    "date",
    "date_is_approximate",
    "moment",
    "stance",
    "summary",
    "quotation",
    "source",
    "source_title",
    "source_url",
    "recommendations",
    "chapters",
    "missions",
    "url",
]


def read_csv(response):
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = response.getvalue().decode("utf-8")
    assert text.startswith("\ufeff")  # for Excel
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def header(response):
    text = response.getvalue().decode("utf-8").removeprefix("\ufeff")
    return next(csv.reader(io.StringIO(text)))


def listed(client, url, params):
    """Every record's slug on the list page, in its order, all pages."""
    response = client.get(url, params)
    return [record.slug for record in response.context["paginator"].object_list]


@pytest.fixture
def data(
    make_recommendation,
    make_response,
    make_source,
    make_citation,
    chapter,
    mission,
    organisation,
):
    second = Chapter.objects.create(
        review=chapter.review, slug="chapter-two", number=2, title="Two"
    )
    homes = Mission.objects.create(
        review=chapter.review, slug="homes", number=2, title="Homes"
    )
    other = Organisation.objects.create(
        slug="second-org", name="Second organisation", kind="royal_college"
    )
    alpha = make_recommendation(
        slug="alpha",
        number="5.2",
        title="Alpha family help",
        summary="Help, “early”; with commas, and\nlines.",
        confidence="high",
        is_headline=True,
        addressed_to="Local authorities",
    )
    bravo = make_recommendation(slug="bravo", title="Bravo", chapter=second)
    charlie = make_recommendation(slug="charlie", title="Charlie", confidence="low")
    alpha.missions.set([mission, homes])
    charlie.missions.set([homes])
    report = make_source(
        slug="report", title="The report", publisher="P", kind="report", capture="cited"
    )
    news = make_source(
        slug="news", title="News", publisher="P", kind="news", capture="cited"
    )
    for n, source in enumerate([report, news, report]):
        make_citation(
            slug=f"cite-{n}", source=source, excerpt="x", recommendation=alpha
        )
    make_response(
        person="Dr A Person",
        role="Chief executive",
        responded_on=datetime.date(2022, 5, 23),
        is_date_approximate=True,
    ).recommendations.set([alpha, charlie])
    answer = make_response(stance="critical", organisation=other, quotation="")
    answer.recommendations.set([alpha, bravo])
    answer.chapters.set([chapter, second])
    answer.missions.set([homes])


def test_csv_header_is_the_documented_columns(client, data):
    assert [column.name for column in RECOMMENDATIONS.columns] == RECOMMENDATION_COLUMNS
    assert [column.name for column in RESPONSES.columns] == RESPONSE_COLUMNS
    assert header(client.get("/recommendations.csv")) == RECOMMENDATION_COLUMNS
    assert header(client.get("/responses.csv")) == RESPONSE_COLUMNS


def test_an_empty_download_still_has_its_header(client, db):
    assert header(client.get("/recommendations.csv")) == RECOMMENDATION_COLUMNS
    assert json.loads(client.get("/responses.json").getvalue()) == {
        "count": 0,
        "filters": {},
        "results": [],
    }


def test_csv_row_holds_the_recommendation(client, data):
    rows = read_csv(client.get("/recommendations.csv"))

    assert rows[0] == {
        "slug": "alpha",
        "number": "5.2",
        "title": "Alpha family help",
        "summary": "Help, “early”; with commas, and\nlines.",
        "chapter_number": "1",
        "chapter_title": "One",
        "chapter_basis": "inferred",
        "missions": "mission-one;homes",
        "addressed_to": "Local authorities",
        "confidence": "high",
        "is_headline": "true",
        "response_count": "2",
        "url": "http://testserver/recommendations/alpha/",
        "sources": "news;report",
        "position": "no_response_found",
        "delivery_status": "no_information",
        "position_date": "",
        "position_date_precision": "",
        "position_sources": "",
        "position_excerpts": "",
        "delivery_status_date": "",
        "delivery_status_date_precision": "",
        "delivery_status_sources": "",
        "delivery_status_excerpts": "",
        "kind": "recommendation",
        "parts": "",
        "inference": "",
    }
    assert [row["slug"] for row in rows] == ["alpha", "charlie", "bravo"]
    assert rows[2]["missions"] == rows[2]["sources"] == ""
    assert rows[2]["is_headline"] == "false"


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"mission": "homes"},
        {"chapter": "chapter-one", "confidence": ["high", "low"]},
        {"organisation": "second-org", "stance": "critical"},
        {"q": "family"},
        {"sort": "-title"},
    ],
)
def test_downloads_hold_the_records_of_the_filtered_list(client, data, params):
    expected = listed(client, "/recommendations/", params)

    rows = read_csv(client.get("/recommendations.csv", params))
    body = json.loads(client.get("/recommendations.json", params).getvalue())

    assert [row["slug"] for row in rows] == expected
    assert [result["slug"] for result in body["results"]] == expected
    assert body["count"] == len(expected)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"stance": "critical"},
        {"recommendation": ["alpha", "charlie"], "moment": "final_report"},
        {"chapter": "chapter-two"},
        {"mission": "homes", "organisation": "second-org"},
        {"sort": "organisation"},
    ],
)
def test_response_downloads_hold_the_records_of_the_filtered_list(client, data, params):
    expected = listed(client, "/responses/", params)

    rows = read_csv(client.get("/responses.csv", params))
    body = json.loads(client.get("/responses.json", params).getvalue())

    assert [row["slug"] for row in rows] == expected
    assert [result["slug"] for result in body["results"]] == expected


def test_json_has_the_count_the_filters_applied_and_typed_values(client, data):
    response = client.get(
        "/recommendations.json",
        {"mission": ["homes", "mission-one"], "q": "family", "page": "3", "x": "y"},
    )
    body = json.loads(response.getvalue())

    assert response["Content-Type"] == "application/json"
    assert body["count"] == 1
    assert body["filters"] == {"q": ["family"], "mission": ["mission-one", "homes"]}
    assert list(body["results"][0]) == RECOMMENDATION_COLUMNS
    assert body["results"][0]["missions"] == ["mission-one", "homes"]
    assert body["results"][0]["chapter_number"] == 1
    assert body["results"][0]["response_count"] == 2
    assert body["results"][0]["is_headline"] is True


def test_response_rows_link_to_the_quoted_passage(client, data):
    rows = read_csv(client.get("/responses.csv", {"sort": "date"}))
    body = json.loads(client.get("/responses.json", {"sort": "date"}).getvalue())

    assert rows[0] == {
        "slug": "response-1",
        "organisation": "an-org",
        "organisation_name": "An organisation",
        "organisation_kind": "charity",
        "person": "Dr A Person",
        "role": "Chief executive",
        "date": "2022-05-23",
        "date_is_approximate": "true",
        "moment": "final_report",
        "stance": "welcomes",
        "summary": "Summary of response 1.",
        "quotation": "families need help",
        "source": "captured",
        "source_title": "A captured page",
        "source_url": "http://testserver/sources/captured/#response-1",
        "recommendations": "alpha;charlie",
        "chapters": "",
        "missions": "",
        "url": "http://testserver/responses/response-1/",
    }
    assert rows[1]["date"] == "" and body["results"][1]["date"] is None
    assert rows[1]["chapters"] == "chapter-one;chapter-two"
    assert body["results"][1]["chapters"] == ["chapter-one", "chapter-two"]


@pytest.mark.parametrize(
    ("url", "params", "filename"),
    [
        ("/recommendations.csv", {}, "recommendations.csv"),
        ("/recommendations.json", {}, "recommendations.json"),
        (
            "/recommendations.csv",
            {
                "mission": ["homes", "mission-one"],
                "confidence": "high",
                "sort": "title",
            },
            "recommendations_mission-mission-one-homes_confidence-high.csv",
        ),
        (
            "/recommendations.csv",
            {"q": "Family help!"},
            "recommendations_q-family-help.csv",
        ),
        (
            "/recommendations.csv",
            {
                "q": "a" * 100,
                "mission": ["homes", "mission-one"],
                "organisation": ["an-org", "second-org"],
                "stance": ["welcomes", "mixed", "critical", "neutral"],
            },
            "recommendations_filtered.csv",
        ),
        ("/responses.json", {"stance": "critical"}, "responses_stance-critical.json"),
    ],
)
def test_downloads_are_attachments_named_after_their_filters(
    client, data, url, params, filename
):
    response = client.get(url, params)

    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'


def test_a_filter_a_download_cannot_use_is_a_400_saying_why(client, data):
    as_csv = client.get("/recommendations.csv", {"mission": ["homes", "nope"]})
    as_json = client.get("/responses.json", {"stance": "sure", "chapter": "nowhere"})

    assert as_csv.status_code == 400
    assert "mission: “nope” is not one of the options" in as_csv.getvalue().decode()
    # The valid options are listed, in the shape the API shares.
    assert "valid values: mission-one, homes" in as_csv.getvalue().decode()
    assert as_json.status_code == 400
    assert json.loads(as_json.getvalue()) == {
        "errors": [
            {
                "parameter": "stance",
                "message": "“sure” is not one of the options",
                "valid": ["welcomes", "mixed", "critical", "neutral"],
            },
            {
                "parameter": "chapter",
                "message": "“nowhere” is not one of the options",
                "valid": ["chapter-one", "chapter-two"],
            },
        ]
    }


@pytest.mark.parametrize("url", ["/recommendations.csv", "/recommendations.json"])
def test_recommendation_download_query_count_is_flat(
    client, make_recommendation, mission, make_response, url, django_assert_num_queries
):
    def add(n):
        for _ in range(n):
            recommendation = make_recommendation()
            recommendation.missions.add(mission)
            make_response().recommendations.add(recommendation)

    add(3)
    # recommendations with chapter, response count and tracking dates, missions,
    # parts, citations joined to their source, government updates (issue 14: the
    # position's date and sources; their citations are one more query when
    # there are updates)
    # (counted as the streamed file is read)
    with django_assert_num_queries(5):
        client.get(url).getvalue()
    add(27)
    with django_assert_num_queries(5):
        response = client.get(url)
        response.getvalue()
    # and one to look up each related slug filtered by
    with django_assert_num_queries(7):
        client.get(url, {"mission": "mission-one", "organisation": "an-org"}).getvalue()
    assert response.status_code == 200


@pytest.mark.parametrize("url", ["/recommendations.csv", "/responses.json"])
def test_a_download_reads_its_rows_in_chunks_at_a_fixed_cost_each(
    client,
    make_recommendation,
    mission,
    make_response,
    url,
    monkeypatch,
    django_assert_num_queries,
):
    for _ in range(25):
        recommendation = make_recommendation()
        recommendation.missions.add(mission)
        make_response().recommendations.add(recommendation)
    whole = client.get(url).getvalue()
    monkeypatch.setattr(downloads, "CHUNK_SIZE", 10)
    # The rows, then for each of the three chunks the related records' queries:
    # four for recommendations (missions, parts, citations, updates; none has
    # an update, so no query for their citations), three for responses.
    per_chunk = 4 if "recommendations" in url else 3
    with django_assert_num_queries(1 + 3 * per_chunk):
        chunked = client.get(url).getvalue()
    assert chunked == whole
    assert whole.count(b"http://testserver/") >= 25  # each row's page, at least


@pytest.mark.parametrize("url", ["/responses.csv", "/responses.json"])
def test_response_download_query_count_is_flat(
    client, make_response, make_recommendation, url, django_assert_num_queries
):
    def add(n):
        for _ in range(n):
            make_response().recommendations.add(make_recommendation())

    add(3)
    # responses with organisation and source, recommendations, chapters, missions
    # (counted as the streamed file is read)
    with django_assert_num_queries(4):
        client.get(url).getvalue()
    add(27)
    with django_assert_num_queries(4):
        response = client.get(url)
        response.getvalue()
    assert response.status_code == 200


def test_data_page_documents_every_download_and_column(
    client, db, django_assert_num_queries
):
    with django_assert_num_queries(0):
        response = client.get("/data/")

    for download in [RECOMMENDATIONS, RESPONSES]:
        for column in download.columns:
            assertContains(response, f"<code>{column.name}</code>")
    assertContains(
        response,
        "How sure we are that the report makes it: high: the report&#x27;s own words seen;",
    )
    assertContains(response, 'href="/recommendations.csv"')
    assertContains(response, 'href="/recommendations.json"')
    assertContains(response, 'href="/responses.csv"')
    assertContains(response, 'href="/responses.json"')
    assertContains(response, 'href="/api/docs/"')
    # The filters, from the filtersets themselves.
    assertContains(response, "<code>mission</code>")
    assertContains(response, "one of welcomes, mixed, critical, neutral")
