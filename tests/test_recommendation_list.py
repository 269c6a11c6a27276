import datetime
import html
import re
from collections import Counter
from urllib.parse import parse_qs, urlsplit

import pytest
from pytest_django.asserts import assertContains, assertNotContains

from recommendations.models import Chapter, Mission
from sources.models import Organisation, StakeholderResponse

# The counts a list page shows beside each filter option: checkboxes, then selects.
CHECKBOX = re.compile(
    r'name="(?P<name>[^"]+)" type="checkbox" value="(?P<value>[^"]*)"[^>]*>\s*'
    r"<label[^>]*>[^<]*\((?P<count>\d+)<"
)
SELECT = re.compile(
    r'<select [^>]*name="(?P<name>[^"]+)">(?P<options>.*?)</select>', re.S
)
SELECT_OPTION = re.compile(
    r'<option value="(?P<value>[^"]+)"[^>]*>[^<]*\((?P<count>\d+)\)</option>'
)
TAG = re.compile(
    r'href="(?P<href>[^"]+)"><span class="govuk-visually-hidden">Remove filter'
)


def displayed_options(content):
    """(name, value, count) for every filter option on the page, as displayed."""
    options = [
        (m["name"], html.unescape(m["value"]), int(m["count"]))
        for m in CHECKBOX.finditer(content)
    ]
    for select in SELECT.finditer(content):
        options += [
            (select["name"], html.unescape(m["value"]), int(m["count"]))
            for m in SELECT_OPTION.finditer(select["options"])
        ]
    return options


def result_count(response, noun):
    content = response.content.decode()
    if f"No {noun}s match these filters" in content:
        return 0
    return int(re.search(rf"Showing \d+ to \d+ of (\d+) {noun}", content)[1])


def listed(response):
    return [record.slug for record in response.context["page_obj"]]


def query_of(href):
    return parse_qs(urlsplit(html.unescape(href)).query)


@pytest.fixture
def data(make_recommendation, make_response, chapter, mission, organisation):
    """Five recommendations in two chapters, with missions and responses chosen so
    that many-to-many filters could count a recommendation twice."""
    second = Chapter.objects.create(
        review=chapter.review, slug="chapter-two", number=2, title="Two"
    )
    homes = Mission.objects.create(
        review=chapter.review, slug="homes", number=2, title="Homes"
    )
    health = Mission.objects.create(
        review=chapter.review, slug="health", number=3, title="Health"
    )
    other = Organisation.objects.create(
        slug="second-org", name="Second organisation", kind="charity"
    )
    alpha = make_recommendation(
        slug="alpha", title="Alpha family help", confidence="high"
    )
    bravo = make_recommendation(slug="bravo", title="Bravo", confidence="medium")
    charlie = make_recommendation(
        slug="charlie", title="Charlie", chapter=second, confidence="low"
    )
    make_recommendation(slug="delta", title="Delta", chapter=second, confidence="high")
    echo = make_recommendation(slug="echo", title="Echo", confidence="medium")
    alpha.missions.set([mission, homes])
    bravo.missions.set([homes])
    charlie.missions.set([mission, homes, health])
    echo.missions.set([health])
    # Two welcoming responses from one organisation on alpha: counted once.
    make_response(stance="welcomes").recommendations.set([alpha, charlie])
    make_response(stance="welcomes").recommendations.set([alpha])
    make_response(stance="critical", organisation=other).recommendations.set(
        [alpha, bravo]
    )
    make_response(stance="mixed", organisation=other).recommendations.set([charlie])
    make_response(stance="critical")  # about no recommendation in particular


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["alpha", "bravo", "echo", "charlie", "delta"]),
        ({"chapter": "chapter-two"}, ["charlie", "delta"]),
        ({"mission": "mission-one"}, ["alpha", "charlie"]),
        ({"mission": ["homes", "health"]}, ["alpha", "bravo", "echo", "charlie"]),
        ({"organisation": "an-org"}, ["alpha", "charlie"]),
        ({"organisation": "second-org"}, ["alpha", "bravo", "charlie"]),
        ({"stance": "welcomes"}, ["alpha", "charlie"]),
        ({"stance": ["critical", "mixed"]}, ["alpha", "bravo", "charlie"]),
        ({"confidence": "high"}, ["alpha", "delta"]),
        ({"q": "family"}, ["alpha"]),
        # Combined: every filter must hold.
        ({"chapter": "chapter-one", "mission": "homes"}, ["alpha", "bravo"]),
        ({"mission": "mission-one", "confidence": "high"}, ["alpha"]),
        ({"q": "family", "chapter": "chapter-two"}, []),
        # Some response is from the organisation, and some (maybe another) has the stance.
        ({"organisation": "second-org", "stance": "welcomes"}, ["alpha", "charlie"]),
        (
            {
                "chapter": "chapter-one",
                "mission": "homes",
                "organisation": "second-org",
                "stance": "critical",
                "confidence": "medium",
            },
            ["bravo"],
        ),
    ],
)
def test_each_filter_works_alone_and_combined(client, data, params, expected):
    response = client.get("/recommendations/", params)

    assert listed(response) == expected
    assert result_count(response, "recommendation") == len(expected)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"mission": "homes"},
        {"organisation": "an-org", "confidence": "high"},
        {"stance": ["welcomes", "mixed"], "chapter": "chapter-one"},
        {"q": "recommendation"},
    ],
)
def test_each_option_shows_how_many_results_choosing_it_gives(client, data, params):
    response = client.get("/recommendations/", params)
    options = displayed_options(response.content.decode())

    # Every option of chapter, mission, position, delivery status, stance,
    # organisation, confidence and promised dates.
    assert len(options) == 2 + 3 + 7 + 6 + 4 + 2 + 3 + 4 + 4  # and the 4 kinds
    for name, value, count in options:
        chosen = client.get("/recommendations/", {**params, name: value})
        assert result_count(chosen, "recommendation") == count, (name, value)


