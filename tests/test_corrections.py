import pytest
from django.core.cache import cache
from django.test import Client
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from sources.corrections import THROTTLE_LIMIT, public_page, record_at_path
from sources.models import Correction, CorrectionStatus

pytestmark = pytest.mark.django_db

MESSAGE = "The chapter number is 3, not 1: see page 12 of the report."


@pytest.fixture(autouse=True)
def _empty_cache():
    # The throttle counts in the cache, which outlives a test.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def recommendation(make_recommendation):
    return make_recommendation()


def report(client, page="/recommendations/recommendation-1/", headers=None, **fields):
    data = {"page": page, "message": MESSAGE, "source": "", "email": "", "website": ""}
    return client.post("/report/", {**data, **fields}, headers=headers)


def test_every_public_page_links_to_the_report_form(client, recommendation):
    response = client.get("/recommendations/recommendation-1/")
    assertContains(
        response,
        'href="/report/?page=/recommendations/recommendation-1/"',
    )
    assertContains(response, "Report a problem with this page")


def test_report_form_is_a_plain_accessible_form(client, recommendation):
    response = client.get("/report/", {"page": "/recommendations/recommendation-1/"})
    assertContains(
        response, '<label class="govuk-label govuk-label--m" for="id_message">'
    )
    assertContains(response, 'name="csrfmiddlewaretoken"')
    assertContains(
        response,
        '<input type="hidden" name="page" value="/recommendations/recommendation-1/">',
    )
    assertContains(response, 'href="/recommendations/recommendation-1/"')
    # The honeypot is out of sight, out of the tab order and of screen readers.
    assertContains(response, '<div class="govuk-visually-hidden" aria-hidden="true">')
    assertContains(
        response,
        '<input id="id_website" name="website" type="text" value="" tabindex="-1" autocomplete="off">',
    )
    # The form page does not offer to report a problem with itself.
    assertNotContains(response, "/report/?page=")


def test_a_correction_reaches_the_admin_queue_linked_to_its_record(
    client, admin_client, recommendation
):
    response = report(client, email="reader@example.org", source="The final report")
    assert response.status_code == 302
    assert response["Location"].startswith(
        "/report/thanks/?page=%2Frecommendations%2Frecommendation-1%2F&ref=RP-000"
    )
    correction = Correction.objects.get()
    assert (
        correction.page,
        correction.record_model,
        correction.record_slug,
        correction.message,
        correction.source,
        correction.email,
        correction.status,
    ) == (
        "/recommendations/recommendation-1/",
        "recommendations.recommendation",
        "recommendation-1",
        MESSAGE,
        "The final report",
        "reader@example.org",
        CorrectionStatus.NEW,
    )
    record_url = "/admin/recommendations/recommendation/?slug=recommendation-1"
    assert correction.record_admin_url == record_url

    queue = admin_client.get("/admin/sources/correction/", {"status__exact": "new"})
    assert list(queue.context["cl"].result_list) == [correction]
    assertContains(queue, MESSAGE[:40])
    assertContains(queue, f'href="{record_url}"')
    record = admin_client.get(record_url)
    assert list(record.context["cl"].result_list) == [recommendation]


def test_thanks_page_links_back_and_repeats_nothing(client, recommendation):
    response = report(client, follow=False)
    thanks = client.get(response["Location"])
    assertContains(thanks, "Thank you for your report")
    assertContains(thanks, 'href="/recommendations/recommendation-1/"')
    assertNotContains(thanks, MESSAGE)


@pytest.mark.parametrize(
    "page",
    ["/recommendations/", "/recommendations/no-such-record/", "/no-such-page/"],
)
def test_a_page_that_is_not_a_record_is_stored_without_a_record(client, db, page):
    response = report(client, page=page)
    assert response.status_code == 302
    assert response["Location"].startswith(
        f"/report/thanks/?page={page.replace('/', '%2F')}&ref=RP-"
    )
    correction = Correction.objects.get()
    assert (correction.page, correction.record_model, correction.record_slug) == (
        page,
        "",
        "",
    )
    assert correction.record_admin_url == ""


def test_record_of_finds_every_kind_of_detail_page(
    recommendation, chapter, mission, make_response
):
    response = make_response()
    assert record_at_path("/chapters/chapter-one/") == (
        "recommendations.chapter",
        "chapter-one",
    )
    assert record_at_path("/missions/mission-one/") == (
        "recommendations.mission",
        "mission-one",
    )
    assert record_at_path("/sources/captured/") == (
        "sources.sourcedocument",
        "captured",
    )
    assert record_at_path("/organisations/an-org/") == (
        "sources.organisation",
        "an-org",
    )
    assert record_at_path(f"/responses/{response.slug}/") == (
        "sources.stakeholderresponse",
        response.slug,
    )


