import datetime
import json

import pytest
import yaml
from django.core.management import call_command
from django.http import QueryDict
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from openapi_spec_validator import validate

from recommendations.filters import RecommendationFilter
from recommendations.models import (
    Chapter,
    Discrepancy,
    GovernmentUpdate,
    KeyFigure,
    Mission,
    Recommendation,
    Review,
    TimelineEvent,
)
from sources.filters import CitationFilter
from sources.models import (
    CITATION_TARGETS,
    ChapterTitle,
    Citation,
    Organisation,
    Publication,
    SourceDocument,
    StakeholderResponse,
)

# Every list endpoint, its model, and the queries its list and detail cost.
ENDPOINTS = {
    # list: count, page. detail: record, chapters, missions.
    "reviews": (Review, 2, 3),
    # list: count, page (joins the review). detail: record, recommendations,
    # titles, citations.
    "chapters": (Chapter, 2, 4),
    # list: count, page. detail: record, recommendations.
    "missions": (Mission, 2, 2),
    # list: count, page (joins review and chapter), missions, parts. detail:
    # record, missions, parts, government updates, key figures, discrepancies,
    # responses, citations (joining the source). A record with updates costs one
    # more, for their citations (joining the source), now inline (issue 14).
    "recommendations": (Recommendation, 4, 8),
    # list: count, page (joins the recommendation). detail: record, citations.
    "government-updates": (GovernmentUpdate, 2, 2),
    # list: count, page (joins review and recommendation). detail: record, citations.
    "key-figures": (KeyFigure, 2, 2),
    # list: count, page (joins review and recommendation). detail: record, citations.
    "discrepancies": (Discrepancy, 2, 2),
    # list: count, page. detail: record, citations.
    "timeline-events": (TimelineEvent, 2, 2),
    # list: count, page (without the texts). detail: record, responses, citations,
    # chapter titles.
    "sources": (SourceDocument, 2, 4),
    # list: count, page. detail: record, responses.
    "organisations": (Organisation, 2, 2),
    # list: count, page (joins organisation and source), recommendations, chapters,
    # missions. detail: the same but one record, no count.
    "responses": (StakeholderResponse, 5, 4),
    # list: count, page. detail: record, citations.
    "publications": (Publication, 2, 2),
    # list: count, page (joins the source and the six possible targets). detail:
    # record.
    "citations": (Citation, 2, 1),
    # list: count, page (joins chapter and source). detail: record.
    "chapter-titles": (ChapterTitle, 2, 1),
}

HOSTILE_VALUES = [
    "-5",
    "0",
    "abc",
    "999999",
    "99999999999999999999999999",
    "1e400",
    ";drop table recommendations",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "null\x00byte",
    "%",
    "\u202e\U0001f600 caf\u00e9",
    "x" * 10_000,
]


@pytest.fixture
def data(shipped_data, db):
    """The shipped data plus three government updates and discrepancies, added in the
    test's own transaction, so rolled back at its end."""
    for n, recommendation in enumerate(Recommendation.objects.all()[:3]):
        GovernmentUpdate.objects.create(
            slug=f"test-update-{n}",
            recommendation=recommendation,
            date=datetime.date(2023, 2, n + 1),
            position="accepted",
            detail="Accepted in the government's response.",
        )
        Discrepancy.objects.create(
            slug=f"test-discrepancy-{n}",
            review=recommendation.review,
            recommendation=recommendation if n else None,
            topic=f"Topic {n}",
            summary="Two sources disagree.",
        )


# Session-wide: the tests that use the shipped data run after the others.
@pytest.fixture(scope="session")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def list_parameters(schema, name):
    return [p["name"] for p in schema["paths"][f"/api/{name}/"]["get"]["parameters"]]


def assert_json(response, *statuses):
    assert response.status_code in statuses, (response.status_code, response.content)
    assert response["Content-Type"] == "application/json"
    return response.json()


