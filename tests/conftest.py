import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth.models import Group, User
from django.core.cache import caches
from django.core.management import call_command
from django.db import connections

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
from sources.models import (
    Citation,
    Organisation,
    Publication,
    SourceDocument,
    StakeholderResponse,
)

# The text of a source that make_source() captures, unless a test gives its own.
SOURCE_TEXT = (
    "The review makes 80 recommendations.\n\n"
    "It asks for a new Family Help service.\n\n"
    "Charities welcome the report."
)


@pytest.fixture(autouse=True)
def _test_settings(settings):
    # Manifest storage fails with "Missing staticfiles manifest entry" until
    # collectstatic runs; tests of the real storage opt back in.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Off, so that each test's pinned query counts are its view's own; the page
    # cache's tests (test_page_cache.py) turn it on. Cleared either way: a page kept
    # by one test must not be served to the next, whose rolled-back database may
    # reuse the same history ids on SQLite.
    settings.PAGE_CACHE_ENABLED = False
    caches["pages"].clear()


@pytest.fixture
def review(db):
    return Review.objects.create(
        slug="test-review",
        title="Test review",
        chair="A Chair",
        published_on=datetime.date(2022, 5, 23),
    )


@pytest.fixture
def chapter(review):
    return Chapter.objects.create(
        review=review, slug="chapter-one", number=1, title="One"
    )


@pytest.fixture
def mission(review):
    return Mission.objects.create(
        review=review, slug="mission-one", number=1, title="Mission"
    )


@pytest.fixture
def make_chapter(review):
    def make(**fields):
        n = Chapter.objects.count() + 1
        fields.setdefault("slug", f"chapter-{n}")
        fields.setdefault("number", n)
        fields.setdefault("title", f"Chapter title {n}")
        fields.setdefault("review", review)
        return Chapter.objects.create(**fields)

    return make


@pytest.fixture
def make_mission(review):
    def make(**fields):
        n = Mission.objects.count() + 1
        fields.setdefault("slug", f"mission-{n}")
        fields.setdefault("number", n)
        fields.setdefault("title", f"Mission title {n}")
        fields.setdefault("review", review)
        return Mission.objects.create(**fields)

    return make


@pytest.fixture
def make_recommendation(review, chapter):
    def make(**fields):
        n = Recommendation.objects.count() + 1
        fields.setdefault("slug", f"recommendation-{n}")
        fields.setdefault("title", f"Recommendation {n}")
        fields.setdefault("summary", f"Summary of recommendation {n}.")
        fields.setdefault("confidence", "medium")
        fields.setdefault("review", review)
        fields.setdefault("chapter", chapter)
        return Recommendation.objects.create(**fields)

    return make


@pytest.fixture
def captured_source(db):
    return SourceDocument.objects.create(
        slug="captured",
        title="A captured page",
        publisher="A publisher",
        kind="news",
        capture="captured",
        raw_text="The review said:\u00cc\u00fdfamilies need help.\n\n  \u2022 A bullet point",
    )


@pytest.fixture
def organisation(db):
    return Organisation.objects.create(
        slug="an-org", name="An organisation", kind="charity"
    )


@pytest.fixture
def make_response(organisation, captured_source):
    def make(**fields):
        n = StakeholderResponse.objects.count() + 1
        fields.setdefault("slug", f"response-{n}")
        fields.setdefault("organisation", organisation)
        fields.setdefault("moment", "final_report")
        fields.setdefault("stance", "welcomes")
        fields.setdefault("summary", f"Summary of response {n}.")
        fields.setdefault("quotation", "families need help")
        fields.setdefault("source", captured_source)
        return StakeholderResponse.objects.create(**fields)

    return make


@pytest.fixture
def make_source(db):
    """A source document; captured (with SOURCE_TEXT) unless capture="cited"."""

    def make(capture="captured", **fields):
        n = SourceDocument.objects.count() + 1
        fields.setdefault("slug", f"source-{n}")
        fields.setdefault("title", f"Source {n}")
        fields.setdefault("publisher", f"Publisher {n}")
        fields.setdefault("kind", "news")
        if capture == "captured":
            fields.setdefault("raw_text", SOURCE_TEXT)
        return SourceDocument.objects.create(capture=capture, **fields)

    return make


@pytest.fixture
def make_citation(make_source):
    """A citation of a new captured source, unless given one; give it its target
    (recommendation=…, chapter=…, key_figure=…)."""

    def make(**fields):
        n = Citation.objects.count() + 1
        fields.setdefault("slug", f"citation-{n}")
        fields.setdefault("excerpt", "makes 80 recommendations")
        if "source" not in fields:
            fields["source"] = make_source()
        return Citation.objects.create(**fields)

    return make