def test_many_to_many_counts_count_each_recommendation_once(client, data):
    options = displayed_options(client.get("/recommendations/").content.decode())

    assert ("organisation", "an-org", 2) in options  # alpha (twice) and charlie
    assert ("stance", "welcomes", 2) in options
    assert ("stance", "neutral", 0) in options
    assert ("mission", "homes", 3) in options
    assert ("chapter", "chapter-one", 3) in options


def test_options_show_what_is_chosen(client, data):
    response = client.get(
        "/recommendations/", {"mission": "homes", "chapter": "chapter-two"}
    )

    assertContains(response, 'name="mission" type="checkbox" value="homes" checked')
    assertContains(
        response, '<option value="chapter-two" selected>2. Two (1)</option>', html=True
    )


def test_the_form_is_an_accessible_get_form(client, data):
    response = client.get("/recommendations/")

    assertContains(response, '<form method="get" action="/recommendations/"')
    assertContains(
        response,
        '<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">Mission</legend>',
        html=True,
    )
    assertContains(
        response,
        '<label class="govuk-label govuk-label--s" for="filter-chapter">Chapter</label>',
        html=True,
    )
    assertContains(
        response,
        '<label class="govuk-label govuk-label--s" for="filter-sort">Sort by</label>',
        html=True,
    )
    assertContains(response, "Apply filters")


def test_rows_show_title_chapter_missions_confidence_and_responses(client, data):
    response = client.get("/recommendations/", {"q": "family"})

    assertContains(
        response,
        '<a class="govuk-link" href="/recommendations/alpha/">Alpha family help</a>',
        html=True,
    )
    assertContains(response, "Chapter 1. One")
    assertContains(response, "Missions: Mission; Homes")
    assertContains(
        response, '<strong class="govuk-tag govuk-tag--green">High</strong>', html=True
    )
    assertContains(response, "3 responses")
    assertContains(response, "Showing 1 to 1 of 1 recommendation</h2>")


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("title", ["alpha", "bravo", "charlie", "delta", "echo"]),
        ("-title", ["echo", "delta", "charlie", "bravo", "alpha"]),
        ("chapter", ["alpha", "bravo", "echo", "charlie", "delta"]),
        # Ties within a chapter stay in slug order.
        ("-chapter", ["charlie", "delta", "alpha", "bravo", "echo"]),
    ],
)
def test_sorting(client, data, sort, expected):
    response = client.get("/recommendations/", {"sort": sort})

    assert listed(response) == expected
    assertContains(response, f'<option value="{sort}" selected>')


