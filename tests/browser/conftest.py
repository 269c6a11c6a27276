"""Browser tests: Debian's Chromium, driven by Playwright, against a live server.

One browser serves the whole session and each test opens its own context (its own
cookies, viewport and JavaScript setting). The review's data is loaded once per
session (`shipped_data` in tests/conftest.py), not once per test: loading it and
flushing it again takes seconds on PostgreSQL, and the pages only read it.
"""

import os
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.db.models import Count
from django.test.utils import modify_settings
from django.utils import timezone
from pytest_django.live_server_helper import LiveServer

from alerts.messages import confirm_token
from alerts.models import Subscription
from recommendations.models import Chapter, Mission, Recommendation
from sources.highlighting import highlight
from sources.models import Organisation, SourceDocument, StakeholderResponse

# Playwright's sync API keeps an asyncio event loop running in the main thread while
# the browser is open, so Django's async-safety check would refuse every ORM call
# the tests make between browser steps (SynchronousOnlyOperation). Those calls never
# run inside the loop, so they are safe; the variable is read at each call.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Playwright waits this long (ms) for an element or a page before failing.
TIMEOUT = 10_000


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM}: run `make browser-deps`")
    # Imported here so that collecting the rest of the suite does not need Playwright.
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def live_url(django_db_setup, django_db_blocker):
    """The address of a live server that serves the test database.

    Not pytest-django's `live_server`: that one makes every test transactional, so
    each test would load the data and flush it again."""
    with django_db_blocker.unblock():
        # Shares an in-memory SQLite connection with the server thread.
        server = LiveServer("localhost")
    with modify_settings(ALLOWED_HOSTS={"append": "localhost"}):
        yield server.url
    server.stop()


@pytest.fixture
def db_access(shipped_data, db):
    """The review's data (committed once for the session by `shipped_data`, so that
    the server thread sees it), for the test to read (to find its URLs) and the server to
    serve. Asking for `db` also tells pytest-django that these tests need the test
    database, which it sets up only for tests that do; each test runs in a transaction
    rolled back at its end, so nothing a test writes leaks into the next."""


@pytest.fixture
def new_context(browser, live_url, db_access):
    """Opens browser contexts on the live server; closes them after the test.

    Keyword arguments go to `browser.new_context`, e.g. java_script_enabled=False."""
    contexts = []

    def make(**kwargs):
        kwargs.setdefault("base_url", live_url)
        context = browser.new_context(**kwargs)
        context.set_default_timeout(TIMEOUT)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context):
    return new_context().new_page()


@pytest.fixture
def quoted_recommendation(db_access):
    """(mission, recommendation, citation): a recommendation in that mission whose
    page quotes a captured source at a passage that the source's page highlights, so
    the quotation links to a <mark> with some text in it."""

    def marked_anchors(source):
        # As the source's page does: every passage quoted from it is highlighted.
        passages = [(c.slug, c.excerpt) for c in source.citations.all()]
        passages += [(r.slug, r.quotation) for r in source.responses.all()]
        segments = highlight(source.cleaned_text, passages)
        return {segment.anchor for segment in segments if segment.text}

    # A mission whose recommendations fit on one page of the list (25 to a page).
    missions = Mission.objects.annotate(n=Count("recommendations")).filter(n__lte=25)
    for mission in missions.order_by("number"):
        for recommendation in mission.recommendations.filter(
            kind="recommendation"
        ).order_by("slug"):
            for citation in recommendation.citations.select_related("source"):
                if citation.source.is_captured and citation.slug in marked_anchors(
                    citation.source
                ):
                    return mission, recommendation, citation
    raise AssertionError("No recommendation quotes a captured source: check fixtures/")


@pytest.fixture
def listed_recommendations(db_access):
    """Reads which recommendations a page links to, as a set of their paths."""
    detail_paths = {r.get_absolute_url() for r in Recommendation.objects.all()}

    def read(page):
        hrefs = page.locator("main a[href]").evaluate_all(
            "links => links.map(link => link.getAttribute('href'))"
        )
        return {href for href in hrefs if href in detail_paths}

    return read


# The kinds of page, named for test ids; `page_path` gives each one's address.
PAGE_NAMES = [
    "home",
    "recommendation list",
    "recommendation list, filtered",
    "recommendation detail",
    "chapter list",
    "chapter detail",
    "mission list",
    "mission detail",
    "organisation list",
    "organisation detail",
    "response list",
    "response detail",
    "source list",
    "source detail",
    "key figures",
    "timeline",
    "publications",
    "search with results",
    "search without results",
    "data",
    "charts",
    "tracker",
    "how we track",
    "discrepancies",
    "what's changed",
    "record history",
    "recommendation re-read",
    "recommendation removed",
    "report a problem",
    "report thanks",
    "glossary",
    "cover your tracks",
    "alert sign-up",
    "alert sign-up for a list",
    "alert check your email",
    "alert unsubscribe",
    "alert confirmed",
    "alert unsubscribed",
    "alert link problem",
    "404",
    "API docs",
    "admin login",
]