@pytest.mark.parametrize(
    "value",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "javascript:alert(1)",
        "recommendations/",
        "/" + "a" * 600,
        "/a\x00b/",
        "/a\nb/",
        "http://[::1/",
    ],
)
def test_only_paths_of_this_site_are_kept_as_the_page(value):
    assert public_page(value) == ""


def test_the_query_string_is_not_part_of_the_page():
    assert public_page("/recommendations/?status=open#top") == "/recommendations/"


def test_csrf_is_enforced(db):
    client = Client(enforce_csrf_checks=True)
    assert report(client).status_code == 403
    assert not Correction.objects.exists()

    # The same post with the token from the form goes through.
    client.get("/report/")
    token = client.cookies["csrftoken"].value
    response = report(client, page="", csrfmiddlewaretoken=token)
    assert response.status_code == 302
    assert response["Location"].startswith("/report/thanks/?ref=RP-")
    assert Correction.objects.count() == 1


def test_a_flood_from_one_client_is_throttled_but_not_other_clients(client, db):
    for _ in range(THROTTLE_LIMIT):
        assert report(client, page="").status_code == 302
    response = report(client, page="", message="One too many")
    assert response.status_code == 429
    assertContains(
        response, "You have sent several reports in a short time", status_code=429
    )
    # What the visitor wrote is kept in the form, not lost.
    assertContains(response, "One too many", status_code=429)
    assert Correction.objects.count() == THROTTLE_LIMIT

    other = Client(REMOTE_ADDR="192.0.2.99")
    assert report(other, page="").status_code == 302
    assert Correction.objects.count() == THROTTLE_LIMIT + 1


def test_behind_a_proxy_clients_are_told_apart_by_the_last_forwarded_hop(
    client, db, settings
):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

    def forwarded_for(hops):
        return report(client, page="", headers={"x-forwarded-for": hops}).status_code

    # A client cannot escape the throttle by sending its own X-Forwarded-For: the
    # proxy appends the address it saw last.
    for n in range(THROTTLE_LIMIT):
        assert forwarded_for(f"10.0.0.{n}, 198.51.100.7") == 302
    assert forwarded_for("10.9.9.9, 198.51.100.7") == 429
    assert forwarded_for("198.51.100.8") == 302
    # A hop that is not an address is not trusted: REMOTE_ADDR counts instead.
    assert forwarded_for("198.51.100.7, not an address") == 302
    # Without a proxy, the header is ignored: every post here came from 127.0.0.1.
    settings.SECURE_PROXY_SSL_HEADER = None
    assert forwarded_for("198.51.100.9") == 302
    assert report(client, page="").status_code == 302


def test_a_filled_honeypot_is_thanked_but_not_stored(client, recommendation):
    response = report(client, website="https://spam.example/")
    assertRedirects(
        response, "/report/thanks/?page=%2Frecommendations%2Frecommendation-1%2F"
    )
    assert not Correction.objects.exists()


def test_missing_and_invalid_answers_are_explained(client, db):
    response = client.post(
        "/report/",
        {"page": "/", "message": "", "email": "not an email", "source": "s" * 501},
    )
    assert response.status_code == 200
    assertContains(response, "Error: Report a problem")
    assertContains(
        response, '<a href="#id_message">Enter what is wrong with the page</a>'
    )
    assertContains(
        response,
        "Enter an email address in the correct format, like name@example.com",
    )
    assertContains(response, "The source must be 500 characters or fewer")
    assertContains(
        response,
        'class="govuk-textarea govuk-js-character-count govuk-textarea--error"',
    )
    assertContains(response, 'aria-describedby="id_email-hint id_email-error"')
    assert not Correction.objects.exists()


def test_a_message_over_the_limit_is_refused(client, db):
    response = report(client, page="", message="x" * 2001)
    assertContains(response, "What is wrong must be 2,000 characters or fewer")
    assert not Correction.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"message": "\x00"},
        {"message": "<script>alert(1)</script>", "page": "<script>alert(1)</script>"},
        {"message": "ok", "page": "/\x00/"},
        {"message": "ok", "page": "http://[::1"},
        {"message": "ok", "page": "/" * 5000},
        {"message": "ok", "page": "/recommendations/%ff%fe/"},
        {"message": "ok", "page": "/recommendations/../admin/"},
        {"message": "ok", "email": "a@" + "b" * 300 + ".org"},
        {"message": "ok", "email": "\x00@example.org"},
        {"message": "ok", "source": "\x00"},
        {"message": "ok", "website": "\x00"},
        {"message": ["one", "two"], "page": ["/a/", "/b/"]},
        {"message": "ok\u202e\ud7ff\U0001f600", "source": "\u0000"},
    ],
)
def test_hostile_input_never_fails(client, db, data):
    response = client.post("/report/", data)
    assert response.status_code in {200, 302}
    assertNotContains(response, "<script>alert(1)", status_code=response.status_code)


