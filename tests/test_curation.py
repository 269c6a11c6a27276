from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from pytest_django.asserts import assertContains, assertRedirects

from recommendations.models import Chapter, Mission, Recommendation
from sources.loading import FIXTURE_FILES
from sources.models import Citation
from tests.test_load_review import MINI, load

pytestmark = pytest.mark.django_db

CURATED = [apps.get_model(label) for _, label in FIXTURE_FILES]
CHANGELIST = "/admin/recommendations/recommendation/"


@pytest.fixture
def recommendations(make_recommendation):
    return [make_recommendation() for _ in range(3)]


@pytest.fixture
def other_mission(review):
    return Mission.objects.create(
        review=review, slug="mission-two", number=2, title="Another mission"
    )


@pytest.fixture
def other_chapter(review):
    return Chapter.objects.create(
        review=review, slug="chapter-two", number=2, title="Two"
    )


def form_data(response):
    """The POST data of an admin change form as rendered, inlines included."""
    forms = [response.context["adminform"].form]
    # A history (revert) page has no inlines.
    for inline in response.context.get("inline_admin_formsets", []):
        forms += [inline.formset.management_form, *inline.formset.forms]
    data = {}
    for form in forms:
        for field in form:
            value = field.value()
            if value is None or value is False:
                continue
            data[field.html_name] = "on" if value is True else value
            if field.field.show_hidden_initial:
                # A field with a callable default (former_slugs=list) also renders
                # its initial value in a hidden input, which the browser posts.
                data[field.html_initial_name] = field.field.prepare_value(field.initial)
    return data


def edit_title(client, recommendation, title):
    url = f"{CHANGELIST}{recommendation.pk}/change/"
    data = form_data(client.get(url))
    data["title"] = title
    assertRedirects(client.post(url, data), CHANGELIST)


def run_action(client, action, records, **fields):
    return client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [r.pk for r in records], **fields},
    )


def flagged(model=Recommendation):
    return set(model.objects.filter(needs_review=True).values_list("slug", flat=True))


def test_add_a_mission_to_several_recommendations(
    curator_client, curator, recommendations, mission, other_mission
):
    first, second, third = recommendations
    first.missions.add(other_mission)  # already there: left alone
    entries = first.history.count()

    page = run_action(curator_client, "add_mission", [first, second])
    assert page.status_code == 200
    assertContains(page, "Add a mission to recommendations")
    assertContains(page, '<input type="hidden" name="action" value="add_mission">')
    for recommendation in [first, second]:
        assertContains(page, f'name="_selected_action" value="{recommendation.pk}"')
    assert not second.missions.exists()  # nothing changes before "apply"

    response = run_action(
        curator_client,
        "add_mission",
        [first, second],
        mission=other_mission.pk,
        apply="Add the mission",
    )
    assertRedirects(response, CHANGELIST)
    assert set(second.missions.all()) == {other_mission}
    assert set(first.missions.all()) == {other_mission}
    assert not third.missions.exists()
    assert flagged() == {second.slug}

    latest = second.history.first()
    assert latest.history_user == curator
    assert latest.history_change_reason == "Added the mission mission-two"
    assert [m.mission_id for m in latest.missions.all()] == [other_mission.pk]
    assert latest.needs_review
    assert first.history.count() == entries


def test_set_the_chapter_of_several_recommendations(
    curator_client, curator, recommendations, chapter, other_chapter
):
    first, second, third = recommendations
    page = run_action(curator_client, "set_chapter", [first, second])
    assertContains(page, "Set the chapter of recommendations")

    response = run_action(
        curator_client,
        "set_chapter",
        [first, second],
        chapter=other_chapter.pk,
        apply="Set the chapter",
    )
    assertRedirects(response, CHANGELIST)
    assert dict(Recommendation.objects.values_list("slug", "chapter__slug")) == {
        first.slug: "chapter-two",
        second.slug: "chapter-two",
        third.slug: "chapter-one",
    }
    assert flagged() == {first.slug, second.slug}
    for recommendation in [first, second]:
        latest = recommendation.history.first()
        assert (latest.history_user, latest.history_change_reason) == (
            curator,
            "Moved to the chapter chapter-two",
        )
        assert latest.chapter_id == other_chapter.pk
        assert latest.prev_record.chapter_id == chapter.pk


def test_an_action_without_a_valid_choice_changes_nothing(
    curator_client, recommendations
):
    response = run_action(
        curator_client, "set_chapter", recommendations, chapter=999, apply="Set"
    )
    assert response.status_code == 200
    assert response.context["form"].errors["chapter"]
    assert set(Recommendation.objects.values_list("chapter__slug", flat=True)) == {
        "chapter-one"
    }
    assert not flagged()