@pytest.fixture
def small_data(
    review,
    chapter,
    mission,
    organisation,
    captured_source,
    make_chapter,
    make_mission,
    make_recommendation,
    make_update,
    make_figure,
    make_discrepancy,
    make_event,
    make_source,
    make_response,
    make_publication,
    make_citation,
):
    """Two or three records of each model, made so that each list's order differs
    from the order they were made in (and, where the model sorts by something else,
    from the order of their slugs)."""
    Review.objects.create(slug="a-second-review", title="A second review")
    make_chapter(slug="a-chapter", number=2)
    make_mission(slug="a-mission", number=2)
    zebra = make_recommendation(slug="zebra")
    make_recommendation(slug="aardvark")
    make_update(slug="b-late", date=datetime.date(2024, 1, 1), recommendation=zebra)
    make_update(slug="c-early", date=datetime.date(2022, 1, 1), recommendation=zebra)
    make_update(slug="a-late", date=datetime.date(2024, 1, 1), recommendation=zebra)
    make_figure(slug="z-figure")
    make_figure(slug="a-figure")
    make_discrepancy(slug="z-discrepancy")
    make_discrepancy(slug="a-discrepancy")
    make_event(slug="b-late", date=datetime.date(2024, 1, 1))
    make_event(slug="c-early", date=datetime.date(2022, 1, 1))
    make_event(slug="a-late", date=datetime.date(2024, 1, 1))
    make_source(slug="m-source")
    cited = make_source(slug="a-source", capture="cited")
    Organisation.objects.create(slug="a-trust", name="Zeta Trust", kind="charity")
    Organisation.objects.create(slug="z-aid", name="Alpha Aid", kind="charity")
    make_response(slug="a-undated", responded_on=None)
    make_response(slug="b-2022", responded_on=datetime.date(2022, 5, 23))
    make_response(slug="c-2023", responded_on=datetime.date(2023, 1, 1))
    make_publication(slug="a-study", title="Zoo study")
    make_publication(slug="z-study", title="Ant study")
    make_citation(slug="b-cite", source=cited, recommendation=zebra)
    make_citation(slug="a-cite", source=cited, chapter=chapter)
    for slug in ["z-title", "a-title"]:
        ChapterTitle.objects.create(
            slug=slug, chapter=chapter, source=captured_source, title="families"
        )


# What each list of small_data gives, in order, worked out by hand: as on the site,
# the model's order, undated records last, then by slug.
SMALL_DATA_ORDER = {
    "reviews": ["a-second-review", "test-review"],  # slug
    "chapters": ["chapter-one", "a-chapter"],  # number
    "missions": ["mission-one", "a-mission"],  # number
    "recommendations": ["aardvark", "zebra"],  # slug
    "government-updates": ["c-early", "a-late", "b-late"],  # date, slug
    "key-figures": ["a-figure", "z-figure"],  # slug
    "discrepancies": ["a-discrepancy", "z-discrepancy"],  # slug
    "timeline-events": ["c-early", "a-late", "b-late"],  # date, slug
    "sources": ["a-source", "captured", "m-source"],  # slug
    "organisations": ["z-aid", "an-org", "a-trust"],  # name
    "responses": ["c-2023", "b-2022", "a-undated"],  # latest first, undated last
    "publications": ["z-study", "a-study"],  # title
    "citations": ["a-cite", "b-cite"],  # slug
    "chapter-titles": ["a-title", "z-title"],  # slug
}


@pytest.mark.parametrize("name", ENDPOINTS)
def test_every_list_answers_every_record_paginated(client, small_data, name):
    model = ENDPOINTS[name][0]

    body = assert_json(client.get(f"/api/{name}/"), 200)

    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == model.objects.count() > 0
    assert [row["slug"] for row in body["results"]] == SMALL_DATA_ORDER[name]


@pytest.mark.parametrize("name", ENDPOINTS)
def test_every_detail_is_found_by_slug_and_links_to_its_page(client, data, name):
    record = ENDPOINTS[name][0].objects.last()

    body = assert_json(client.get(f"/api/{name}/{record.slug}/"), 200)

    assert body["slug"] == record.slug
    assert body["api_url"] == f"http://testserver/api/{name}/{record.slug}/"
    assert body["url"] == f"http://testserver{record.get_absolute_url()}"
    assert client.get(body["url"]).status_code == 200


@pytest.mark.parametrize("name", ENDPOINTS)
def test_unknown_slug_is_a_json_404(client, data, name):
    assert_json(client.get(f"/api/{name}/no-such-record/"), 404)
    assert client.get(f"/api/{name}/not.a.slug/").status_code == 404


def test_root_lists_every_endpoint(client, data):
    body = assert_json(client.get("/api/"), 200)

    assert set(body) == set(ENDPOINTS)


def link_responses(recommendation):
    """The shipped data links no response to a recommendation yet: link two."""
    responses = StakeholderResponse.objects.order_by("slug")[:2]
    recommendation.responses.add(*responses)
    return responses


def test_related_records_are_given_by_slug(client, data):
    recommendation = Recommendation.objects.filter(missions__isnull=False).first()
    link_responses(recommendation)

    body = client.get(f"/api/recommendations/{recommendation.slug}/").json()

    assert body["chapter"] == recommendation.chapter.slug
    assert body["review"] == recommendation.review.slug
    assert body["missions"] == [m.slug for m in recommendation.missions.all()]
    assert sorted(body["responses"]) == sorted(
        recommendation.responses.values_list("slug", flat=True)
    )


