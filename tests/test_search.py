"""The site search (review_portal/lib/search.py) on whichever database the suite runs on:
PostgreSQL full-text search or SQLite FTS5. Run the suite on both."""

import itertools

import pytest
from django.db import connection
from pytest_django.asserts import assertContains, assertNotContains

from recommendations.filters import RecommendationFilter
from recommendations.models import Recommendation
from review_portal.lib.search import (
    KINDS,
    START,
    STOP,
    fts5_query,
    highlight_markers,
    ranked,
    search,
)
from sources.models import Organisation, SourceDocument, StakeholderResponse

HOSTILE_QUERIES = [
    '"',
    '"unbalanced quote',
    '""',
    "(",
    ")",
    "((carers)",
    "carers)",
    "OR",
    "carers OR",
    "OR OR OR",
    "AND",
    "NOT",
    "carers NOT",
    "-",
    "--",
    "-carers",
    "*",
    "care*",
    ":*",
    "carers:*",
    "^carers",
    "title:carers",
    "title : carers",
    "{title body}: carers",
    "NEAR(carers kinship)",
    "NEAR(carers kinship, 2)",
    "' OR 1=1 --",
    "'; DROP TABLE recommendations_recommendation; --",
    '<script>alert("x")</script>',
    "!!!",
    "?",
    "&|!<->",
    "%",
    "_",
    "\\",
    "x" * 1000,
    "carers " * 200,
    "子供 ümlaut café 😀",
    "\u200b",
    "",
    "   ",
    "a\x00b",
]


@pytest.fixture
def portal(shipped_data, db):
    """The real portal data: the fixtures/ the site is loaded from."""


def hits(query, **kwargs):
    return [(hit.kind.key, hit.title) for hit in search(query, **kwargs)]


def test_plural_finds_singular_and_back(make_recommendation):
    make_recommendation(title="Training", summary="Every foster carer gets training.")
    make_recommendation(title="Pay", summary="Kinship carers are paid an allowance.")
    make_recommendation(title="Unrelated", summary="Schools and health services.")

    both = {("recommendation", "Pay"), ("recommendation", "Training")}
    assert set(hits("carers")) == both
    assert set(hits("carer")) == both


def test_recommendation_finds_recommend(make_recommendation, make_response):
    make_recommendation(title="Advocates", summary="The review would recommend it.")
    make_response(summary="They welcomed the recommendations.")

    assert {kind for kind, _ in hits("recommendation")} == {
        "recommendation",
        "response",
    }
    assert {kind for kind, _ in hits("recommended")} == {"recommendation", "response"}


def test_words_in_the_title_rank_above_a_passing_mention(make_recommendation):
    # Same kind, summaries of the same length; one has the words in its title, the
    # other mentions them once in passing. Unrelated records make the words rare,
    # as they are in real data (FTS5's bm25 gives no weight to a word most rows have).
    make_recommendation(
        title="Family help",
        summary="Local teams work with schools, and with kinship carers when they can.",
    )
    make_recommendation(
        title="Support for kinship carers",
        summary="Help grandparents, aunts and uncles raise children at home.",
    )
    for topic in ["schools", "health", "courts", "housing", "police"]:
        make_recommendation(title=f"About {topic}", summary=f"Work with {topic}.")

    assert [title for _, title in hits("kinship carers")] == [
        "Support for kinship carers",
        "Family help",
    ]
    ranks = [hit.rank for hit in search("kinship carers")]
    assert ranks[0] > ranks[1] > 0


def test_snippet_marks_matches_and_escapes_everything_else(make_recommendation):
    make_recommendation(
        title="Bold title",
        summary='Kinship carers & "friends" said 2 < 3, and 5 > 4; it\'s right.',
    )

    (hit,) = search("carer")

    assert hit.snippet.startswith(
        "Kinship <mark>carers</mark> &amp; &quot;friends&quot; said 2 &lt; 3, "
        "and 5 &gt; 4; it&#x27;s right"
    )