def test_an_admin_save_needs_review_and_mark_reviewed_clears_it(
    curator_client, curator, recommendations
):
    first, second, third = recommendations
    edit_title(curator_client, first, "A better title")
    edit_title(curator_client, third, "Another better title")
    assert flagged() == {first.slug, third.slug}

    response = run_action(curator_client, "mark_reviewed", recommendations)
    assertRedirects(response, CHANGELIST)
    assert not flagged()
    latest = first.history.first()
    assert (latest.history_user, latest.history_change_reason) == (
        curator,
        "Marked reviewed",
    )
    assert not latest.needs_review
    assert latest.title == "A better title"
    # The record that needed no review gains no history entry.
    assert second.history.count() == 1


def test_saving_without_a_change_does_not_need_review(curator_client, recommendations):
    url = f"{CHANGELIST}{recommendations[0].pk}/change/"
    assertRedirects(
        curator_client.post(url, form_data(curator_client.get(url))), CHANGELIST
    )
    assert not flagged()


def test_a_new_record_and_a_changed_inline_row_need_review(
    curator_client, recommendations, captured_source
):
    recommendation = recommendations[0]
    url = f"{CHANGELIST}{recommendation.pk}/change/"
    data = form_data(curator_client.get(url))
    index = int(data["citations-TOTAL_FORMS"])
    data["citations-TOTAL_FORMS"] = index + 1
    data.update(
        {
            f"citations-{index}-slug": "new-citation",
            f"citations-{index}-source": captured_source.pk,
            f"citations-{index}-excerpt": "families need help",
        }
    )
    assertRedirects(curator_client.post(url, data), CHANGELIST)
    assert Citation.objects.get(slug="new-citation").needs_review
    # Only its citations changed, not the recommendation itself.
    assert not flagged()

    add = curator_client.get("/admin/sources/organisation/add/")
    data = form_data(add)
    data.update(name="A new charity", slug="a-new-charity", kind="charity")
    assertRedirects(
        curator_client.post("/admin/sources/organisation/add/", data),
        "/admin/sources/organisation/",
    )
    assert flagged(apps.get_model("sources.organisation")) == {"a-new-charity"}


def test_the_needs_review_filter_lists_exactly_the_edited_records(
    curator_client, recommendations
):
    first, second, third = recommendations
    edit_title(curator_client, second, "Edited")

    response = curator_client.get(CHANGELIST, {"needs_review__exact": "1"})
    assert list(response.context["cl"].result_list) == [second]
    assertContains(response, "Needs review")
    response = curator_client.get(CHANGELIST, {"needs_review__exact": "0"})
    assert set(response.context["cl"].result_list) == {first, third}


def test_load_leaves_needs_review_clear_and_export_clears_it(curator_client, tmp_path):
    # The mini fixtures (tests/data) serve: every file, at a fraction of the cost.
    load(fixtures=MINI)
    for model in CURATED:
        assert not model.objects.filter(needs_review=True).exists(), model

    recommendation = Recommendation.objects.order_by("slug").first()
    edit_title(curator_client, recommendation, "Edited before the export")
    assert flagged() == {recommendation.slug}

    # A reload keeps the staff edit, names its curator, and it still needs review.
    out = StringIO()
    call_command("load_review", "--fixtures", str(MINI), stdout=out)
    assert (
        f"kept {recommendation.slug}: edited since the last load (last by curator"
        in out.getvalue()
    )
    assert flagged() == {recommendation.slug}

    call_command("export_review", str(tmp_path), stdout=StringIO())
    for model in CURATED:
        assert not model.objects.filter(needs_review=True).exists(), model
    exported = (tmp_path / "recommendations.json").read_text(encoding="utf-8")
    assert "Edited before the export" in exported
    assert "needs_review" not in exported


CURATED_ADMIN = [
    f"/admin/{model._meta.app_label}/{model._meta.model_name}/" for model in CURATED
]


@pytest.mark.parametrize("url", CURATED_ADMIN)
def test_every_curated_changelist_has_the_review_column_filter_and_action(
    curator_client, url
):
    response = curator_client.get(url)
    assert response.status_code == 200
    assert "needs_review" in response.context["cl"].list_display
    assert [spec.title for spec in response.context["cl"].filter_specs][
        -1
    ] == "needs review"
    actions = dict(response.context["action_form"].fields["action"].choices)
    assert actions["mark_reviewed"] == "Mark reviewed"


def test_curators_cannot_bulk_delete_source_documents(curator_client):
    response = curator_client.get("/admin/sources/sourcedocument/")
    actions = dict(response.context["action_form"].fields["action"].choices)
    assert "delete_selected" not in actions
    assert "mark_reviewed" in actions
