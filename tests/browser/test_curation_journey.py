"""A curator's edit, end to end in a real browser: the admin form, the public page,
"What's changed", and a revert from django-simple-history's admin history."""

import re

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import expect

from recommendations.models import Recommendation

pytestmark = pytest.mark.browser

USERNAME = "journey-curator"
PASSWORD = "a-long-journey-password-1234"


def public_summary(page):
    # The summary is the lead paragraph under the recommendation's title.
    return page.locator("main p.govuk-body-l").first


# Committed, not rolled back: the live server reads through its own connection on
# PostgreSQL, so it sees only committed rows. The database is flushed afterwards; as a
# transactional test it runs after every test that reads the shipped data, and
# `shipped_data` puts the database back as the migrations left it at the session's end.
@pytest.mark.django_db(transaction=True)
def test_curator_edits_a_summary_then_reverts_it_from_the_history(new_context):
    recommendation = Recommendation.objects.order_by("slug").first()
    original = recommendation.summary
    edited = f"Edited in the admin: {original[:80]}"
    curator = User.objects.create_user(USERNAME, password=PASSWORD, is_staff=True)
    curator.groups.add(Group.objects.get(name="Curators"))
    admin_url = f"/admin/recommendations/recommendation/{recommendation.pk}/"
    page = new_context().new_page()

    page.goto("/admin/login/?next=/admin/")
    page.get_by_label("Username").fill(USERNAME)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))

    page.goto(f"{admin_url}change/")
    page.locator("#id_summary").fill(edited)
    page.locator('input[name="_save"]').click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    page.goto(recommendation.get_absolute_url())
    expect(public_summary(page)).to_have_text(edited)
    expect(page.locator("main")).to_contain_text("Last updated")

    edit = recommendation.history.latest()
    assert edit.history_user == curator
    page.goto("/changes/")
    entry = page.locator(f"#change-recommendation-{edit.history_id}")
    expect(entry).to_contain_text("Changed: Summary")
    expect(entry).to_contain_text("Edited by the portal's curators")
    expect(page.locator("body")).not_to_contain_text(USERNAME)
    entry.get_by_role("link", name=recommendation.title).click()
    expect(public_summary(page)).to_have_text(edited)

    page.get_by_role("link", name="See the history of changes").click()
    expect(page.locator("main del").first).to_have_text(original)
    expect(page.locator("main ins").first).to_have_text(edited)

    before = recommendation.history.filter(history_id__lt=edit.history_id).latest()
    assert before.summary == original
    page.goto(f"{admin_url}history/")
    page.locator(f'#change-history a[href$="/history/{before.history_id}/"]').click()
    expect(page.locator("#id_summary")).to_have_value(original)
    page.get_by_role("button", name="Revert").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    page.goto(recommendation.get_absolute_url())
    expect(public_summary(page)).to_have_text(original)
    recommendation.refresh_from_db()
    assert recommendation.summary == original
