"""Each detail page lists its record's public fields from `public_fields` (the
`public_rows` tag, review_portal/lib/templatetags/public.py): every public field is
a row of its summary list, or left out by name at the call site and shown in its
own way elsewhere on the page."""

import datetime
import html
import re

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.template import Context, Template
from django.template.library import SimpleNode
from django.template.loader import get_template
from django.utils.html import strip_tags
from pytest_django.asserts import assertContains, assertNotContains

from recommendations.models import Chapter, Recommendation
from review_portal.lib.curation import field_label
from review_portal.lib.dates import precise_date
from review_portal.lib.templatetags.public import IN_THE_ADDRESS, display
from sources.models import Commitment, SourceDocument


def left_out(template_name):
    """The fields the template's {% public_rows %} leaves out, read from the
    template as Django parses it."""
    nodes = [
        node
        for node in get_template(template_name).template.nodelist.get_nodes_by_type(
            SimpleNode
        )
        if node.func.__name__ == "public_rows"
    ]
    assert len(nodes) == 1, f"{template_name} lists its fields with one public_rows"
    return set(nodes[0].kwargs["exclude"].resolve(Context()).split())


def page_text(response):
    text = html.unescape(strip_tags(response.content.decode()))
    return re.sub(r"\s+", " ", text).lower()


def words(record, field):
    """What a page shows of a field left out of its summary list, as plain text:
    enough of it to find it, not its exact words."""
    value = getattr(record, field.name)
    if field.name.endswith("precision"):
        # Shown as the precision of its date, which each page's test checks.
        return []
    if field.many_to_many:
        return [str(related) for related in value.all()]
    if field.choices:
        label = getattr(record, f"get_{field.name}_display")()
        # A choice worded "Short: explanation" may be shown as its short word, as a
        # tag is (Captured, High).
        return [label.split(":")[0]]
    if isinstance(value, datetime.date):
        # As precise as its source: a day or a month (May 2022 is in both).
        return [precise_date(value, "month")]
    return [str(value)]


def assert_every_public_field_is_on_the_page(client, record, template_name):
    """Every public field of `record` is a row of the page's summary list with its
    label and value, or left out by name and its value shown elsewhere on it."""
    url = record.get_absolute_url()
    response = client.get(url)
    assert response.status_code == 200
    text = page_text(response)
    shown_elsewhere = left_out(template_name)
    for name in type(record).public_fields:
        field = type(record)._meta.get_field(name)
        if name == IN_THE_ADDRESS:
            assert getattr(record, name) in url
        elif name not in shown_elsewhere:
            row = (
                '<div class="govuk-summary-list__row">'
                f'<dt class="govuk-summary-list__key">{field_label(type(record), name)}</dt>'
                f'<dd class="govuk-summary-list__value">{display(record, field)}</dd>'
                "</div>"
            )
            assertContains(response, row, count=1, html=True)
        elif isinstance(getattr(record, name), bool):
            # A ticked box is shown if the page reads differently unticked.
            type(record).objects.filter(pk=record.pk).update(**{name: False})
            assert page_text(client.get(url)) != text, name
            type(record).objects.filter(pk=record.pk).update(**{name: True})
        else:
            for shown in words(record, field):
                assert " ".join(shown.split()).lower() in text, (name, shown)


@pytest.fixture
def umbrella(make_recommendation, make_mission):
    """A recommendation with every public field filled in."""
    umbrella = make_recommendation(
        slug="family-help",
        title="A new Family Help service",
        summary="Help families early.",
        chapter_basis="inferred",
        chapter_note="The source names the topic, not the chapter.",
        addressed_to="Local authorities",
        number="5.2",
        is_headline=True,
        confidence="high",
        note="We could not find the page number.",
        kind="umbrella",
        inference="We read the two as one ask.",
    )
    umbrella.missions.set([make_mission(title="Loving relationships")])
    umbrella.parts.set([make_recommendation(title="A part of it")])
    return umbrella


def test_every_public_field_of_a_recommendation_is_on_its_page(client, umbrella):
    assert_every_public_field_is_on_the_page(
        client, umbrella, "recommendations/recommendation_detail.html"
    )
    response = client.get(umbrella.get_absolute_url())
    # Its rows say what they hold in plain words.
    assertContains(
        response,
        '<ul class="govuk-list govuk-!-margin-bottom-0"><li>'
        '<a class="govuk-link" href="/missions/mission-1/">Loving relationships</a>'
        "</li></ul>",
        html=True,
    )
    assertContains(
        response, "Listed by a source among the review&#x27;s main recommendations."
    )
    assertContains(response, "We could not find the page number.")


