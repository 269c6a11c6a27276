import datetime

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from recommendations.models import (
    Recommendation,
    Review,
)
from sources.models import (
    ChapterTitle,
    Citation,
    Commitment,
    Correction,
    LoadedRecord,
    Organisation,
    SourceDocument,
    StakeholderResponse,
)
from sources.rereads import Reread

pytestmark = pytest.mark.django_db

# "app/model" of every model staff curate, as in its admin URLs.
ADMIN_MODELS = [
    "recommendations/review",
    "recommendations/chapter",
    "recommendations/mission",
    "recommendations/recommendation",
    "recommendations/keyfigure",
    "recommendations/timelineevent",
    "recommendations/governmentupdate",
    "recommendations/discrepancy",
    "sources/sourcedocument",
    "sources/organisation",
    "sources/stakeholderresponse",
    "sources/publication",
    "sources/chaptertitle",
    "sources/citation",
    "sources/loadedrecord",
    "sources/correction",
    "sources/commitment",
    "sources/reread",
]

MISSING = "words nobody said"


def add_reread(slug, recommendation):
    return Reread.objects.create(
        slug=slug,
        recommendation=recommendation,
        field="position",
        old_value="accepted",
        new_value="under_consideration",
        reason="A promise to consult is under consideration under our rules",
        made_on=datetime.date(2026, 12, 4),
    )


@pytest.fixture
def cited_source(db):
    return SourceDocument.objects.create(
        slug="cited",
        title="A cited page",
        publisher="Another publisher",
        kind="report",
        capture="cited",
        url="https://example.org/report",
    )


@pytest.fixture
def recommendation(make_recommendation, mission):
    recommendation = make_recommendation()
    recommendation.missions.add(mission)
    return recommendation


def cite_each_target(make_citation, source, suffix, **targets):
    """A citation of `source` for each target, slugged `<target>-<suffix>`."""
    for name, target in targets.items():
        make_citation(
            slug=f"{name}-{suffix}", source=source, excerpt="Said.", **{name: target}
        )


@pytest.fixture
def records(
    review,
    chapter,
    recommendation,
    captured_source,
    cited_source,
    make_response,
    make_publication,
    make_figure,
    make_event,
    make_update,
    make_discrepancy,
    make_citation,
):
    """A row of every model, so that changelists render real rows. Only the
    recommendation's citation, the response and the chapter title quote the captured
    source; the other citations are of the cited one."""
    response = make_response()
    response.recommendations.add(recommendation)
    ChapterTitle.objects.create(
        slug="chapter-one-in-the-news",
        chapter=chapter,
        source=captured_source,
        title="families need help",
    )
    make_citation(
        slug="rec-cited",
        source=captured_source,
        excerpt="families need help",
        recommendation=recommendation,
    )
    make_citation(
        slug="study-cited",
        source=cited_source,
        excerpt="Anything",
        publication=make_publication(
            slug="a-study", title="A study", publisher="A university"
        ),
    )
    cite_each_target(
        make_citation,
        cited_source,
        "cited",
        key_figure=make_figure(slug="children-in-care", value=80000),
        timeline_event=make_event(slug="launch", date=datetime.date(2021, 1, 15)),
        review=review,
        chapter=chapter,
        government_update=make_update(slug="accepted", recommendation=recommendation),
        discrepancy=make_discrepancy(slug="how-many"),
    )
    Commitment.objects.create(
        slug="a-promise",
        recommendation=recommendation,
        promise="A promise",
        due_on=datetime.date(2022, 12, 1),
        due_precision="month",
        source=cited_source,
        excerpt="by December 2022",
    )
    LoadedRecord.objects.create(
        model="recommendations.review", key="test-review", digest="0" * 64
    )
    add_reread("a-re-reading", recommendation)
    Correction.objects.create(
        page="/chapters/chapter-one/",
        record_model="recommendations.chapter",
        record_slug="chapter-one",
        message="The title is wrong.",
    )


