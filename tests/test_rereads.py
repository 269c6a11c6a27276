"""Re-readings under our rules (sources/rereads.py, fixtures/rereads.json): each
change the audit made is public data, shown on the record's page and history, in
What's changed and the feeds, and a removed recommendation answers 410 Gone."""

import pytest
from django.core.management import CommandError
from pytest_django.asserts import assertContains

from recommendations.models import Recommendation
from sources.models import Reread
from tests.test_load_review import MINI, copy_of, find, load, read, snapshot, write

pytestmark = pytest.mark.django_db

CONSULT = (
    "Government position re-read under our rules: Accepted → Under consideration, "
    "4 December 2026: A promise to consult is under consideration under our "
    "published rules"
)


def test_the_shipped_rereads_cover_the_audit(shipped_data):
    rereads = Reread.objects.all()
    assert rereads.count() == 52
    fields = set(rereads.values_list("field", flat=True))
    assert fields == {
        "position",
        "delivery_status",
        "date",
        "stance",
        "person",
        "chapter_basis",
        "government_update",
        "recommendation",
    }
    # Every one names what it concerns: a recommendation, a response or a record.
    assert not rereads.filter(recommendation=None, response=None, record="").exists()


def test_a_recommendation_page_and_its_history_say_how_it_was_re_read(
    client, shipped_data
):
    recommendation = Recommendation.objects.get(slug="agency-social-work-rules")
    line = (
        "Government position re-read under our rules: Accepted → Under "
        "consideration (record agency-social-work-rules--2023-02-02-consultation)"
    )
    page = client.get(recommendation.get_absolute_url())
    assertContains(page, "How this was re-read")
    assertContains(page, line)
    history = client.get(f"{recommendation.get_absolute_url()}history/")
    assertContains(history, line)
    # A recommendation the rules did not change shows no such block.
    untouched = Recommendation.objects.exclude(rereads__isnull=False).first()
    page = client.get(untouched.get_absolute_url())
    assert "How this was re-read" not in page.content.decode()


def test_a_response_history_shows_its_changed_stance(client, shipped_data):
    response = client.get("/responses/john-drew-final-report/history/")
    assertContains(response, "Stance re-read under our rules: Welcomes → Mixed")


def test_the_change_log_and_feeds_show_each_re_reading_after_a_first_load(
    client, shipped_data
):
    log = "".join(
        client.get(f"/changes/?type=reread&page={n}").content.decode()
        for n in (1, 2, 3)
    )
    assert CONSULT.replace("'", "&#x27;") in log
    assert log.count("Re-read under our published rules") == 52
    feed = client.get("/recommendations/feed/?type=reread").content.decode()
    # The recommendation first, then what happened.
    assert (
        "National rules to cut agency social work: Government position re-read "
        "under our rules: Accepted → Under consideration"
    ) in feed
    assert CONSULT in feed


def test_a_removed_recommendation_answers_410_with_when_and_why(client, shipped_data):
    page = client.get("/recommendations/remove-regulation-44-visits/")
    assert page.status_code == 410
    text = page.content.decode()
    assert "This recommendation was removed" in text
    assert "4 December 2026" in text
    assert "the only excerpt is the government&#x27;s pledge to keep them" in text
    assert 'href="/recommendations/"' in text
    assert "/report/?page=" in text
    api = client.get("/api/recommendations/remove-regulation-44-visits/")
    assert api.status_code == 410
    (error,) = api.json()["errors"]
    assert error["parameter"] is None
    assert error["message"].startswith(
        "This recommendation was removed on 4 December 2026: No excerpt says"
    )
    # Never a recommendation: still 404; merged: still 301.
    assert client.get("/recommendations/never-was-one/").status_code == 404
    assert client.get("/api/recommendations/never-was-one/").status_code == 404
    merged = client.get("/recommendations/care-for-every-child-in-care/")
    assert merged.status_code == 301


def test_rereads_load_all_or_nothing_and_idempotently(tmp_path):
    fixtures = copy_of(MINI, tmp_path)
    load(fixtures=fixtures)
    assert Reread.objects.count() == 1
    assert "No changes" in load(fixtures=fixtures)
    before = snapshot()
    records = read(fixtures, "rereads.json")
    find(records, "expert-child-protection-social-worker--chapter-basis")["fields"][
        "old_value"
    ] = "declared"
    write(fixtures, "rereads.json", records)
    with pytest.raises(CommandError) as error:
        load(fixtures=fixtures)
    message = str(error.value)
    assert "rereads.json" in message
    assert "record 1 (expert-child-protection-social-worker--chapter-basis)" in message
    assert "field 'old_value'" in message
    assert snapshot() == before