@pytest.mark.parametrize(
    "query",
    [
        {"page": "<script>alert(1)</script>"},
        {"page": "\x00"},
        {"page": "javascript:alert(1)"},
        {"page": "/" * 5000},
        {"page": ["/a/", "/b/"]},
    ],
)
def test_hostile_query_strings_never_fail(client, db, query):
    for url in ["/report/", "/report/thanks/"]:
        response = client.get(url, query)
        assert response.status_code == 200
        assertNotContains(response, "<script>alert(1)")
        assertNotContains(response, 'href="javascript:')


def test_no_public_page_shows_what_the_public_sent(
    client, recommendation, mission, make_response
):
    report(
        client,
        message="Secret words zqxjv from a reader",
        source="Source zqxjv",
        email="zqxjv@example.org",
    )
    assert Correction.objects.count() == 1
    pages = [
        "/",
        "/recommendations/",
        "/recommendations/recommendation-1/",
        "/chapters/",
        "/chapters/chapter-one/",
        "/missions/",
        "/missions/mission-one/",
        "/sources/",
        "/sources/captured/",
        "/organisations/",
        "/organisations/an-org/",
        f"/responses/{make_response().slug}/",
        "/responses/",
        "/publications/",
        "/key-figures/",
        "/timeline/",
        "/search/?q=zqxjv",
        "/search/?q=reader",
        "/report/",
        "/report/thanks/",
        "/sitemap.xml",
    ]
    sent = [b"words zqxjv from", b"Source zqxjv", b"zqxjv@example.org"]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        # The search page repeats the query, zqxjv, but must find nothing.
        assert not any(text in response.content for text in sent), page


def test_curators_work_the_queue_but_cannot_add_to_it(client, curator, recommendation):
    report(client)
    correction = Correction.objects.get()
    client.force_login(curator)
    assert client.get("/admin/sources/correction/").status_code == 200
    assert client.get("/admin/sources/correction/add/").status_code == 403
    change = f"/admin/sources/correction/{correction.pk}/change/"
    response = client.get(change)
    # What the public wrote cannot be changed, only the status and the note.
    assert set(response.context["adminform"].form.fields) == {"status", "curator_note"}
    response = client.post(
        change, {"status": "accepted", "curator_note": "Chapter corrected."}
    )
    assertRedirects(response, "/admin/sources/correction/")
    correction.refresh_from_db()
    assert (correction.status, correction.handled_by, correction.message) == (
        CorrectionStatus.ACCEPTED,
        curator,
        MESSAGE,
    )
    assert (
        client.get(f"/admin/sources/correction/{correction.pk}/delete/").status_code
        == 403
    )


@pytest.mark.parametrize(
    ("action", "status"),
    [("mark_accepted", "accepted"), ("mark_declined", "declined")],
)
def test_queue_actions_set_the_status_and_who_handled_it(
    client, curator, db, action, status
):
    for _ in range(3):
        report(client, page="")
    chosen = list(Correction.objects.order_by("pk")[:2])
    client.force_login(curator)
    response = client.post(
        "/admin/sources/correction/",
        {"action": action, "_selected_action": [c.pk for c in chosen]},
    )
    assertRedirects(response, "/admin/sources/correction/")
    assert sorted(
        Correction.objects.values_list("status", "handled_by__username")
    ) == sorted([(status, "curator"), (status, "curator"), ("new", None)])


def test_the_thank_you_page_gives_a_reference_number(client, recommendation):
    page = recommendation.get_absolute_url()
    response = client.post("/report/", {"page": page, "message": "Wrong date"})
    correction = Correction.objects.get()
    assert correction.reference == f"RP-{correction.pk:06d}"
    thanks = client.get(response["Location"])
    assertContains(thanks, correction.reference)
    assertContains(thanks, f"Go back to “{recommendation}”")
    # Only a reference the portal signed is shown.
    forged = client.get("/report/thanks/?ref=RP-999999")
    assertNotContains(forged, "RP-999999")


def test_the_form_names_the_page_by_its_title(client, recommendation):
    response = client.get(f"/report/?page={recommendation.get_absolute_url()}")
    assertContains(response, f"“{recommendation.title}”")
    assertContains(client.get("/report/?page=/recommendations/"), "“Recommendations”")


def test_an_accepted_correction_shows_in_the_record_history_without_the_reporter(
    client, recommendation
):
    client.post(
        "/report/",
        {
            "page": recommendation.get_absolute_url(),
            "message": "The secret detail",
            "email": "reporter@example.org",
        },
    )
    correction = Correction.objects.get()
    history = f"{recommendation.get_absolute_url()}history/"
    assertNotContains(client.get(history), correction.reference)

    correction.status = "accepted"
    correction.save()
    response = client.get(history)
    assertContains(response, "Corrected after a report from the public")
    assertContains(response, correction.reference)
    assertNotContains(response, "reporter@example.org")
    assertNotContains(response, "The secret detail")