@pytest.fixture
def add_rows(
    make_chapter,
    make_mission,
    make_recommendation,
    make_source,
    make_response,
    make_figure,
    make_event,
    make_publication,
    make_update,
    make_discrepancy,
    make_citation,
):
    """Adds another row of every model, for checking that queries do not grow with
    rows: add_rows(n) for the n-th."""

    def add(n):
        review = Review.objects.create(slug=f"review-{n}", title=f"Review {n}")
        chapter = make_chapter(review=review, slug=f"chapter-{n}", number=1)
        recommendation = make_recommendation(
            review=review, chapter=chapter, slug=f"rec-{n}"
        )
        recommendation.missions.add(
            make_mission(review=review, slug=f"mission-{n}", number=1)
        )
        source = make_source(slug=f"source-{n}", raw_text="Said.")
        organisation = Organisation.objects.create(
            slug=f"org-{n}", name=f"Org {n}", kind="charity"
        )
        response = make_response(
            slug=f"response-{n}",
            organisation=organisation,
            stance="mixed",
            quotation="",
            source=source,
        )
        response.recommendations.add(recommendation)
        ChapterTitle.objects.create(
            slug=f"title-{n}", chapter=chapter, source=source, title="Said."
        )
        cite_each_target(
            make_citation,
            source,
            n,
            review=review,
            chapter=chapter,
            recommendation=recommendation,
            key_figure=make_figure(
                review=review, recommendation=recommendation, slug=f"figure-{n}"
            ),
            timeline_event=make_event(
                review=review, slug=f"event-{n}", date=datetime.date(2022, 1, 1)
            ),
            publication=make_publication(slug=f"study-{n}"),
            government_update=make_update(
                recommendation=recommendation,
                slug=f"update-{n}",
                delivery_status="piloted",
            ),
            discrepancy=make_discrepancy(
                review=review, recommendation=recommendation, slug=f"d-{n}"
            ),
        )
        Commitment.objects.create(
            slug=f"promise-{n}",
            recommendation=recommendation,
            promise="A promise",
            due_on=datetime.date(2023, 1, 1),
            source=SourceDocument.objects.first(),
            excerpt="in 2023",
        )
        LoadedRecord.objects.create(
            model="recommendations.review", key=f"review-{n}", digest="1" * 64
        )
        add_reread(f"re-reading-{n}", recommendation)
        Correction.objects.create(
            page=f"/chapters/chapter-{n}/",
            record_model="recommendations.chapter",
            record_slug=f"chapter-{n}",
            message="M",
            handled_by=User.objects.create_user(f"curator-{n}"),
        )

    return add


def form_data(response):
    """The POST data of an admin form as rendered: the main form and every inline."""
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    data = {}
    for form in forms:
        for field in form:
            value = field.value()
            if value is None or value is False:
                continue
            data[field.html_name] = "on" if value is True else value
    return data


def citation_formset(response):
    return next(
        inline.formset
        for inline in response.context["inline_admin_formsets"]
        if inline.formset.model is Citation
    )


def add_inline_row(data, prefix, **fields):
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = index + 1
    data.update({f"{prefix}-{index}-{name}": value for name, value in fields.items()})


def test_every_content_model_is_registered():
    registered = {
        f"{model._meta.app_label}/{model._meta.model_name}"
        for label in ["recommendations", "sources"]
        for model in apps.get_app_config(label).get_models()
        if admin.site.is_registered(model)
    }
    models = {
        f"{model._meta.app_label}/{model._meta.model_name}"
        for label in ["recommendations", "sources"]
        for model in apps.get_app_config(label).get_models()
        # django-simple-history's tables are shown through their model's history.
        if not model._meta.model_name.startswith("historical")
    }
    assert registered == models == set(ADMIN_MODELS)


@pytest.mark.parametrize("model", ADMIN_MODELS)
def test_changelist_and_change_page_answer_200(admin_client, records, model):
    response = admin_client.get(f"/admin/{model}/")
    assert response.status_code == 200
    rows = response.context["cl"].result_list
    assert len(rows) >= 1
    for row in rows:
        assert admin_client.get(f"/admin/{model}/{row.pk}/change/").status_code == 200


