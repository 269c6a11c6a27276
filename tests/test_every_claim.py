"""Every claim checkable: derived fields that no revert can corrupt, position changes
told as events, the words behind each position, merged slugs that move for good,
the first load that is not news, and the admin refusing an unbacked position or a
citation changed or deleted from under a claim."""

import datetime
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from pytest_django.asserts import assertContains, assertNotContains

from recommendations.models import Chapter, GovernmentUpdate, Mission, Recommendation
from review_portal.lib.curation import FIRST_LOAD
from sources.models import Citation
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
    csv = client.get("/recommendations.csv").getvalue().decode()
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
    assert (
        "<title>Care for every child: the government's position changed from "
        "Rejected to Accepted</title>"
    ) in feed
    assert event in feed


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


def test_a_merged_slug_moves_its_history_and_api_address_for_good_too(
    client, make_recommendation
):
    make_recommendation(slug="survivor", former_slugs=["duplicate"])
    history = client.get("/recommendations/duplicate/history/", {"page": "2"})
    assert history.status_code == 301
    assert history["Location"] == "/recommendations/survivor/history/?page=2"
    api = client.get("/api/recommendations/duplicate/")
    assert api.status_code == 301
    assert api["Location"] == "/api/recommendations/survivor/"
    assert client.get("/recommendations/never-was/history/").status_code == 404
    assert client.get("/api/recommendations/never-was/").status_code == 404
    # Only recommendations are merged: another kind of history is simply not found.
    assert client.get("/chapters/duplicate/history/").status_code == 404


def test_lists_count_recommendations_unless_other_kinds_are_chosen(
    client, make_recommendation
):
    make_recommendation(slug="one", title="One ask")
    make_recommendation(slug="group", title="A group", kind="umbrella")
    assert client.get("/recommendations/").context["paginator"].count == 1
    both = client.get("/recommendations/?kind=recommendation&kind=umbrella")
    assert both.context["paginator"].count == 2


def test_chapters_and_missions_count_recommendations_not_the_other_kinds(
    make_recommendation, make_chapter, mission
):
    empty = make_chapter(slug="empty")
    make_recommendation(slug="one").missions.add(mission)
    make_recommendation(slug="group", kind="umbrella").missions.add(mission)
    make_recommendation(slug="a-topic", kind="topic")
    assert list(Recommendation.objects.counted().values_list("slug", flat=True)) == [
        "one"
    ]
    counts = {c.slug: c.n_recommendations for c in Chapter.objects.with_counts()}
    assert counts == {"chapter-one": 1, empty.slug: 0}
    assert [m.n_recommendations for m in Mission.objects.with_counts()] == [1]


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


def test_the_admin_refuses_a_number_no_cited_excerpt_holds(curator_client, tracked):
    update = tracked.government_updates.get(slug="second")
    url = f"/admin/recommendations/governmentupdate/{update.pk}/change/"
    data = form_data(curator_client.get(url))
    data["detail"] = "Ministers put £200m into it, about a fifth of the ask."
    refused = curator_client.post(url, data)
    assert refused.status_code == 200
    assertContains(refused, "detail: number(s) 200 in no excerpt this record cites")
    update.refresh_from_db()
    assert "200" not in update.detail
    # Moved to the inference, the arithmetic is ours, labelled as such: saved.
    data["detail"] = "Ministers put money into it."
    data["inference"] = "£200m, about a fifth of the ask."
    assert curator_client.post(url, data).status_code == 302


@pytest.mark.parametrize(
    "description, name",
    [
        # A person the data knows (claims.PEOPLE) ...
        ("Will Quince told MPs the same day.", "Will Quince"),
        # ... and one nobody listed, found by the honorific.
        ("Sir Alan Wood told MPs the same day.", "Alan Wood"),
    ],
)
def test_the_admin_refuses_a_person_no_cited_excerpt_names(
    curator_client, make_event, make_citation, make_source, description, name
):
    event = make_event(slug="published", title="The report is published")
    make_citation(
        slug="published-words",
        source=make_source(capture="cited"),
        excerpt="The final report was published today.",
        timeline_event=event,
    )
    url = f"/admin/recommendations/timelineevent/{event.pk}/change/"
    data = form_data(curator_client.get(url))
    data["description"] = description
    refused = curator_client.post(url, data)
    assert refused.status_code == 200
    assertContains(
        refused, f"description: names {name}, whom no excerpt this record cites"
    )
    event.refresh_from_db()
    assert event.description == ""


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


def test_feed_entries_name_the_recommendation_a_quotation_concerns(
    client, tracked, make_citation
):
    news = tracked.government_updates.get(slug="second").citations.first().source
    make_citation(
        slug="direct-words",
        source=news,
        excerpt="A direct quotation.",
        recommendation=tracked,
    )
    feed = client.get("/changes/feed/").content.decode()
    assert (
        "<title>Care for every child: new quotation from Community Care</title>" in feed
    )
    # A quotation behind a government update is part of the update's entry.
    assert (
        "<title>Care for every child: new government update (1 March 2024)</title>"
        in feed
    )
    assert "Source: Community Care: “Ministers said they would not do it.”" in feed


