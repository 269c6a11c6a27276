import datetime

import pytest

from recommendations.models import Chapter, Mission, Recommendation, Review
from sources.models import Organisation, SourceDocument, StakeholderResponse


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