def test_search_page_escapes_titles_and_snippets(client, make_recommendation):
    make_recommendation(
        title="<script>alert('title')</script> carers",
        summary="Carers said <script>alert('summary')</script>.",
    )

    response = client.get("/search/", {"q": "carers"})

    assertContains(response, "<mark>Carers</mark>")
    assertContains(response, "&lt;script&gt;alert(&#x27;title&#x27;)&lt;/script&gt;")
    # FTS5 snippets keep the tag, escaped; PostgreSQL's leave tags out.
    assertNotContains(response, "<script>alert(")


def test_highlight_markers_escape_text_and_drop_stray_markers():
    text = f"a <i> {START}match{STOP} & {START}un{START}closed {STOP}stray{STOP}"

    assert highlight_markers(text) == (
        "a &lt;i&gt; <mark>match</mark> &amp; un<mark>closed </mark>stray"
    )


@pytest.fixture
def one_of_each(make_recommendation, make_response):
    make_recommendation(title="Kinship carers", summary="Support for kinship carers.")
    make_response(summary="They welcomed support for carers.")


@pytest.mark.parametrize("query", HOSTILE_QUERIES)
def test_hostile_queries_answer_200(client, one_of_each, query):
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    response = client.get("/search/", {"q": query, "kind": "response", "page": query})
    assert response.status_code == 200


@pytest.mark.parametrize("query", HOSTILE_QUERIES)
def test_hostile_queries_do_not_break_the_engine_or_the_filter(one_of_each, query):
    list(search(query))
    list(ranked(Recommendation.objects.all(), query))
    filterset = RecommendationFilter(
        data={"q": query}, queryset=Recommendation.objects.all()
    )
    list(filterset.qs)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kinship carers", '("kinship" "carers")'),
        ('"child protection" -social', '("child protection" NOT "social")'),
        ("kinship or foster", '("kinship") OR ("foster")'),
        ("carers and the families", '("carers" "families")'),
        ("-carers", ""),
        ("co-operatives", '("co operatives")'),
        ('NEAR(kinship carers) title:x* "y', '("NEAR kinship" "carers" "title x" "y")'),
        ("' OR 1=1 --", '("1 1")'),
        ("!!!", ""),
    ],
)
def test_user_text_reaches_fts5_only_as_quoted_strings(query, expected):
    assert fts5_query(query) == expected


@pytest.fixture
def indexed(make_recommendation, make_response, organisation, db):
    """One record of each kind, each with "zebra" in a searched column."""
    source = SourceDocument.objects.create(
        slug="zebra-source",
        title="A zebra page",
        publisher="Publisher",
        kind="news",
        capture="cited",
    )
    organisation.description = "They study zebra crossings."
    organisation.save()
    return {
        "recommendation": make_recommendation(title="Zebra crossings"),
        "response": make_response(summary="They spoke about zebra crossings."),
        "source": source,
        "organisation": organisation,
    }


# PostgreSQL: each searched table's stored vector's GIN index (sources/0017).
INDEX_NAMES = {
    "recommendation": "recommendations_recommendation_search_vector_idx",
    "response": "sources_stakeholderresponse_search_vector_idx",
    "source": "sources_sourcedocument_search_vector_idx",
    "organisation": "sources_organisation_search_vector_idx",
}
SEARCHED_FIELD = {
    "recommendation": "title",
    "response": "summary",
    "source": "title",
    "organisation": "description",
}


@pytest.mark.parametrize("kind", list(KINDS))
def test_index_follows_inserts_updates_and_deletes(indexed, kind):
    record = indexed[kind]
    model = type(record)
    assert (kind, str(record)) in hits("zebra")

    setattr(record, SEARCHED_FIELD[kind], "Pelican crossing")
    record.save()
    assert (kind, str(record)) not in hits("zebra")
    assert (kind, str(record)) in hits("pelicans")

    # QuerySet.update() sends no signals; the database keeps the index in step.
    model.objects.filter(pk=record.pk).update(**{SEARCHED_FIELD[kind]: "Toucan"})
    record.refresh_from_db()
    assert (kind, str(record)) not in hits("pelican")
    assert (kind, str(record)) in hits("toucans")

    if kind == "organisation":  # responses protect it
        StakeholderResponse.objects.filter(organisation=record).delete()
    record.delete()
    assert [hit for hit in search("toucan") if hit.kind.key == kind] == []