def test_a_search_comes_best_match_first_unless_sorted(client, data):
    response = client.get("/recommendations/", {"q": "family"})

    assertContains(response, '<option value="" selected>Best match</option>', html=True)


def test_pagination_keeps_the_filters(client, make_recommendation):
    for n in range(30):
        make_recommendation(slug=f"r-{n:02}", confidence="high" if n < 27 else "low")

    first = client.get("/recommendations/", {"confidence": "high"})
    next_href = re.search(r'href="([^"]+)" rel="next"', first.content.decode())[1]
    second = client.get("/recommendations/" + html.unescape(next_href))

    assert len(listed(first)) == 25
    assertContains(first, "Showing 1 to 25 of 27 recommendations")
    assert query_of(next_href) == {"confidence": ["high"], "page": ["2"]}
    assert listed(second) == ["r-25", "r-26"]
    assertContains(second, "Showing 26 to 27 of 27 recommendations")
    assertContains(second, 'aria-current="page">2</a>')


def test_each_tag_removes_exactly_one_value(client, data):
    params = {"mission": ["homes", "health"], "confidence": "high", "sort": "title"}

    response = client.get("/recommendations/", {**params, "page": "1"})
    hrefs = TAG.findall(response.content.decode())

    assert [query_of(href) for href in hrefs] == [
        {"mission": ["health"], "confidence": ["high"], "sort": ["title"]},
        {"mission": ["homes"], "confidence": ["high"], "sort": ["title"]},
        {"mission": ["homes", "health"], "sort": ["title"]},
    ]
    assertContains(response, "Mission: Homes")
    assertContains(response, "Confidence: High: the report&#x27;s own words seen")
    without_confidence = client.get(html.unescape(hrefs[2]))
    assert listed(without_confidence) == ["alpha", "bravo", "charlie", "echo"]


def test_clear_link_removes_every_filter_but_keeps_the_sort(client, data):
    response = client.get(
        "/recommendations/", {"mission": "homes", "q": "family", "sort": "-title"}
    )

    assertContains(
        response,
        '<a class="govuk-link" href="/recommendations/?sort=-title">Clear filters</a>',
        html=True,
    )
    assert len(listed(client.get("/recommendations/?sort=-title"))) == 5


def test_no_tags_or_clear_link_without_filters(client, data):
    response = client.get("/recommendations/")

    assertNotContains(response, "Selected filters")
    assertNotContains(response, "Clear filters")


def test_unknown_values_are_left_out_and_explained(client, data):
    response = client.get(
        "/recommendations/",
        {
            "mission": ["homes", "no-such-mission"],
            "chapter": "nowhere",
            "confidence": "sure",
        },
    )

    # Filtered by the one mission that exists.
    assert listed(response) == ["alpha", "bravo", "charlie"]
    assertContains(response, "govuk-error-summary")
    assertContains(response, "Mission: “no-such-mission” is not one of the options")
    assertContains(response, "Chapter: “nowhere” is not one of the options")
    assertContains(response, "Confidence: “sure” is not one of the options")
    assertContains(response, 'href="#filter-mission"')
    assertContains(response, '<meta name="robots" content="noindex">')