# The claims check on a citation's own admin page: a change or a deletion there may
# take away what a claim of the record it supports rests on.


def citation_url(citation, action="change"):
    return f"/admin/sources/citation/{citation.pk}/{action}/"


@pytest.fixture
def position_words(tracked):
    """The only citation that supports the latest update's position."""
    return Citation.objects.get(slug="second-words")


def test_the_admin_refuses_blanking_what_the_only_position_citation_supports(
    curator_client, position_words
):
    url = citation_url(position_words)
    data = form_data(curator_client.get(url))
    data["supports"] = ""
    refused = curator_client.post(url, data)
    assert refused.status_code == 200
    assertContains(refused, "field &#x27;position&#x27;: no citation supports the")
    position_words.refresh_from_db()
    assert position_words.supports == "position"
    # A change that takes nothing away is saved, even though the update's date was
    # unbacked before (that is the update's own admin's to refuse).
    data["supports"] = "position"
    data["slug"] = "second-words-renamed"
    assert curator_client.post(url, data).status_code == 302
    position_words.refresh_from_db()
    assert position_words.slug == "second-words-renamed"


def test_the_admin_refuses_reverting_a_citation_to_a_version_that_supported_nothing(
    curator_client, position_words
):
    position_words.supports = ""
    position_words.save()
    blank = position_words.history.first()
    position_words.supports = "position"
    position_words.save()
    url = f"{citation_url(position_words, 'history')}{blank.history_id}/"
    refused = curator_client.post(url, form_data(curator_client.get(url)))
    assert refused.status_code == 200
    assertContains(refused, "no citation supports the position")
    position_words.refresh_from_db()
    assert position_words.supports == "position"


def test_the_admin_refuses_an_excerpt_rewritten_so_that_it_no_longer_holds_the_value(
    curator_client, make_figure, make_citation, make_source
):
    figure = make_figure(slug="carers", value=Decimal("9000"), unit="carers")
    words = make_citation(
        slug="carers-words",
        source=make_source(capture="cited"),
        excerpt="more than 9,000 foster carers",
        supports="value",
        key_figure=figure,
    )
    url = citation_url(words)
    data = form_data(curator_client.get(url))
    data["excerpt"] = "many foster carers"
    refused = curator_client.post(url, data)
    assert refused.status_code == 200
    assertContains(refused, "field &#x27;value&#x27;: no supports=&#x27;value&#x27;")
    words.refresh_from_db()
    assert words.excerpt == "more than 9,000 foster carers"


def test_the_admin_refuses_moving_the_only_position_citation_to_another_record(
    curator_client, tracked, position_words
):
    first = tracked.government_updates.get(slug="first")
    url = citation_url(position_words)
    data = form_data(curator_client.get(url))
    data["government_update"] = first.pk
    refused = curator_client.post(url, data)
    assert refused.status_code == 200
    assertContains(refused, "no citation supports the position")
    position_words.refresh_from_db()
    assert position_words.government_update.slug == "second"


def test_the_admin_refuses_to_delete_the_only_position_citation(
    curator_client, tracked, position_words
):
    url = citation_url(position_words, "delete")
    change = citation_url(position_words)
    for response in [
        curator_client.get(url),
        curator_client.post(url, {"post": "yes"}),
    ]:
        assert response.status_code == 302
        assert response["Location"] == change
    page = curator_client.get(change)
    assertContains(page, "Not deleted: Government update")
    assertContains(page, "field &#x27;position&#x27;: no citation supports the")
    assert Citation.objects.filter(pk=position_words.pk).exists()
    # A citation no claim needs can go.
    extra = Citation.objects.create(
        slug="extra-words",
        source=position_words.source,
        excerpt="They said it again.",
        supports="position",
        government_update=position_words.government_update,
    )
    response = curator_client.post(citation_url(extra, "delete"), {"post": "yes"})
    assert response.status_code == 302
    assert not Citation.objects.filter(pk=extra.pk).exists()
    tracked.refresh_from_db()
    assert tracked.position == "rejected"


def test_the_admin_refuses_to_bulk_delete_citations_a_claim_rests_on(
    curator_client, tracked, position_words
):
    status_words = Citation.objects.get(slug="second-status")
    selected = {
        "action": "delete_selected",
        "_selected_action": [position_words.pk, status_words.pk],
    }
    for data in [selected, {**selected, "post": "yes"}]:
        response = curator_client.post("/admin/sources/citation/", data, follow=True)
        assertContains(response, "field &#x27;position&#x27;: no citation supports")
        assertContains(response, "field &#x27;delivery_status&#x27;: no citation")
    assert (
        Citation.objects.filter(pk__in=[position_words.pk, status_words.pk]).count()
        == 2
    )
    # The older update's words are not all a claim rests on once it has its own
    # position citation twice over: one of them may go, through the same action.
    first_words = Citation.objects.get(slug="first-words")
    spare = Citation.objects.create(
        slug="first-words-again",
        source=first_words.source,
        excerpt="We will take forward part of this.",
        supports="position",
        government_update=first_words.government_update,
    )
    response = curator_client.post(
        "/admin/sources/citation/",
        {"action": "delete_selected", "_selected_action": [spare.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not Citation.objects.filter(pk=spare.pk).exists()