@pytest.mark.parametrize("model", ADMIN_MODELS)
def test_changelist_queries_do_not_grow_with_rows(
    admin_client, records, add_rows, model
):
    url = f"/admin/{model}/"
    admin_client.get(url)  # the first request warms caches (content types, ...)
    with CaptureQueriesContext(connection) as before:
        admin_client.get(url)
    add_rows(2)
    add_rows(3)
    with CaptureQueriesContext(connection) as after:
        response = admin_client.get(url)
    assert len(response.context["cl"].result_list) >= 3
    assert len(after) == len(before), [q["sql"] for q in after]


@pytest.mark.parametrize(
    "model",
    # Only commands write loaded records, and only the public adds corrections.
    [
        m
        for m in ADMIN_MODELS
        if m not in {"sources/loadedrecord", "sources/correction"}
    ],
)
def test_add_page_answers_200_with_every_editable_field(admin_client, model):
    response = admin_client.get(f"/admin/{model}/add/")
    assert response.status_code == 200
    # Fieldsets list fields by name: a field added to the model must be added here.
    opts = apps.get_model(model.replace("/", "."))._meta
    editable = {
        f.name
        for f in [*opts.fields, *opts.many_to_many]
        if f.editable and not f.auto_created
    }
    assert set(response.context["adminform"].form.fields) == editable


def test_loaded_records_are_read_only_even_for_superusers(admin_client, records):
    record = LoadedRecord.objects.get()
    assert admin_client.get("/admin/sources/loadedrecord/add/").status_code == 403
    assert (
        admin_client.get(f"/admin/sources/loadedrecord/{record.pk}/delete/").status_code
        == 403
    )
    response = admin_client.get(f"/admin/sources/loadedrecord/{record.pk}/change/")
    assert response.status_code == 200
    assertNotContains(response, 'name="_save"')


@pytest.mark.parametrize("url", ["/admin/", "/admin/recommendations/recommendation/"])
def test_anonymous_users_are_sent_to_the_login(client, url):
    assertRedirects(client.get(url), f"/admin/login/?next={url}")


def test_curators_group_permissions(curator_client):
    user = User.objects.get(username="curator")
    assert user.has_perm("recommendations.change_recommendation")
    assert user.has_perm("sources.delete_citation")
    assert user.has_perm("sources.change_sourcedocument")
    assert not user.has_perm("sources.delete_sourcedocument")
    assert user.has_perm("sources.change_reread")
    assert user.has_perm("sources.view_loadedrecord")
    assert not user.has_perm("sources.change_loadedrecord")
    assert not any(perm.startswith("auth.") for perm in user.get_all_permissions())


def test_a_flush_puts_the_curators_group_back(db):
    # A flush (as after every transactional test) deletes what the data migrations
    # made; the post_migrate handler makes the group again with the same permissions.
    group = Group.objects.get(name="Curators")
    before = set(group.permissions.values_list("codename", flat=True))
    call_command("flush", interactive=False, verbosity=0)
    after = Group.objects.get(name="Curators")
    assert set(after.permissions.values_list("codename", flat=True)) == before
    assert "delete_sourcedocument" not in before and "view_correction" in before


def test_curator_can_change_a_recommendation(curator_client, recommendation):
    url = f"/admin/recommendations/recommendation/{recommendation.pk}/change/"
    data = form_data(curator_client.get(url))
    data["title"] = "A new title"
    response = curator_client.post(url, data)
    assertRedirects(response, "/admin/recommendations/recommendation/")
    recommendation.refresh_from_db()
    assert recommendation.title == "A new title"
    assert list(recommendation.missions.values_list("slug", flat=True)) == [
        "mission-one"
    ]


@pytest.mark.parametrize(
    "url", ["/admin/auth/user/", "/admin/auth/user/add/", "/admin/auth/group/"]
)
def test_curator_cannot_manage_users(curator_client, url):
    assert curator_client.get(url).status_code == 403


