"""Every claim checkable: derived fields that no revert can corrupt, position changes
told as events, the words behind each position, merged slugs that move for good,
the first load that is not news, and the admin refusing an unbacked position."""

import datetime
import json

import pytest
from django.core.management import CommandError, call_command
from pytest_django.asserts import assertContains, assertNotContains

from recommendations.models import GovernmentUpdate, Recommendation
from review_portal.lib.curation import FIRST_LOAD
from tests.test_curation import form_data
from tests.test_load_review import MINI, copy_of, load, read, write


@pytest.fixture
def tracked(make_recommendation, make_update, make_citation, make_source):
    """A recommendation partially accepted, then rejected, each cited for its field."""
    gov = make_source(
        slug="gov", publisher="GOV.UK", kind="government", capture="cited"
    )
    news = make_source(slug="news", publisher="Community Care", capture="cited")
    recommendation = make_recommendation(slug="a-rec", title="Care for every child")
    first = make_update(
        recommendation=recommendation,
        slug="first",
        date=datetime.date(2023, 2, 2),
        position="partially_accepted",
    )
    make_citation(
        slug="first-words",
        source=gov,
        excerpt="We will take forward part of this.",
        supports="position",
        government_update=first,
    )
    second = make_update(
        recommendation=recommendation,
        slug="second",
        date=datetime.date(2024, 3, 1),
        position="rejected",
        delivery_status="not_started",
    )
    make_citation(
        slug="second-words",
        source=news,
        excerpt="Ministers said they would not do it.",
        supports="position",
        government_update=second,
    )
    make_citation(
        slug="second-status",
        source=news,
        excerpt="Nothing has begun.",
        supports="delivery_status",
        government_update=second,
    )
    recommendation.refresh_from_db()
    return recommendation


def snapshot(client, recommendation):
    """What the tracker, the list counts, the CSV and the API say about it."""
    api = client.get(f"/api/recommendations/{recommendation.slug}/").json()
    csv = client.get("/recommendations.csv").content.decode()
    tracker = client.get("/tracker/").content.decode()
    listed = client.get("/recommendations/?position=rejected").context["paginator"]
    return (
        recommendation.position,
        recommendation.delivery_status,
        api["position"],
        api["delivery_status"],
        csv,
        tracker,
        listed.count,
    )


def test_an_edit_then_a_revert_leaves_position_status_tracker_csv_and_api(
    client, curator_client, tracked
):
    assert (tracked.position, tracked.delivery_status) == ("rejected", "not_started")
    before = snapshot(client, tracked)
    url = f"/admin/recommendations/recommendation/{tracked.pk}/change/"
    data = form_data(curator_client.get(url))
    data["summary"] = "A curator's new summary."
    assert curator_client.post(url, data).status_code == 302
    original = tracked.history.order_by("history_date", "history_id").first()
    revert = f"/admin/recommendations/recommendation/{tracked.pk}/history/{original.history_id}/"
    response = curator_client.post(revert, form_data(curator_client.get(revert)))
    assert response.status_code == 302
    tracked.refresh_from_db()
    assert tracked.summary != "A curator's new summary."
    assert snapshot(client, tracked) == before


def test_a_position_change_is_a_public_event_naming_date_and_source(
    client, tracked, make_update, make_citation
):
    gov = tracked.government_updates.get(slug="first").citations.get().source
    third = make_update(
        recommendation=tracked,
        slug="third",
        date=datetime.date(2025, 6, 1),
        position="accepted",
    )
    make_citation(
        slug="third-words",
        source=gov,
        excerpt="We accept it.",
        supports="position",
        government_update=third,
    )
    tracked.refresh_from_db()
    assert tracked.position == "accepted"
    event = "Government position changed: Rejected → Accepted, on 1 June 2025, source GOV.UK"
    assertContains(client.get("/changes/"), event)
    assertContains(client.get(f"/recommendations/{tracked.slug}/history/"), event)
    feed = client.get("/changes/feed/").content.decode()
    assert f"{event}: “Care for every child”" in feed


def test_the_page_quotes_the_words_behind_position_and_status_and_whose_they_are(
    client, tracked
):
    response = client.get(f"/recommendations/{tracked.slug}/")
    assertContains(response, "“Ministers said they would not do it.”")
    assertContains(response, "“Nothing has begun.”")
    assertContains(response, "As reported by Community Care")
    # The older update's words are not what gives the position now.
    assertNotContains(response, "The government's own words, published by GOV.UK")