def pytest_generate_tests(metafunc):
    if "page_name" in metafunc.fixturenames:
        metafunc.parametrize("page_name", PAGE_NAMES)


@pytest.fixture
def page_path(page_types, page_name):
    return page_types[page_name]


@pytest.fixture(scope="session")
def reader_subscription(shipped_data, django_db_blocker):
    """A subscription for the unsubscribe page, committed like the shipped data: a
    row written inside a test's transaction locks its table on SQLite against the
    live server's own connection."""
    with django_db_blocker.unblock():
        recommendation = Recommendation.objects.order_by("slug").first()
        subscription, _ = Subscription.objects.get_or_create(
            email="reader@example.org", scope="recommendation", slug=recommendation.slug
        )
    return subscription


@pytest.fixture(scope="session")
def confirmed_subscription(shipped_data, django_db_blocker):
    """A subscription for the confirmation page, committed as `reader_subscription`
    is, and confirmed already: its link shows the same page again without the live
    server writing (on SQLite that write would find the table locked by the test's
    transaction)."""
    with django_db_blocker.unblock():
        chapter = Chapter.objects.order_by("number").first()
        subscription, _ = Subscription.objects.get_or_create(
            email="confirmed@example.org",
            scope="chapter",
            slug=chapter.slug,
            defaults={"confirmed_at": timezone.now()},
        )
    return subscription


@pytest.fixture
def page_types(db_access, reader_subscription, confirmed_subscription):
    """Every kind of page on the site, by name: lists by their literal paths, details
    and searches found from the loaded data."""
    recommendation = Recommendation.objects.order_by("slug").first()
    mission = Mission.objects.filter(recommendations__isnull=False).first()
    captured_source = SourceDocument.objects.filter(capture="captured").first()
    subscription = reader_subscription
    # A word from a recommendation's title is sure to be found.
    hit_word = max(recommendation.title.split(), key=len).strip(",.:;'\"")
    return {
        "home": "/",
        "recommendation list": "/recommendations/",
        "recommendation list, filtered": f"/recommendations/?mission={mission.slug}",
        "recommendation detail": recommendation.get_absolute_url(),
        "chapter list": "/chapters/",
        "chapter detail": Chapter.objects.first().get_absolute_url(),
        "mission list": "/missions/",
        "mission detail": mission.get_absolute_url(),
        "organisation list": "/organisations/",
        "organisation detail": Organisation.objects.first().get_absolute_url(),
        "response list": "/responses/",
        "response detail": StakeholderResponse.objects.first().get_absolute_url(),
        "source list": "/sources/",
        "source detail": captured_source.get_absolute_url(),
        "key figures": "/key-figures/",
        "timeline": "/timeline/",
        "publications": "/publications/",
        "search with results": f"/search/?{urlencode({'q': hit_word})}",
        "search without results": "/search/?q=xylophonequux",
        # Issue 14: a typo corrected from the vocabulary, the correction's results
        # shown, then any-word results after too few with every word.
        "search, corrected": "/search/?q=leving+care",
        "search, any word": "/search/?q=leaving+care+at+18",
        "data": "/data/",
        "charts": "/charts/",
        "tracker": "/tracker/",
        "how we track": "/how-we-track/",
        "discrepancies": "/discrepancies/",
        "what's changed": "/changes/",
        "record history": f"{recommendation.get_absolute_url()}history/",
        # A recommendation our rules changed ("How this was re-read"), and one they
        # removed (410 Gone): fixtures/rereads.json.
        "recommendation re-read": "/recommendations/agency-social-work-rules/",
        "recommendation removed": "/recommendations/remove-regulation-44-visits/",
        "report a problem": f"/report/?{urlencode({'page': recommendation.get_absolute_url()})}",
        "report thanks": f"/report/thanks/?{urlencode({'page': recommendation.get_absolute_url()})}",
        "glossary": "/glossary/",
        "cover your tracks": "/cover-your-tracks/",
        "alert sign-up": f"/alerts/?scope=recommendation&slug={recommendation.slug}",
        "alert sign-up for a list": f"/alerts/?{urlencode({'scope': 'list', 'query': f'mission={mission.slug}'})}",
        "alert check your email": "/alerts/check-your-email/",
        "alert unsubscribe": f"/alerts/unsubscribe/{subscription.key}/",
        # A real, signed confirmation link (alerts.messages.confirm_token).
        "alert confirmed": f"/alerts/confirm/{confirm_token(confirmed_subscription)}/",
        # The page after unsubscribing; an address with no alert behind it (already
        # stopped) shows it without deleting the subscription the page above needs.
        "alert unsubscribed": "/alerts/unsubscribe/no-such-alert/",
        "alert link problem": "/alerts/confirm/not-a-signed-token/",
        "404": "/no-such-page/",
        "API docs": "/api/docs/",
        "admin login": "/admin/login/",
    }