def test_only_superusers_can_delete_source_documents(
    curator_client, admin_client, cited_source
):
    url = f"/admin/sources/sourcedocument/{cited_source.pk}/delete/"
    assert curator_client.get(url).status_code == 403
    assert curator_client.post(url, {"post": "yes"}).status_code == 403
    assert SourceDocument.objects.filter(pk=cited_source.pk).exists()
    assert admin_client.get(url).status_code == 200


def test_response_with_a_quotation_not_in_its_source_is_refused(
    admin_client, make_response
):
    response_row = make_response()
    url = f"/admin/sources/stakeholderresponse/{response_row.pk}/change/"
    data = form_data(admin_client.get(url))
    data["quotation"] = MISSING
    data["summary"] = "A changed summary."
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["quotation"] == [
        f"Not found word for word in the captured source “captured”: {MISSING!r}"
    ]
    assertContains(
        response, "Not found word for word in the captured source “captured”"
    )
    assertContains(response, MISSING)
    response_row.refresh_from_db()
    assert (response_row.quotation, response_row.summary) == (
        "families need help",
        "Summary of response 1.",
    )


def test_response_with_a_quotation_in_its_source_saves(admin_client, make_response):
    response_row = make_response()
    url = f"/admin/sources/stakeholderresponse/{response_row.pk}/change/"
    data = form_data(admin_client.get(url))
    data["quotation"] = "A bullet point"
    assertRedirects(admin_client.post(url, data), "/admin/sources/stakeholderresponse/")
    response_row.refresh_from_db()
    assert response_row.quotation == "A bullet point"


def test_source_text_that_drops_a_quotation_is_refused(
    admin_client, records, captured_source
):
    url = f"/admin/sources/sourcedocument/{captured_source.pk}/change/"
    data = form_data(admin_client.get(url))
    data["raw_text"] = "The review said: families need more help. A bullet point"
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["raw_text"] == [
        f"{kind} “{slug}” quotes 'families need help', which this text does not contain."
        for kind, slug in [
            ("Citation", "rec-cited"),
            ("Response", "response-1"),
            ("Chapter title", "chapter-one-in-the-news"),
        ]
    ]
    captured_source.refresh_from_db()
    assert "families need help" in captured_source.cleaned_text

    data["raw_text"] = "Before.\r\n\r\n\r\nThe review said: families need help."
    assertRedirects(admin_client.post(url, data), "/admin/sources/sourcedocument/")
    captured_source.refresh_from_db()
    assert (
        captured_source.cleaned_text
        == "Before.\n\nThe review said: families need help."
    )


def test_change_forms_show_where_the_quotation_was_found(admin_client, records):
    # The captured text is cleaned to "The review said: families need help. ..."
    response = StakeholderResponse.objects.get()
    assertContains(
        admin_client.get(f"/admin/sources/stakeholderresponse/{response.pk}/change/"),
        "Found word for word at character 18",
    )
    title = ChapterTitle.objects.get()
    assertContains(
        admin_client.get(f"/admin/sources/chaptertitle/{title.pk}/change/"),
        "Found word for word at character 18",
    )
    cited = Citation.objects.get(slug="study-cited")
    assertContains(
        admin_client.get(f"/admin/sources/citation/{cited.pk}/change/"),
        "Not checked: cited source",
    )


def test_source_document_lists_the_records_that_cite_it(
    admin_client, records, captured_source
):
    response = admin_client.get(
        f"/admin/sources/sourcedocument/{captured_source.pk}/change/"
    )
    citation = Citation.objects.get(slug="rec-cited")
    for url in [
        f"/admin/sources/citation/{citation.pk}/change/",
        f"/admin/recommendations/recommendation/{citation.recommendation_id}/change/",
        f"/admin/sources/stakeholderresponse/{StakeholderResponse.objects.get().pk}/change/",
        f"/admin/sources/chaptertitle/{ChapterTitle.objects.get().pk}/change/",
    ]:
        assertContains(response, f'href="{url}"')
    assertNotContains(
        response,
        f"/admin/sources/citation/{Citation.objects.get(slug='study-cited').pk}/",
    )


