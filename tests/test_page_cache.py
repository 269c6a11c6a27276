"""Whole pages cached for anonymous readers, and never stale: after an admin edit, a
delete, a revert, a reload and an accepted correction, the next request shows the
new content (review_portal/lib/pagecache.py). Two servers sharing Redis are in
test_page_cache_servers.py."""

import json
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from pytest_django.asserts import assertContains, assertNotContains

from recommendations.models import Recommendation
from sources.models import Correction, StakeholderResponse
from tests.test_curation import form_data

MINI = Path(__file__).parent / "data" / "mini_fixtures"
CHANGE = "/admin/recommendations/recommendation/{}/change/"


@pytest.fixture(autouse=True)
def page_cache(settings):
    settings.PAGE_CACHE_ENABLED = True


@pytest.fixture
def recommendation(make_recommendation):
    return make_recommendation()


@pytest.fixture
def reader():
    """An anonymous reader: no session, so pages come from the cache."""
    return Client()


def fetch(reader, url, **headers):
    response = reader.get(url, headers=headers)
    assert response.status_code in (200, 304), (url, response.status_code)
    return response


def test_a_second_request_is_a_hit_that_costs_one_query(
    reader, recommendation, django_assert_num_queries
):
    url = recommendation.get_absolute_url()
    first = fetch(reader, url)
    assert first["X-Page-Cache"] == "miss"
    # The data version is the only query: the page itself comes from the cache.
    with django_assert_num_queries(1):
        second = fetch(reader, url)
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content
    assert second["ETag"] == first["ETag"]
    assert "no-cache" in second["Cache-Control"]
    # The headers the page was sent with, security headers included.
    for header in [
        "Content-Type",
        "Content-Security-Policy",
        "Permissions-Policy",
        "X-Frame-Options",
        "X-Content-Type-Options",
        "Referrer-Policy",
    ]:
        assert second[header] == first[header], header


def test_an_api_hit_is_its_bytes_alone(
    reader, recommendation, django_assert_num_queries
):
    """An API response is kept as its headers and body: a hit costs what a
    page's does, not the unpickling of its serializer's records."""
    first = fetch(reader, "/api/recommendations/")
    with django_assert_num_queries(1):
        second = fetch(reader, "/api/recommendations/")
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content
    assert second["Content-Type"] == "application/json"
    assert second["Vary"] == first["Vary"]


def test_the_full_query_string_is_part_of_the_key(reader, recommendation):
    fetch(reader, "/recommendations/")
    other = fetch(reader, "/recommendations/?sort=title")
    assert other["X-Page-Cache"] == "miss"


def test_a_browser_revalidates_with_a_304_until_the_data_changes(
    reader, recommendation
):
    url = recommendation.get_absolute_url()
    first = fetch(reader, url)
    again = fetch(reader, url, if_none_match=first["ETag"])
    assert again.status_code == 304
    by_date = fetch(reader, url, if_modified_since=first["Last-Modified"])
    assert by_date.status_code == 304

    recommendation.title = "A title changed since"
    recommendation.save()
    changed = fetch(reader, url, if_none_match=first["ETag"])
    assert changed.status_code == 200
    assert changed["ETag"] != first["ETag"]
    assertContains(changed, "A title changed since")


def test_what_differs_by_reader_is_never_cached(
    reader, client, curator, recommendation
):
    # A page with a form sets the reader's CSRF cookie.
    assert "X-Page-Cache" not in fetch(reader, "/report/")
    # The admin, and any page for a signed-in curator.
    client.force_login(curator)
    assert "X-Page-Cache" not in client.get("/admin/")
    assert "X-Page-Cache" not in client.get(recommendation.get_absolute_url())
    # Errors are rendered each time.
    missing = reader.get("/recommendations/no-such-recommendation/")
    assert missing.status_code == 404
    assert "X-Page-Cache" not in missing


def test_downloads_stream_and_are_not_kept(reader, recommendation):
    response = reader.get("/recommendations.csv")
    assert response.status_code == 200
    assert "X-Page-Cache" not in response


