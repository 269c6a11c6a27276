"""Email alerts, end to end against a real SMTP server (aiosmtpd on a free loopback
port): sign up, confirm by the emailed link, get a digest naming the change with its
date and source, unsubscribe by the link and by the one-click header, then nothing."""

import datetime
import email
import email.policy
import re
import socket
from io import StringIO
from unittest import mock
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from alerts.messages import CONFIRM_MAX_AGE
from alerts.models import Subscription
from recommendations.models import GovernmentUpdate
from sources.models import Citation

ADDRESS = "reader@example.org"


class Inbox:
    """What the SMTP server received, as parsed messages."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(
            envelope.content, policy=email.policy.default
        )
        message.envelope_to = list(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 Message accepted for delivery"

    def body(self, message):
        return message.get_body(("plain",)).get_content()

    def link(self, message, name):
        """The path of the first link to /alerts/<name>/ in a message's body."""
        url = re.search(rf"http\S+/alerts/{name}/\S+/", self.body(message)).group(0)
        return urlsplit(url).path


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def inbox(settings):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.PORTAL_URL = "http://testserver"
    yield inbox
    controller.stop()


@pytest.fixture(autouse=True)
def _empty_cache(db):
    # The sign-up throttle counts in the cache, which outlives a test.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def recommendation(make_recommendation):
    return make_recommendation(slug="family-help", title="Family Help")


def sign_up(client, **fields):
    fields.setdefault("email", ADDRESS)
    return client.post("/alerts/", fields)


def add_update(recommendation, source, day=datetime.date(2023, 2, 2)):
    update = GovernmentUpdate.objects.create(
        recommendation=recommendation,
        slug=f"update-{day.isoformat()}",
        date=day,
        position="accepted",
        detail="The government accepted it.",
    )
    Citation.objects.create(
        slug=f"citation-{day.isoformat()}",
        source=source,
        excerpt="families need help",
        government_update=update,
    )
    return update


def send_alerts():
    call_command("send_alerts", stdout=StringIO(), stderr=StringIO())


def test_sign_up_confirm_digest_and_unsubscribe_by_the_link(
    client, inbox, recommendation, captured_source
):
    page = client.get(recommendation.get_absolute_url())
    assert b"Get emails when this changes" in page.content

    response = sign_up(client, scope="recommendation", slug="family-help")
    assert response.status_code == 302
    assert response["Location"] == "/alerts/check-your-email/"
    [confirmation] = inbox.messages
    assert confirmation.envelope_to == [ADDRESS]
    assert "Family Help" in inbox.body(confirmation)
    subscription = Subscription.objects.get()
    assert not subscription.is_confirmed

    confirmed = client.get(inbox.link(confirmation, "confirm"))
    assert confirmed.status_code == 200
    assert b"Your email alert has started" in confirmed.content
    subscription.refresh_from_db()
    assert subscription.is_confirmed

    add_update(recommendation, captured_source)
    send_alerts()
    digest = inbox.messages[-1]
    assert len(inbox.messages) == 2
    body = inbox.body(digest)
    assert "Family Help" in digest["Subject"]
    assert "Government update of 2 February 2023 on “Family Help”” added" in body
    assert "Date of the update: 2 February 2023" in body
    assert "Position: Accepted" in body
    assert "Source: A captured page (http://testserver/sources/captured/)" in body
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert re.fullmatch(
        r"<http://testserver/alerts/unsubscribe/\S+/>",
        str(digest["List-Unsubscribe"]).strip(),
    )

    # Nothing new: no second digest.
    send_alerts()
    assert len(inbox.messages) == 2

    # The link opens a page with a button; the button stops the alerts.
    unsubscribe = inbox.link(digest, "unsubscribe")
    page = client.get(unsubscribe)
    assert page.status_code == 200
    assert b"Stop the emails" in page.content
    assert Subscription.objects.exists()
    done = client.post(unsubscribe)
    assert done.status_code == 200
    assert not Subscription.objects.exists()  # the address is deleted

    add_update(recommendation, captured_source, datetime.date(2024, 1, 1))
    send_alerts()
    assert len(inbox.messages) == 2