@pytest.mark.parametrize(
    ("page", "shown", "message"),
    [
        ("abc", 1, "there is no page “abc”, so this is page 1"),
        ("-1", 1, "there is no page -1, so this is page 1"),
        ("0", 1, "there is no page 0, so this is page 1"),
        ("99999", 2, "there are only 2 pages, so this is the last"),
        ("9" * 5000, 1, "there is no page “999"),
        ("2", 2, None),
        ("last", 2, None),
    ],
)
def test_bad_page_numbers_show_the_nearest_page_and_say_so(
    client, make_recommendation, page, shown, message
):
    for _ in range(30):
        make_recommendation()

    response = client.get("/recommendations/", {"page": page})

    assert response.status_code == 200
    assert response.context["page_obj"].number == shown
    if message:
        assertContains(response, message)
    else:
        assertNotContains(response, "govuk-error-summary")


HOSTILE_VALUES = [
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    ";drop table recommendations_recommendation",
    "-1",
    "0",
    "abc",
    "99999",
    "9" * 5000,
    "1e400",
    "null\x00byte",
    "%",
    "\u202e\U0001f600 caf\u00e9",
    "x" * 10_000,
    "",
]
LIST_PARAMETERS = {
    "/recommendations/": [
        "q",
        "chapter",
        "mission",
        "organisation",
        "stance",
        "confidence",
        "position",
        "delivery_status",
        "sort",
        "page",
        "unknown",
    ],
    "/responses/": [
        "organisation",
        "stance",
        "moment",
        "source",
        "recommendation",
        "chapter",
        "mission",
        "sort",
        "page",
        "unknown",
    ],
}
URLS = {
    **LIST_PARAMETERS,
    "/recommendations.csv": LIST_PARAMETERS["/recommendations/"],
    "/recommendations.json": LIST_PARAMETERS["/recommendations/"],
    "/responses.csv": LIST_PARAMETERS["/responses/"],
    "/responses.json": LIST_PARAMETERS["/responses/"],
}


@pytest.mark.parametrize("url", URLS)
def test_hostile_query_strings_never_fail(client, data, url):
    for parameter in URLS[url]:
        for value in HOSTILE_VALUES:
            response = client.get(url, {parameter: value})
            assert response.status_code in (200, 400), (parameter, value[:20])
            assert_escaped(response)
        # Repeated, and mixed with good values and a good page.
        response = client.get(
            url,
            {
                parameter: ["a", "b", "<script>alert(1)</script>", "homes"],
                "mission": "homes",
                "page": "1",
            },
        )
        assert response.status_code in (200, 400), parameter
        assert_escaped(response)


def assert_escaped(response):
    # Downloads and their 400s are CSV, JSON or plain text, never read as HTML.
    if response["Content-Type"].startswith("text/html"):
        assert b"<script>alert(1)" not in response.content
    else:
        assert response["X-Content-Type-Options"] == "nosniff"


def test_scripts_in_the_query_are_escaped(client, data):
    response = client.get(
        "/recommendations/",
        {"q": "<script>alert(1)</script>", "mission": "<script>x</script>"},
    )

    assertContains(response, 'value="&lt;script&gt;alert(1)&lt;/script&gt;"')
    assertContains(response, "Search: &lt;script&gt;alert(1)&lt;/script&gt;")
    assertContains(
        response, "“&lt;script&gt;x&lt;/script&gt;” is not one of the options"
    )
    assertNotContains(response, "<script>alert(1)")


def test_overlong_values_are_left_out_and_explained(client, data):
    response = client.get("/recommendations/", {"q": "x" * 5000, "mission": "homes"})

    assert listed(response) == ["alpha", "bravo", "charlie"]
    assertContains(response, "Search: a value was too long or unreadable to use")


def test_download_links_carry_the_applied_filters(client, data):
    response = client.get(
        "/recommendations/",
        {"mission": ["homes", "nope"], "q": "", "page": "1", "sort": "title"},
    )

    assertContains(response, 'href="/recommendations.csv?mission=homes&amp;sort=title"')
    assertContains(
        response, 'href="/recommendations.json?mission=homes&amp;sort=title"'
    )