def test_an_admin_edit_shows_at_once(reader, curator_client, recommendation):
    url = recommendation.get_absolute_url()
    fetch(reader, url)
    fetch(reader, "/recommendations/")
    edit = curator_client.get(CHANGE.format(recommendation.pk))
    data = form_data(edit)
    data["title"] = "Edited by a curator"
    assert (
        curator_client.post(CHANGE.format(recommendation.pk), data).status_code == 302
    )

    assertContains(fetch(reader, url), "Edited by a curator")
    assertContains(fetch(reader, "/recommendations/"), "Edited by a curator")


def test_a_delete_shows_at_once(reader, admin_client, make_response, recommendation):
    response = make_response(summary="A response about to be deleted.")
    response.recommendations.add(recommendation)
    assertContains(fetch(reader, "/responses/"), "A response about to be deleted.")

    delete = f"/admin/sources/stakeholderresponse/{response.pk}/delete/"
    assert admin_client.post(delete, {"post": "yes"}).status_code == 302
    assert not StakeholderResponse.objects.filter(pk=response.pk).exists()
    assertNotContains(fetch(reader, "/responses/"), "A response about to be deleted.")


def test_a_revert_shows_at_once(reader, curator_client, recommendation):
    url = recommendation.get_absolute_url()
    original = recommendation.history.latest()
    recommendation.title = "Before the revert"
    recommendation.save()
    assertContains(fetch(reader, url), "Before the revert")

    revert = (
        f"/admin/recommendations/recommendation/{recommendation.pk}"
        f"/history/{original.history_id}/"
    )
    data = form_data(curator_client.get(revert))
    assert curator_client.post(revert, data).status_code == 302
    page = fetch(reader, url)
    assertNotContains(page, "Before the revert")
    assertContains(page, original.title)


def test_a_reload_shows_at_once(reader, db, tmp_path):
    fixtures = tmp_path / "fixtures"
    shutil.copytree(MINI, fixtures)
    call_command("load_review", "--fixtures", fixtures, stdout=StringIO())
    recommendation = Recommendation.objects.order_by("slug").first()
    url = recommendation.get_absolute_url()
    assertContains(fetch(reader, url), recommendation.title)

    path = fixtures / "recommendations.json"
    records = json.loads(path.read_text(encoding="utf-8"))
    for record in records:
        if record["fields"]["slug"] == recommendation.slug:
            record["fields"]["title"] = "A title from the reloaded fixtures"
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    call_command("load_review", "--fixtures", fixtures, stdout=StringIO())

    assertContains(fetch(reader, url), "A title from the reloaded fixtures")


def test_an_accepted_correction_shows_at_once(reader, client, curator, recommendation):
    history = f"{recommendation.get_absolute_url()}history/"
    client.post(
        "/report/",
        {"page": recommendation.get_absolute_url(), "message": "The date is wrong"},
    )
    correction = Correction.objects.get()
    assertNotContains(fetch(reader, history), correction.reference)

    client.force_login(curator)
    change = f"/admin/sources/correction/{correction.pk}/change/"
    client.post(change, {"status": "accepted", "curator_note": "Date corrected."})
    page = fetch(reader, history)
    assertContains(page, "Corrected after a report from the public")
    assertContains(page, correction.reference)


def test_writes_that_leave_no_history_show_at_once(reader, recommendation, mission):
    """A queryset's update(), a link added in code and raw SQL write no history row;
    the database's own triggers move the version all the same."""
    url = recommendation.get_absolute_url()
    fetch(reader, url)
    Recommendation.objects.filter(pk=recommendation.pk).update(title="By update()")
    assertContains(fetch(reader, url), "By update()")

    recommendation.missions.add(mission)
    assertContains(fetch(reader, url), mission.get_absolute_url())

    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Recommendation._meta.db_table} SET title = %s WHERE id = %s",
            ["By raw SQL", recommendation.pk],
        )
    page = fetch(reader, url)
    assert page["X-Page-Cache"] == "miss"
    assertContains(page, "By raw SQL")


def test_off_when_turned_off(reader, settings, recommendation):
    settings.PAGE_CACHE_ENABLED = False
    response = fetch(reader, recommendation.get_absolute_url())
    assert "X-Page-Cache" not in response
    assert "ETag" not in response