def test_search_indexes_exist_after_all_migrations(db):
    # A later migration that remakes one of the searched tables on SQLite drops its
    # triggers; the post_migrate handler in sources/apps.py must put them back.
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger'"
                " AND name LIKE 'sources_search_%'"
            )
            triggers = {name for (name,) in cursor.fetchall()}
            tables = [kind.model._meta.model_name for kind in KINDS.values()]
            expected = {
                f"sources_search_{table}_{event}"
                for table in tables
                for event in ["insert", "update", "delete"]
            }
            assert triggers == expected, (
                f"Missing search triggers {expected - triggers}: a migration remade "
                "their table and sources/apps.py did not reinstall them."
            )
        else:
            cursor.execute(
                "SELECT indexname FROM pg_indexes WHERE indexname LIKE '%search%idx'"
            )
            assert {name for (name,) in cursor.fetchall()} == set(INDEX_NAMES.values())


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="GIN indexes are PostgreSQL's"
)
@pytest.mark.parametrize("kind", KINDS.values(), ids=list(KINDS))
def test_postgresql_search_uses_the_gin_index(db, kind):
    # With so few rows the planner prefers a sequential scan; forbid it, to see
    # whether the filter's expression matches the index's at all.
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = ranked(kind.model.objects.all(), "carers").explain()
    assert f"Bitmap Index Scan on {INDEX_NAMES[kind.key]}" in plan
    # Matched and ranked on the stored vector: no row's vector is computed.
    assert "to_tsvector" not in plan


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="stored vectors are PostgreSQL's"
)
def test_postgresql_stored_vectors_follow_every_write(make_recommendation):
    recommendation = make_recommendation(title="Kinship carers", summary="Support.")
    assert list(ranked(Recommendation.objects.all(), "kinship")) == [recommendation]
    recommendation.title = "Foster carers"
    recommendation.save()
    assert not ranked(Recommendation.objects.all(), "kinship").exists()
    assert list(ranked(Recommendation.objects.all(), "foster")) == [recommendation]
    # A facet counts over the search's results as a subquery: the stored vector
    # is named through the subquery's own alias.
    matching = ranked(Recommendation.objects.all(), "foster").values("pk")
    assert Recommendation.objects.filter(pk__in=matching).count() == 1


def test_recommendation_filter_uses_the_engine(make_recommendation):
    make_recommendation(title="Family help", summary="Talks to a foster carer.")
    make_recommendation(title="Support for foster carers", summary="Pay them more.")
    for topic in ["schools", "health", "courts", "housing", "police"]:
        make_recommendation(title=f"About {topic}", summary=f"Work with {topic}.")

    def filtered(**data):
        filterset = RecommendationFilter(
            data=data, queryset=Recommendation.objects.for_list()
        )
        return [recommendation.title for recommendation in filterset.qs]

    # Word forms match (icontains would miss "carer"), best match first.
    assert filtered(q="carers") == ["Support for foster carers", "Family help"]
    # A chosen sort still wins over relevance.
    assert filtered(q="carers", sort="title") == [
        "Family help",
        "Support for foster carers",
    ]
    assert filtered(q="toucans") == []


def test_recommendation_filter_combines_with_other_filters(
    make_recommendation, make_response
):
    kinship = make_recommendation(title="Kinship carers", summary="Pay them.")
    foster = make_recommendation(title="Foster carers", summary="Recruit more.")
    make_recommendation(title="Schools", summary="Work with schools.")
    make_response(stance="welcomes").recommendations.add(kinship)
    make_response(stance="critical").recommendations.add(foster, kinship)

    filterset = RecommendationFilter(
        data={"q": "carers", "stance": ["welcomes", "critical"]},
        queryset=Recommendation.objects.for_list(),
    )

    assert filterset.is_valid()
    assert filterset.qs.count() == 2  # each once, despite two matching responses
    assert {r.title for r in filterset.qs} == {"Kinship carers", "Foster carers"}


@pytest.fixture
def make_zebras(make_recommendation, make_response, db):
    """`n` records of every kind, each with "zebra" in a searched column."""

    numbers = itertools.count(1)

    def make(n):
        for i in itertools.islice(numbers, n):
            make_recommendation(title=f"Zebra crossing {i}")
            make_response(summary=f"Zebra crossings, {i} of them.")
            SourceDocument.objects.create(
                slug=f"zebra-{i}",
                title=f"Zebra page {i}",
                publisher="Publisher",
                kind="news",
                capture="cited",
            )
            Organisation.objects.create(
                slug=f"zebra-{i}", name=f"Zebra trust {i}", kind="charity"
            )

    return make