def test_reverse_relations_are_in_details_only(client, data):
    chapter = Chapter.objects.filter(recommendations__isnull=False).first()

    listed = client.get("/api/chapters/", {"number": chapter.number}).json()
    detail = client.get(f"/api/chapters/{chapter.slug}/").json()

    assert "recommendations" not in listed["results"][0]
    assert set(detail["recommendations"]) == set(
        chapter.recommendations.values_list("slug", flat=True)
    )


def test_source_texts_are_in_the_detail_not_the_list(client, data):
    source = SourceDocument.objects.filter(capture="captured").first()

    listed = client.get("/api/sources/").json()["results"]
    detail = client.get(f"/api/sources/{source.slug}/").json()

    assert not {"raw_text", "cleaned_text"} & set(listed[0])
    assert detail["raw_text"] == source.raw_text
    assert detail["cleaned_text"] == source.cleaned_text
    assert detail["external_url"] == (source.url or None)  # unknown is null


def test_recommendations_carry_the_latest_government_position(
    client, data, make_update
):
    recommendation = Recommendation.objects.first()
    update = make_update(
        slug="latest-update",
        recommendation=recommendation,
        date=datetime.date(2099, 1, 1),
        position="rejected",
        detail="Rejected at last.",
    )

    body = client.get(f"/api/recommendations/{recommendation.slug}/").json()

    assert body["position"] == "rejected"
    (inline,) = [u for u in body["government_updates"] if u["slug"] == update.slug]
    assert inline["position"] == "rejected"
    assert inline["delivery_status"] is None
    assert inline["detail"] == "Rejected at last."


def test_citations_name_the_one_record_they_support(client, data):
    citation = Citation.objects.filter(recommendation__isnull=False).first()

    body = client.get(f"/api/citations/{citation.slug}/").json()

    assert body["recommendation"] == citation.recommendation.slug
    assert body["source"] == citation.source.slug
    assert body["chapter"] is None


# Filters


def test_citations_filter_by_every_record_they_can_support():
    assert set(CITATION_TARGETS) <= set(CitationFilter.base_filters)


def test_recommendation_list_uses_the_site_filterset(schema):
    parameters = list_parameters(schema, "recommendations")

    assert set(RecommendationFilter.base_filters) <= set(parameters)


def test_recommendations_filter_by_mission_and_chapter(client, data):
    recommendation = Recommendation.objects.filter(missions__isnull=False).first()
    mission = recommendation.missions.first()

    by_mission = client.get("/api/recommendations/", {"mission": mission.slug}).json()
    both = client.get(
        "/api/recommendations/",
        {"mission": mission.slug, "chapter": recommendation.chapter.slug},
    ).json()

    # The API lists recommendations, not the other kinds, unless asked.
    listed = mission.recommendations.filter(kind="recommendation")
    assert {r["slug"] for r in by_mission["results"]} == set(
        listed.values_list("slug", flat=True)
    )
    assert {r["slug"] for r in both["results"]} == set(
        listed.filter(chapter=recommendation.chapter).values_list("slug", flat=True)
    )
    assert recommendation.slug in {r["slug"] for r in both["results"]}
    assert all(r["chapter"] == recommendation.chapter.slug for r in both["results"])


def test_recommendations_filter_and_sort_like_the_site(client, data):
    for recommendation in Recommendation.objects.all()[:3]:
        link_responses(recommendation)
    query = QueryDict("stance=welcomes&sort=-title&confidence=high&confidence=medium")

    body = client.get(f"/api/recommendations/?{query.urlencode()}").json()

    expected = RecommendationFilter(query, queryset=Recommendation.objects.all()).qs
    assert [r["slug"] for r in body["results"]] == [r.slug for r in expected]
    assert 0 < body["count"] < Recommendation.objects.count()


def test_responses_filter_by_related_slugs(client, data):
    recommendation = Recommendation.objects.first()
    response = link_responses(recommendation)[0]

    body = client.get(
        "/api/responses/",
        {"recommendation": recommendation.slug, "stance": response.stance},
    ).json()

    assert {r["slug"] for r in body["results"]} == set(
        recommendation.responses.filter(stance=response.stance).values_list(
            "slug", flat=True
        )
    )
    assert response.slug in {r["slug"] for r in body["results"]}


def test_responses_filter_by_organisation(client, data):
    organisation = Organisation.objects.filter(responses__isnull=False).first()

    body = client.get("/api/responses/", {"organisation": organisation.slug}).json()

    assert body["count"] == organisation.responses.count()
    assert {r["organisation"] for r in body["results"]} == {organisation.slug}


