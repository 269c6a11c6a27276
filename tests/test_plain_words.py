"""The glossary, its links from where the words appear, and "Cover your tracks"."""

import pytest
from django.template import Context, Template
from django.utils.html import escape
from pytest_django.asserts import assertContains

from review_portal.glossary import TERMS, TERMS_BY_SLUG


def render(text):
    return Template("{% load glossary %}{{ text|glossary_links }}").render(
        Context({"text": text})
    )


def test_the_first_occurrence_of_each_term_links_to_its_meaning(db):
    html = render("Care leavers face a care cliff. Care leavers need Staying Close.")
    assert html.count('href="/glossary/#care-leaver"') == 1
    assert (
        '<a class="govuk-link app-glossary-link" href="/glossary/#care-leaver">Care leavers</a>'
        in html
    )
    assert 'href="/glossary/#care-cliff">care cliff</a>' in html
    assert 'href="/glossary/#staying-close">Staying Close</a>' in html


def test_capitalised_terms_match_only_as_written_and_text_is_escaped(db):
    html = render("family help <script>x</script> Family Help")
    assert 'href="/glossary/#family-help">Family Help</a>' in html
    assert "family help &lt;script&gt;" in html


def test_no_term_inside_another_word(db):
    assert "href" not in render("RCCsomething and scare cliffs")


def test_the_glossary_explains_every_term_and_how_sure_we_are(client, db):
    response = client.get("/glossary/")
    for term in TERMS:
        assertContains(response, f'id="{term.slug}"')
    assertContains(response, escape(TERMS_BY_SLUG["confidence"].meaning))
    assertContains(response, escape(TERMS_BY_SLUG["source"].meaning))


def test_a_recommendation_links_the_terms_in_its_summary(client, make_recommendation):
    recommendation = make_recommendation(
        summary="Extend Staying Close to all care leavers."
    )
    response = client.get(recommendation.get_absolute_url())
    assertContains(response, 'href="/glossary/#staying-close"')
    assertContains(response, 'href="/glossary/#care-leaver"')


@pytest.mark.parametrize("path", ["/", "/glossary/", "/recommendations/"])
def test_every_page_links_to_cover_your_tracks_beside_exit_this_page(client, db, path):
    response = client.get(path)
    html = response.content.decode()
    exit_at = html.index("govuk-exit-this-page__button")
    link_at = html.index('href="/cover-your-tracks/"')
    assert exit_at < link_at < html.index("</main>")


def test_cover_your_tracks_explains_history_and_private_browsing(client, db):
    response = client.get("/cover-your-tracks/")
    assertContains(
        response, '<h1 class="govuk-heading-xl">Cover your tracks online</h1>'
    )
    assertContains(response, "private browsing", html=False)
    assertContains(response, "Delete your browser history")
    assertContains(response, "does not delete it from your browser history")