def test_list_query_count_is_flat(
    client, make_recommendation, mission, make_response, django_assert_num_queries
):
    def add(n):
        for _ in range(n):
            recommendation = make_recommendation()
            recommendation.missions.add(mission)
            make_response().recommendations.add(recommendation)

    add(3)
    # One per facet (chapter, mission, position, delivery status, stance,
    # organisation, confidence, kind) and one more each for the chapters' and the
    # missions' own lists (their counts start from the results, so options with
    # none come from there), one for promised dates, count, page with chapters
    # and response counts, the page's missions, and the honest count's review.
    # Unfiltered, the kind facet has counted every record by kind already, so the
    # honest count takes its numbers from there.
    with django_assert_num_queries(15):
        client.get("/recommendations/")
    add(27)
    with django_assert_num_queries(15):
        client.get("/recommendations/")
    # One more for each related filter given: the slugs are looked up; and one
    # for the honest count, whose numbers the filtered facets no longer give.
    with django_assert_num_queries(18):
        response = client.get(
            "/recommendations/",
            {
                "mission": "mission-one",
                "organisation": "an-org",
                "stance": "welcomes",
                "page": "2",
            },
        )
    assert len(listed(response)) == 5


def test_the_list_is_linked_from_the_header(client, data):
    response = client.get("/recommendations/")

    assertContains(
        response,
        '<a class="govuk-service-navigation__link" href="/recommendations/" aria-current="page">Recommendations</a>',
        html=True,
    )


# The responses list


@pytest.fixture
def responses(data):
    """The five responses of `data`, four of them to the final report, dated apart."""
    for n, response in enumerate(StakeholderResponse.objects.order_by("slug")):
        response.chapters.set(Chapter.objects.filter(number__lte=n % 2 + 1))
        response.missions.set(Mission.objects.filter(number=n % 3 + 1))
        if n < 4:
            response.responded_on = datetime.date(2022, 5, 20 + n)
        if n == 0:
            response.moment = "government_response"
        response.save()


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["response-4", "response-3", "response-2", "response-1", "response-5"]),
        ({"organisation": "second-org"}, ["response-4", "response-3"]),
        ({"stance": "welcomes"}, ["response-2", "response-1"]),
        ({"moment": "government_response"}, ["response-1"]),
        (
            {"recommendation": ["alpha", "bravo"]},
            ["response-3", "response-2", "response-1"],
        ),
        ({"chapter": "chapter-two"}, ["response-4", "response-2"]),
        ({"mission": "homes"}, ["response-2", "response-5"]),
        (
            {"source": "captured"},
            ["response-4", "response-3", "response-2", "response-1", "response-5"],
        ),
        ({"organisation": "an-org", "stance": "critical"}, ["response-5"]),
        (
            {
                "recommendation": "alpha",
                "moment": "final_report",
                "chapter": "chapter-one",
            },
            ["response-3", "response-2"],
        ),
        (
            {"sort": "date"},
            ["response-1", "response-2", "response-3", "response-4", "response-5"],
        ),
        (
            {"sort": "-organisation"},
            ["response-3", "response-4", "response-1", "response-2", "response-5"],
        ),
    ],
)
def test_responses_filter_alone_and_combined(client, responses, params, expected):
    response = client.get("/responses/", params)

    assert listed(response) == expected


@pytest.mark.parametrize(
    "params",
    [{}, {"stance": "critical"}, {"recommendation": "alpha", "mission": "homes"}],
)
def test_response_options_show_how_many_results_choosing_them_gives(
    client, responses, params
):
    response = client.get("/responses/", params)
    options = displayed_options(response.content.decode())

    # Every stance, moment, chapter and mission; organisations and recommendations
    # are capped facets (issue 13), which list those with results, and any chosen.
    by_facet = Counter(name for name, _, _ in options)
    assert (by_facet["stance"], by_facet["moment"]) == (4, 3)
    assert (by_facet["chapter"], by_facet["mission"]) == (2, 3)
    for name, value, count in options:
        if name in ("organisation", "recommendation"):
            assert count or value in params.get(name, ()), (name, value)
        chosen = client.get("/responses/", {**params, name: value})
        assert result_count(chosen, "response") == count, (name, value)