def test_sources_filter_by_capture_and_kind(client, data):
    source = SourceDocument.objects.first()

    body = client.get(
        "/api/sources/", {"capture": source.capture, "kind": source.kind}
    ).json()

    assert body["count"] == (
        SourceDocument.objects.filter(capture=source.capture, kind=source.kind).count()
    )


def test_chapters_filter_by_number(client, data):
    body = client.get("/api/chapters/", {"number": 2}).json()

    assert [c["slug"] for c in body["results"]] == [Chapter.objects.get(number=2).slug]


def test_bad_filter_value_is_a_400_naming_the_parameter(client, data):
    body = assert_json(
        client.get("/api/recommendations/", {"mission": "no-such", "stance": "x"}), 400
    )

    # The shape the downloads share, with the valid options.
    assert {error["parameter"] for error in body["errors"]} == {"mission", "stance"}
    stance = next(e for e in body["errors"] if e["parameter"] == "stance")
    assert "welcomes" in stance["valid"]


def test_unknown_parameters_are_ignored(client, data):
    body = assert_json(client.get("/api/recommendations/", {"colour": "blue"}), 200)

    assert body["count"] == Recommendation.objects.filter(kind="recommendation").count()


def test_filters_do_not_apply_to_details(client, data):
    recommendation = Recommendation.objects.first()

    assert_json(
        client.get(
            f"/api/recommendations/{recommendation.slug}/", {"mission": "no-such"}
        ),
        200,
    )


# Pagination


def test_pages_link_to_each_other_keeping_the_filters(client, data):
    first = client.get("/api/citations/", {"page_size": 2, "source": "final-report"})
    second = client.get(first.json()["next"])

    assert first.json()["previous"] is None
    assert "source=final-report" in first.json()["next"]
    assert len(second.json()["results"]) == 2
    assert second.json()["previous"].startswith("http://testserver/api/citations/")


def test_sorted_pages_never_overlap(client, data):
    for recommendation in Recommendation.objects.all()[:5]:
        link_responses(recommendation)
    # Many recommendations share a chapter: slugs break the ties.
    url = "/api/recommendations/?stance=welcomes&sort=chapter&page_size=2"

    slugs = []
    while url:
        page = client.get(url).json()
        slugs += [r["slug"] for r in page["results"]]
        url = page["next"]

    assert len(slugs) == len(set(slugs)) == page["count"] >= 5


def test_page_size_is_capped(client, data):
    Organisation.objects.bulk_create(
        Organisation(slug=f"org-{n}", name=f"Org {n}", kind="charity")
        for n in range(205)
    )

    default = client.get("/api/organisations/").json()
    capped = client.get("/api/organisations/", {"page_size": 1000}).json()

    assert len(default["results"]) == 50
    assert len(capped["results"]) == 200
    assert capped["count"] == Organisation.objects.count() > 200


@pytest.mark.parametrize("page", ["abc", "0", "-1", "999999", ""])
def test_invalid_page_is_a_json_404_saying_why(client, data, page):
    body = assert_json(client.get("/api/recommendations/", {"page": page}), 200, 404)

    # An empty page= is no page number either (issue 14: the schema says integer).
    assert body["errors"][0]["message"].startswith("Invalid page")
    assert body["errors"][0]["parameter"] is None


# Read-only


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_api_is_read_only(client, data, method):
    recommendation = Recommendation.objects.first()
    count = Recommendation.objects.count()

    for url in [
        "/api/recommendations/",
        f"/api/recommendations/{recommendation.slug}/",
    ]:
        response = getattr(client, method)(
            url, {"title": "Changed"}, content_type="application/json"
        )
        assert response.status_code == 405, (url, response.status_code)

    assert Recommendation.objects.count() == count
    assert (
        Recommendation.objects.get(pk=recommendation.pk).title == recommendation.title
    )


def test_head_and_options_answer(client, data):
    assert client.head("/api/recommendations/").status_code == 200
    body = assert_json(client.options("/api/recommendations/"), 200)
    assert "actions" not in body  # nothing to write


# Query counts


@pytest.mark.parametrize("name", ENDPOINTS)
def test_list_query_count_is_flat(client, data, django_assert_num_queries, name):
    model, list_queries, _ = ENDPOINTS[name]
    if model is Review:
        for n in range(2):
            Review.objects.create(slug=f"another-review-{n}", title=f"Another {n}")
    assert model.objects.count() >= 3

    with django_assert_num_queries(list_queries):
        response = client.get(f"/api/{name}/")

    assert len(response.json()["results"]) >= 3