def test_citation_inline_with_a_good_excerpt_saves(
    admin_client, recommendation, captured_source
):
    url = f"/admin/recommendations/recommendation/{recommendation.pk}/change/"
    data = form_data(admin_client.get(url))
    add_inline_row(
        data,
        "citations",
        slug="new",
        source=captured_source.pk,
        excerpt="families need help",
    )
    assertRedirects(
        admin_client.post(url, data), "/admin/recommendations/recommendation/"
    )
    assert Citation.objects.get(slug="new").recommendation == recommendation


def test_citation_inline_with_a_bad_excerpt_is_refused(
    admin_client, recommendation, captured_source
):
    url = f"/admin/recommendations/recommendation/{recommendation.pk}/change/"
    data = form_data(admin_client.get(url))
    add_inline_row(
        data, "citations", slug="new", source=captured_source.pk, excerpt=MISSING
    )
    data["title"] = "Not saved either"
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert citation_formset(response).errors == [
        {
            "excerpt": [
                f"Not found word for word in the captured source “captured”: {MISSING!r}"
            ]
        }
    ]
    assert not Citation.objects.exists()
    recommendation.refresh_from_db()
    assert recommendation.title != "Not saved either"


def new_recommendation_data(admin_client, review, chapter):
    data = form_data(admin_client.get("/admin/recommendations/recommendation/add/"))
    data.update(
        review=review.pk,
        chapter=chapter.pk,
        slug="brand-new",
        title="Brand new",
        summary="Something new.",
        confidence="high",
    )
    return data


def test_citation_inline_saves_with_a_new_recommendation(
    admin_client, review, chapter, captured_source
):
    # The new recommendation has no key yet when its citations are validated.
    data = new_recommendation_data(admin_client, review, chapter)
    add_inline_row(
        data,
        "citations",
        slug="new",
        source=captured_source.pk,
        excerpt="families need help",
    )
    response = admin_client.post("/admin/recommendations/recommendation/add/", data)
    assertRedirects(response, "/admin/recommendations/recommendation/")
    assert Citation.objects.get(
        slug="new"
    ).recommendation == Recommendation.objects.get(slug="brand-new")


def test_citation_inline_with_a_bad_excerpt_is_refused_on_a_new_recommendation(
    admin_client, review, chapter, captured_source
):
    data = new_recommendation_data(admin_client, review, chapter)
    add_inline_row(
        data, "citations", slug="new", source=captured_source.pk, excerpt=MISSING
    )
    response = admin_client.post("/admin/recommendations/recommendation/add/", data)
    assert response.status_code == 200
    assert citation_formset(response).errors == [
        {
            "excerpt": [
                f"Not found word for word in the captured source “captured”: {MISSING!r}"
            ]
        }
    ]
    assert not Recommendation.objects.exists()
    assert not Citation.objects.exists()


def test_citation_must_support_exactly_one_record(
    admin_client, recommendation, review, captured_source
):
    data = form_data(admin_client.get("/admin/sources/citation/add/"))
    data.update(
        slug="two",
        source=captured_source.pk,
        excerpt="families need help",
        review=review.pk,
        recommendation=recommendation.pk,
    )
    response = admin_client.post("/admin/sources/citation/add/", data)
    assertContains(response, "A citation supports exactly one record")
    assert not Citation.objects.exists()


def test_curator_sees_the_re_readings_under_our_rules(curator_client, recommendation):
    reread = add_reread("a-re-reading", recommendation)
    listing = curator_client.get("/admin/sources/reread/?q=consult")
    assertContains(listing, "Accepted → Under consideration")
    change = curator_client.get(f"/admin/sources/reread/{reread.pk}/change/")
    assertContains(change, "A promise to consult")