def test_responses_list_shows_tags_clear_link_and_downloads(client, responses):
    response = client.get(
        "/responses/", {"stance": ["welcomes", "mixed"], "recommendation": "alpha"}
    )

    assertContains(response, "Showing 1 to 2 of 2 responses")
    assert len(TAG.findall(response.content.decode())) == 3
    assertContains(response, "Recommendation: Alpha family help")
    assertContains(
        response,
        '<a class="govuk-link" href="/responses/">Clear filters</a>',
        html=True,
    )
    assertContains(
        response,
        'href="/responses.csv?stance=welcomes&amp;stance=mixed&amp;recommendation=alpha"',
    )
    assertContains(
        response,
        '<a class="govuk-link" href="/recommendations/alpha/">Alpha family help</a>',
        html=True,
    )


def test_responses_list_query_count_is_flat(
    client, make_response, make_recommendation, django_assert_num_queries
):
    def add(n):
        for _ in range(n):
            make_response().recommendations.add(make_recommendation())

    add(3)
    # One per facet (stance, moment, organisation, chapter, mission,
    # recommendation) and one more each for the chapters' and the missions' own
    # lists, count, page with organisation and source, recommendations.
    with django_assert_num_queries(11):
        client.get("/responses/")
    add(27)
    with django_assert_num_queries(11):
        client.get("/responses/")


@pytest.fixture
def many_organisations(make_recommendation, make_response):
    """35 organisations: the n-th responds to n of 35 recommendations, so each has
    its own count and the top 30 are clear."""
    recommendations = [make_recommendation() for _ in range(35)]
    for n in range(1, 36):
        organisation = Organisation.objects.create(
            slug=f"org-{n:02d}", name=f"Organisation {n:02d}", kind="charity"
        )
        response = make_response(organisation=organisation)
        response.recommendations.add(*recommendations[:n])
    return recommendations


def organisation_options(response):
    return [
        (value, count)
        for name, value, count in displayed_options(response.content.decode())
        if name == "organisation"
    ]


def test_a_long_facet_lists_the_options_with_most_results_and_shows_all_on_request(
    client, many_organisations
):
    response = client.get("/recommendations/", {"confidence": "medium"})
    options = organisation_options(response)
    # The 30 with most results, most first, with exact counts.
    assert options == [(f"org-{n:02d}", n) for n in range(35, 5, -1)]
    link = re.search(
        r'href="([^"]*all_options=organisation[^"]*)"', response.content.decode()
    )
    assert query_of(link[1]) == {
        "confidence": ["medium"],
        "all_options": ["organisation"],
    }

    every = client.get(html.unescape(link[1]))
    # Every organisation, in its own order, the one without responses too.
    assert organisation_options(every) == [("an-org", 0)] + [
        (f"org-{n:02d}", n) for n in range(1, 36)
    ]
    assertNotContains(every, "Show every option")


def test_a_chosen_option_outside_the_top_stays_listed_with_its_count(
    client, many_organisations
):
    response = client.get("/recommendations/", {"organisation": "org-02"})
    options = organisation_options(response)
    assert options[0] == ("org-02", 2)
    assert len(options) == 31
    assert result_count(response, "recommendation") == 2


@pytest.mark.parametrize(
    "query",
    [{}, {"kind": "umbrella"}, {"confidence": "high"}, {"q": "Recommendation 1"}],
)
def test_the_honest_count_counts_every_record_whatever_is_filtered(
    client, make_recommendation, query
):
    make_recommendation(confidence="high")
    make_recommendation()
    make_recommendation(kind="umbrella")

    response = client.get("/recommendations/", query)

    assert response.context["count"].identified == 2
    assert response.context["count"].by_kind == {"recommendation": 2, "umbrella": 1}