def test_a_merged_slug_answers_301_to_the_record_that_absorbed_it(
    client, make_recommendation
):
    survivor = make_recommendation(slug="survivor", former_slugs=["duplicate"])
    response = client.get("/recommendations/duplicate/")
    assert response.status_code == 301
    assert response["Location"] == survivor.get_absolute_url()
    assert client.get("/recommendations/never-was/").status_code == 404


def test_lists_count_recommendations_unless_other_kinds_are_chosen(
    client, make_recommendation
):
    make_recommendation(slug="one", title="One ask")
    make_recommendation(slug="group", title="A group", kind="umbrella")
    assert client.get("/recommendations/").context["paginator"].count == 1
    both = client.get("/recommendations/?kind=recommendation&kind=umbrella")
    assert both.context["paginator"].count == 2


def test_the_admin_refuses_a_position_no_citation_supports(
    curator_client, make_recommendation, make_source
):
    recommendation = make_recommendation(slug="plain", title="Plain")
    source = make_source(
        slug="src", capture="cited", published_on=datetime.date(2024, 5, 1)
    )
    add = "/admin/recommendations/governmentupdate/add/"
    data = form_data(curator_client.get(add))
    data.update(
        recommendation=recommendation.pk,
        slug="new-update",
        date="2024-05-01",
        date_precision="day",
        position="accepted",
        detail="The government accepted it.",
        **{
            "citations-TOTAL_FORMS": "1",
            "citations-0-slug": "new-words",
            "citations-0-source": source.pk,
            "citations-0-excerpt": "We accept it.",
            "citations-0-supports": "",
        },
    )
    refused = curator_client.post(add, data)
    assert refused.status_code == 200
    assertContains(refused, "position")
    assert not GovernmentUpdate.objects.filter(slug="new-update").exists()
    data["citations-0-supports"] = "position"
    assert curator_client.post(add, data).status_code == 302
    assert Recommendation.objects.get(pk=recommendation.pk).position == "accepted"


def test_the_first_load_is_not_news(db, client):
    load(fixtures=MINI)
    first_load = Recommendation.history.filter(history_change_reason=FIRST_LOAD)
    anchors = [f"change-recommendation-{h.history_id}" for h in first_load]
    assert anchors
    changes = client.get("/changes/", {"type": "recommendation"})
    assert changes.context["page_obj"].paginator.count == 0
    feed = client.get("/changes/feed/", {"type": "recommendation"}).content.decode()
    assert "<entry>" not in feed
    # A later load's changes are news.
    recommendation = Recommendation.objects.get(slug=first_load[0].slug)
    recommendation.summary = "Edited by hand."
    recommendation.save()
    load("--force", fixtures=MINI)
    assert (
        client.get("/changes/", {"type": "recommendation"})
        .context["page_obj"]
        .paginator.count
    )


def test_last_updated_is_when_the_content_changed_not_when_it_was_loaded(
    db, client, tmp_path
):
    folder = copy_of(MINI, tmp_path)
    records = read(folder, "recommendations.json")
    records[0]["changed_on"] = "2023-01-02"
    write(folder, "recommendations.json", records)
    load(fixtures=folder)
    slug = records[0]["fields"]["slug"]
    assertContains(
        client.get(f"/recommendations/{slug}/"),
        'Last updated <time datetime="2023-01-02',
    )
    # Export writes the same date back, so every machine that loads it agrees.
    out = tmp_path / "out"
    call_command("export_review", str(out), verbosity=0)
    exported = json.loads((out / "recommendations.json").read_text())
    assert {r["fields"]["slug"]: r["changed_on"] for r in exported}[slug] == (
        "2023-01-02"
    )


def test_a_changed_on_that_is_not_a_date_is_refused_by_name(db, tmp_path):
    folder = copy_of(MINI, tmp_path)
    records = read(folder, "missions.json")
    records[0]["changed_on"] = "last Tuesday"
    write(folder, "missions.json", records)
    with pytest.raises(CommandError, match="missions.json, record 1.*changed_on"):
        load(fixtures=folder)
    assert not Recommendation.objects.exists()


def test_feed_entries_name_the_recommendation_a_quotation_concerns(client, tracked):
    feed = client.get("/changes/feed/").content.decode()
    assert "<title>Citation “A source's words on “Care for every child”” added" in feed