def test_one_click_unsubscribe_by_the_header_needs_no_csrf_token(
    client, inbox, recommendation, captured_source
):
    sign_up(client, scope="recommendation", slug="family-help")
    client.get(inbox.link(inbox.messages[0], "confirm"))
    add_update(recommendation, captured_source)
    send_alerts()
    digest = inbox.messages[-1]
    header_url = str(digest["List-Unsubscribe"]).strip().strip("<>")

    # As a mail client does it (RFC 8058): a POST, no cookie, no token.
    mail_client = Client(enforce_csrf_checks=True)
    response = mail_client.post(
        urlsplit(header_url).path,
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert not Subscription.objects.exists()

    add_update(recommendation, captured_source, datetime.date(2024, 1, 1))
    send_alerts()
    assert len(inbox.messages) == 2


def test_an_unconfirmed_address_never_receives_an_alert(
    client, inbox, recommendation, captured_source
):
    sign_up(client, scope="recommendation", slug="family-help")
    add_update(recommendation, captured_source)
    send_alerts()
    assert len(inbox.messages) == 1  # the confirmation only
    assert "Confirm" in inbox.messages[0]["Subject"]


def test_an_expired_confirmation_link_starts_nothing_and_the_address_goes(
    client, inbox, recommendation
):
    sign_up(client, scope="recommendation", slug="family-help")
    link = inbox.link(inbox.messages[0], "confirm")
    later = datetime.datetime.now().timestamp() + CONFIRM_MAX_AGE + 60
    with mock.patch("django.core.signing.time.time", return_value=later):
        response = client.get(link)
    assert response.status_code == 400
    assert b"more than 3 days old" in response.content
    assert not Subscription.objects.get().is_confirmed

    Subscription.objects.update(
        created_at=datetime.datetime.now(datetime.UTC)
        - datetime.timedelta(seconds=CONFIRM_MAX_AGE + 60)
    )
    send_alerts()
    assert not Subscription.objects.exists()


def test_a_tampered_link_does_not_confirm(client, inbox, recommendation):
    sign_up(client, scope="recommendation", slug="family-help")
    link = inbox.link(inbox.messages[0], "confirm")
    assert client.get(link[:-3] + "xx/").status_code == 400
    assert not Subscription.objects.get().is_confirmed


def test_signing_up_twice_sends_no_second_alert_and_tells_nobody(
    client, inbox, recommendation
):
    sign_up(client, scope="recommendation", slug="family-help")
    client.get(inbox.link(inbox.messages[0], "confirm"))
    again = sign_up(client, scope="recommendation", slug="family-help")
    assert again.status_code == 302  # the same page as a first sign-up
    assert Subscription.objects.count() == 1
    assert len(inbox.messages) == 1


def test_a_flood_of_sign_ups_from_one_client_gets_429(client, inbox, recommendation):
    codes = [
        sign_up(
            client,
            scope="recommendation",
            slug="family-help",
            email=f"r{n}@example.org",
        ).status_code
        for n in range(6)
    ]
    assert codes == [302] * 5 + [429]
    assert Subscription.objects.count() == 5
    # Another client is not held up.
    other = sign_up(
        Client(REMOTE_ADDR="192.0.2.7"), scope="recommendation", slug="family-help"
    )
    assert other.status_code == 302


def test_a_filtered_list_alert_covers_only_what_the_list_shows(
    client, inbox, make_recommendation, make_mission, captured_source
):
    mission = make_mission(slug="homes")
    inside = make_recommendation(slug="inside", title="Inside")
    inside.missions.add(mission)
    outside = make_recommendation(slug="outside", title="Outside")
    page = client.get("/recommendations/?mission=homes")
    assert b"scope=list&amp;query=mission%3Dhomes" in page.content

    form = client.get("/alerts/?scope=list&query=mission%3Dhomes")
    assert b"Mission: Mission title" in form.content
    sign_up(client, scope="list", query="mission=homes&page=2")
    assert Subscription.objects.get().query == "mission=homes"
    client.get(inbox.link(inbox.messages[0], "confirm"))

    add_update(outside, captured_source, datetime.date(2023, 1, 1))
    send_alerts()
    assert len(inbox.messages) == 1
    add_update(inside, captured_source, datetime.date(2023, 2, 2))
    send_alerts()
    body = inbox.body(inbox.messages[-1])
    assert "“Inside”" in body
    assert "Outside" not in body


def test_a_list_alert_whose_filter_value_is_gone_stops_without_failing(
    client, inbox, make_recommendation, make_mission, captured_source
):
    mission = make_mission(slug="homes")
    inside = make_recommendation(slug="inside", title="Inside")
    inside.missions.add(mission)
    sign_up(client, scope="list", query="mission=homes")
    client.get(inbox.link(inbox.messages[0], "confirm"))
    unsubscribe = reverse("alerts:unsubscribe", args=[Subscription.objects.get().key])
    mission.delete()

    # Widening to every recommendation would send what nobody asked for.
    add_update(inside, captured_source)
    send_alerts()
    assert len(inbox.messages) == 1
    assert client.get(unsubscribe).status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        "scope=recommendation&slug=no-such",
        "scope=nonsense",
        "",
        "scope=chapter&slug=" + "x" * 500,
    ],
)
def test_a_sign_up_for_nothing_is_a_404(client, db, query):
    assert client.get(f"/alerts/?{query}").status_code == 404


def test_chapter_and_organisation_pages_offer_alerts(
    client, inbox, chapter, organisation
):
    for record, scope in [(chapter, "chapter"), (organisation, "organisation")]:
        page = client.get(record.get_absolute_url())
        assert f"scope={scope}&amp;slug={record.slug}".encode() in page.content
        form = client.get(f"/alerts/?scope={scope}&slug={record.slug}")
        assert form.status_code == 200