@pytest.mark.parametrize("name", ENDPOINTS)
def test_detail_query_count_is_flat(client, data, django_assert_num_queries, name):
    model, _, detail_queries = ENDPOINTS[name]
    record = model.objects.last()

    with django_assert_num_queries(detail_queries):
        assert client.get(f"/api/{name}/{record.slug}/").status_code == 200


def test_filtered_recommendation_list_query_count(
    client, data, django_assert_num_queries
):
    mission = Mission.objects.filter(recommendations__isnull=False).first()
    chapter = mission.recommendations.first().chapter

    # The list's four, plus one to look up each slug given.
    with django_assert_num_queries(6):
        response = client.get(
            "/api/recommendations/", {"mission": mission.slug, "chapter": chapter.slug}
        )

    assert response.json()["count"] >= 1


# Hostile query strings: a clear 4xx in JSON, never a 500.


@pytest.mark.parametrize("name", ENDPOINTS)
def test_hostile_query_strings_never_fail(client, data, schema, name):
    for parameter in [*list_parameters(schema, name), "format", "unknown"]:
        for value in HOSTILE_VALUES:
            response = client.get(f"/api/{name}/", {parameter: value})
            assert_json(response, 200, 400, 404)
        # Repeated, and mixed with a good page.
        response = client.get(
            f"/api/{name}/", {parameter: ["a", "b", "<script>"], "page": "1"}
        )
        assert_json(response, 200, 400, 404)


def test_hostile_query_strings_on_details_are_ignored(client, data):
    recommendation = Recommendation.objects.first()

    for value in HOSTILE_VALUES:
        response = client.get(
            f"/api/recommendations/{recommendation.slug}/",
            {"mission": value, "page": value},
        )
        assert_json(response, 200)


def test_overlong_value_is_a_400(client, data):
    body = assert_json(client.get("/api/recommendations/", {"q": "x" * 100_000}), 400)

    assert [error["parameter"] for error in body["errors"]] == ["q"]


def test_hostile_path_is_a_404(client, data):
    for path in ["/api/recommendations/%00/", "/api/recommendations/<script>/"]:
        assert client.get(path).status_code == 404


def test_browsable_api_renders_errors_too(client, data):
    html = {"HTTP_ACCEPT": "text/html"}

    assert client.get("/api/recommendations/", **html).status_code == 200
    assert (
        client.get("/api/recommendations/", {"stance": "x"}, **html).status_code == 400
    )


# Schema and documentation


def test_schema_is_valid_openapi_3_with_every_endpoint(client, data):
    response = client.get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    document = json.loads(response.content)
    assert document["openapi"].startswith("3.")
    validate(document)
    for name in ENDPOINTS:
        assert f"/api/{name}/" in document["paths"]
        assert f"/api/{name}/{{slug}}/" in document["paths"]
        assert set(document["paths"][f"/api/{name}/"]) == {"get"}


def test_schema_generates_without_warnings(tmp_path):
    # As `manage.py spectacular --validate --fail-on-warn` in CI: a warning means a
    # parameter or field whose type drf-spectacular had to guess.
    GENERATOR_STATS.reset()
    call_command(
        "spectacular",
        "--validate",
        "--fail-on-warn",
        "--file",
        str(tmp_path / "schema.yml"),
    )


def test_schema_is_served_as_yaml_by_default(client, data):
    response = client.get("/api/schema/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi")
    assert yaml.safe_load(response.content)["info"]["title"] == "Review Portal API"


def test_docs_page_is_a_page_of_the_site_drawn_from_the_schema(client, data):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<h1 class="govuk-heading-xl">API documentation</h1>' in html
    assert "<code>GET /api/recommendations/</code>" in html
    assert "<code>accepted_in_principle</code>" in html  # the enums
    assert 'href="/api/schema/"' in html and 'src="http' not in html


@pytest.mark.parametrize("path", ["/api/redoc/"])
def test_docs_pages_use_local_assets(client, data, path):
    response = client.get(path)

    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/" in html
    if path == "/api/docs/":
        # Swagger UI's start-up script, which names the schema, is a file of its
        # own (for the Content-Security-Policy).
        html += client.get(path, {"script": ""}).content.decode()
    assert "/api/schema/" in html
    assert "cdn" not in html.lower()
    assert 'src="http' not in html and 'href="http' not in html


@pytest.mark.parametrize("path", ["/api/schema/", "/api/docs/", "/api/redoc/"])
def test_docs_ignore_hostile_query_strings(client, data, path):
    for value in HOSTILE_VALUES:
        response = client.get(path, {"lang": value, "version": value})
        assert response.status_code == 200, (path, value)