def test_a_field_with_nothing_in_it_has_no_row(client, make_recommendation):
    recommendation = make_recommendation()

    response = client.get(recommendation.get_absolute_url())

    for label in ["Missions", "Headline recommendation", "What we could not confirm"]:
        assertNotContains(response, f">{label}</dt>")
    assertNotContains(response, '<dd class="govuk-summary-list__value"></dd>')


def test_every_public_field_of_a_chapter_and_a_mission_is_on_its_page(
    client, chapter, mission
):
    for record in [chapter, mission]:
        record.summary = "In our own words."
        record.save()
    assert_every_public_field_is_on_the_page(
        client, chapter, "recommendations/chapter_detail.html"
    )
    assert_every_public_field_is_on_the_page(
        client, mission, "recommendations/mission_detail.html"
    )


def test_every_public_field_of_a_source_is_on_its_page(client, make_source):
    source = make_source(
        slug="charity-news",
        url="https://example.org/news",
        description="A charity's news page.",
        published_on=datetime.date(2022, 5, 1),
        date_precision="month",
    )
    assert_every_public_field_is_on_the_page(
        client, source, "sources/sourcedocument_detail.html"
    )
    # Shown at its precision: the month, not a day the source does not give.
    response = client.get(source.get_absolute_url())
    assertContains(response, '<time datetime="2022-05">May 2022</time>', html=True)
    assertNotContains(response, "1 May 2022")
    assertContains(
        response,
        '<a class="govuk-link" href="https://example.org/news" rel="noreferrer">'
        "https://example.org/news</a>",
        html=True,
    )


def test_every_public_field_of_an_organisation_is_on_its_page(client, organisation):
    organisation.url = "https://example.org/"
    organisation.description = "A charity for children."
    organisation.save()
    assert_every_public_field_is_on_the_page(
        client, organisation, "sources/organisation_detail.html"
    )


def test_every_public_field_of_a_response_is_on_its_page(
    client, make_response, make_recommendation, chapter, mission
):
    response = make_response(
        person="Dr A Person",
        role="Officer",
        responded_on=datetime.date(2022, 5, 23),
        is_date_approximate=True,
        stance="critical",
    )
    response.recommendations.set([make_recommendation(title="Speaks to this")])
    response.chapters.set([chapter])
    response.missions.set([mission])
    assert_every_public_field_is_on_the_page(
        client, response, "sources/stakeholderresponse_detail.html"
    )


def test_a_field_added_to_public_fields_is_on_the_page_without_a_template_edit(
    client, chapter, monkeypatch
):
    assertNotContains(client.get("/chapters/chapter-one/"), "govuk-summary-list")

    monkeypatch.setattr(Chapter, "public_fields", (*Chapter.public_fields, "review"))
    response = client.get("/chapters/chapter-one/")

    assertContains(
        response,
        '<dl class="govuk-summary-list"><div class="govuk-summary-list__row">'
        '<dt class="govuk-summary-list__key">Review</dt>'
        '<dd class="govuk-summary-list__value">'
        '<a class="govuk-link" href="/">Test review</a></dd></div></dl>',
        html=True,
    )


def test_leaving_out_a_field_that_is_not_public_is_an_error(make_recommendation):
    template = Template(
        '{% load public %}{% public_rows recommendation exclude="title former_slugs" %}'
    )
    with pytest.raises(ImproperlyConfigured, match="former_slugs"):
        template.render(Context({"recommendation": make_recommendation()}))
    assert "former_slugs" not in Recommendation.public_fields


@pytest.mark.parametrize(
    "record, name, shown",
    [
        (
            SourceDocument(
                published_on=datetime.date(2022, 5, 1), date_precision="month"
            ),
            "published_on",
            '<time datetime="2022-05">May 2022</time>',
        ),
        (
            Commitment(due_on=datetime.date(2024, 1, 1), due_precision="year"),
            "due_on",
            '<time datetime="2024">2024</time>',
        ),
        (
            Commitment(met_on=datetime.date(2024, 3, 5), due_precision="year"),
            "met_on",
            '<time datetime="2024-03-05">5 March 2024</time>',
        ),
    ],
)
def test_a_date_row_is_as_precise_as_its_source(record, name, shown):
    assert display(record, type(record)._meta.get_field(name)) == shown