def test_search_page_query_count_is_flat(
    client, make_zebras, django_assert_num_queries
):
    make_zebras(3)
    # 1: the matches of each kind, counted (one UNION); 2: each kind's best up to
    # the page's end, with their ranks (one UNION); 3-6: the page's
    # recommendations, responses (joined to their organisations), sources and
    # organisations, each with its snippet.
    with django_assert_num_queries(6):
        client.get("/search/", {"q": "zebras"})
    # 1: the counts; 2: the page's best recommendations; 3: their records and
    # snippets.
    with django_assert_num_queries(3):
        client.get("/search/", {"q": "zebras", "kind": "recommendation"})

    make_zebras(3)
    with django_assert_num_queries(6):
        client.get("/search/", {"q": "zebras"})


def test_search_page_lists_hits_with_kinds_and_counts(client, make_zebras):
    make_zebras(2)

    response = client.get("/search/", {"q": "zebras"})

    assertContains(response, "8 results for “zebras”")
    for label in ["Recommendations", "Stakeholder responses", "Sources"]:
        assertContains(response, f"{label} (2)")
    assertContains(response, "Organisations (2)")
    assertContains(
        response, '<span class="govuk-caption-m">Stakeholder response</span>'
    )
    assertContains(response, "<mark>Zebra</mark>")
    assertContains(response, 'href="/sources/zebra-1/"')
    assertContains(
        response,
        f'href="{Organisation.objects.get(slug="zebra-2").get_absolute_url()}"',
    )


def test_search_page_filters_by_kind_and_still_counts_every_kind(client, make_zebras):
    make_zebras(2)

    response = client.get("/search/", {"q": "zebras", "kind": "source"})

    assert {hit.kind.key for hit in response.context["page_obj"]} == {"source"}
    assertContains(response, "Recommendations (2)")
    assertContains(response, 'href="?q=zebras"')  # back to all results


def test_unknown_kind_searches_everything(client, make_zebras):
    make_zebras(1)
    response = client.get("/search/", {"q": "zebras", "kind": "nonsense"})
    assert len(response.context["page_obj"].object_list) == 4


def test_no_results_gives_advice(client, make_zebras):
    make_zebras(1)
    response = client.get("/search/", {"q": "xylophone"})
    assertContains(response, "0 results for “xylophone”")
    assertContains(response, "Improve your search results by")


def test_empty_query_shows_only_the_form(
    client, make_zebras, django_assert_num_queries
):
    make_zebras(1)
    with django_assert_num_queries(0):
        response = client.get("/search/")
    assertContains(response, 'name="q"')
    assertNotContains(response, "results for")


def test_pagination_keeps_the_query(client, make_recommendation):
    for n in range(25):
        make_recommendation(title=f"Kinship carers {n}")

    response = client.get("/search/", {"q": "carers", "kind": "recommendation"})
    assert len(response.context["page_obj"].object_list) == 20
    assertContains(response, 'href="?q=carers&amp;kind=recommendation&amp;page=2"')

    response = client.get(
        "/search/", {"q": "carers", "kind": "recommendation", "page": "2"}
    )
    assert len(response.context["page_obj"].object_list) == 5


def test_real_data(client, portal):
    """The shipped fixtures: what the issue asked about."""
    top = [title.lower() for _, title in hits("Regional Care Cooperatives")[:3]]
    assert all("regional care cooperatives" in title for title in top)
    (first, *_) = search("Regional Care Cooperatives", kinds=["recommendation"])
    assert first.title.startswith("Regional Care Cooperatives")

    kind, title = hits("child protection")[0]
    assert "child protection" in title.lower()

    top = hits("carers")[:5]
    assert all(kind == "recommendation" and "carer" in title for kind, title in top)

    response = client.get("/search/", {"q": "carers"})
    counts = response.context["results"].counts
    assertContains(response, f"Recommendations ({counts['recommendation']})")
    assertContains(response, "<mark>carers</mark>")