@pytest.fixture
def make_update(make_recommendation):
    """A government update, on a new recommendation unless given one."""

    def make(**fields):
        n = GovernmentUpdate.objects.count() + 1
        fields.setdefault("slug", f"update-{n}")
        fields.setdefault("date", datetime.date(2023, 2, 2))
        if not fields.get("delivery_status"):
            fields.setdefault("position", "accepted")  # it must give one or the other
        fields.setdefault("detail", f"Update {n}.")
        if "recommendation" not in fields:
            fields["recommendation"] = make_recommendation()
        return GovernmentUpdate.objects.create(**fields)

    return make


@pytest.fixture
def make_figure(review):
    def make(**fields):
        n = KeyFigure.objects.count() + 1
        fields.setdefault("slug", f"figure-{n}")
        fields.setdefault("value", Decimal("1000"))
        fields.setdefault("unit", "children")
        fields.setdefault("measures", f"Figure {n} measures")
        fields.setdefault("review", review)
        return KeyFigure.objects.create(**fields)

    return make


@pytest.fixture
def make_event(review):
    def make(**fields):
        n = TimelineEvent.objects.count() + 1
        fields.setdefault("slug", f"event-{n}")
        fields.setdefault("date", datetime.date(2022, 5, n))
        fields.setdefault("title", f"Event {n}")
        fields.setdefault("review", review)
        return TimelineEvent.objects.create(**fields)

    return make


@pytest.fixture
def make_discrepancy(review):
    def make(**fields):
        n = Discrepancy.objects.count() + 1
        fields.setdefault("slug", f"discrepancy-{n}")
        fields.setdefault("topic", f"Topic {n}")
        fields.setdefault("summary", "Two sources disagree.")
        fields.setdefault("review", review)
        return Discrepancy.objects.create(**fields)

    return make


@pytest.fixture
def make_publication(db):
    def make(**fields):
        n = Publication.objects.count() + 1
        fields.setdefault("slug", f"publication-{n}")
        fields.setdefault("title", f"Publication {n}")
        fields.setdefault("publisher", f"Publisher {n}")
        return Publication.objects.create(**fields)

    return make


@pytest.fixture
def make_curator(db):
    """A staff user in the Curators group (the data migration's group)."""

    def make(username="curator", email="", password="pw"):
        user = User.objects.create_user(username, email, password, is_staff=True)
        user.groups.add(Group.objects.get(name="Curators"))
        return user

    return make


@pytest.fixture
def curator(make_curator):
    return make_curator()


@pytest.fixture
def curator_client(client, curator):
    client.force_login(curator)
    return client


# The shipped data (fixtures/, 867 records), loaded once per session.
#
# Why committed, and why the tests that use it run last: a load takes seconds (more on
# PostgreSQL), so it is done once. It cannot stay inside one open transaction for the
# session, because the browser tests' live server reads through its own connection on
# PostgreSQL and sees only committed rows; and it cannot be committed in the middle of
# the run, because most tests expect the database as the migrations left it. So:
#
# - pytest_collection_modifyitems (below) moves every test that uses `shipped_data`
#   after every test that does not, keeping pytest-django's order within each group
#   (plain `db` tests, then transactional ones). Tests that expect an empty database
#   have all run before the data arrives.
# - `shipped_data` loads and commits the data once, when the first of those tests
#   starts. Each `db` test still runs in a transaction rolled back at its end, so what
#   a test writes never reaches the next; on SQLite (an in-memory database shared with
#   the live server) and PostgreSQL alike, every test starts from the shipped data.
# - At the end of the session the database is put back as the migrations left it, as
#   Django's `serialized_rollback` does (a flush alone would also delete what data
#   migrations created, such as the Curators group), so that --reuse-db finds it clean.
#
# A transactional test (django_db(transaction=True)) that uses it flushes the data
# when it ends; pytest-django runs those after the plain `db` ones, so it runs last.


@pytest.fixture(scope="session")
def shipped_data(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        connection = connections["default"]
        before = connection.creation.serialize_db_to_string()
        call_command("load_review", stdout=StringIO())
        yield
        call_command("flush", interactive=False, verbosity=0, inhibit_post_migrate=True)
        connection.creation.deserialize_db_from_string(before)


@pytest.hookimpl(trylast=True)  # after pytest-django has put db tests first
def pytest_collection_modifyitems(items):
    items.sort(key=lambda item: "shipped_data" in getattr(item, "fixturenames", ()))
