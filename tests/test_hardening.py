"""Security headers, JSON errors under /api/, the favicon and the admin sign-in
lockout (django-axes)."""

import json
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.test import Client
from django.urls import resolve

pytestmark = pytest.mark.django_db

PAGES = ["/", "/recommendations/", "/search/?q=care", "/report/", "/admin/login/"]


@pytest.mark.parametrize("path", PAGES)
def test_pages_send_a_strict_content_security_policy(client, review, path):
    response = client.get(path)
    assert response.status_code == 200
    policy = dict(
        directive.strip().split(" ", 1)
        for directive in response["Content-Security-Policy"].split(";")
    )
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert "unsafe-inline" not in policy["style-src"]
    assert policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"


@pytest.mark.parametrize("path", PAGES)
def test_pages_send_a_permissions_policy(client, review, path):
    header = client.get(path)["Permissions-Policy"]
    assert "camera=()" in header
    assert "geolocation=()" in header
    assert "microphone=()" in header


def test_no_page_of_ours_has_an_inline_script(client, review):
    content = client.get("/").content.decode()
    assert "<script>" not in content
    assert 'type="module">' not in content


def test_api_docs_pages_allow_only_inline_styles_besides(client):
    # Redoc writes styles at run time; nothing else is loosened, scripts included.
    response = client.get("/api/redoc/")
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "script-src 'self';" in policy + ";"
    assert "style-src 'self' 'unsafe-inline'" in policy
    assert "<script>" not in response.content.decode()


def test_the_api_documentation_page_has_the_policy_of_every_page(client):
    # /api/docs/ was Swagger UI, which needed inline styles; it is a page of the
    # site's own now, with no inline style or script.
    response = client.get("/api/docs/")
    assert response.status_code == 200
    assert (
        response["Content-Security-Policy"]
        == client.get("/")["Content-Security-Policy"]
    )
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "blob:" not in response["Content-Security-Policy"]
    assert "style=" not in response.content.decode()


@pytest.fixture
def api_view_that_fails(monkeypatch):
    """Makes the API's review list fail as an unexpected bug would."""
    view = resolve("/api/reviews/").func.cls

    def fail(self, request, *args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(view, "list", fail)


def test_an_api_server_error_answers_json(api_view_that_fails):
    client = Client(raise_request_exception=False)
    response = client.get("/api/reviews/")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    # The API's one error shape (issue 14), which its 400s and 404s share.
    assert json.loads(response.content)["errors"][0]["message"] == (
        "A server error occurred."
    )


def test_an_api_path_not_found_answers_json(client):
    response = client.get("/api/no-such-thing/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


def test_a_page_not_found_outside_the_api_is_still_html(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_the_favicon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert b"".join(response.streaming_content).startswith(b"\x00\x00\x01\x00")


def test_pages_link_the_favicon(client, review):
    assert b'rel="icon"' in client.get("/").content


@pytest.fixture
def admin(db):
    return User.objects.create_superuser("admin", "admin@example.org", "right-pw")


def sign_in(client, password, username="admin"):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password, "next": "/admin/"},
    )


def test_admin_sign_in_locks_after_repeated_failures(client, admin, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = sign_in(client, "wrong")
        assert response.status_code == 200  # the form again, with its error
    response = sign_in(client, "wrong")
    assert response.status_code == 429
    assert b"Sign-in locked" in response.content
    # The right password is refused too while the lockout lasts.
    response = sign_in(client, "right-pw")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    # So is any username from the same address, and this one from anywhere else.
    assert sign_in(client, "right-pw", username="someone-else").status_code == 429
    other = Client(REMOTE_ADDR="192.0.2.77")
    assert sign_in(other, "right-pw").status_code == 429


def test_the_lockout_ends_after_the_cool_off(client, admin, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "wrong")
    assert sign_in(client, "right-pw").status_code == 429
    # As if the cool-off had passed since the last failure.
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time
        - settings.AXES_COOLOFF_TIME
        - timedelta(seconds=1)
    )
    response = sign_in(client, "right-pw")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(admin.pk)


def test_behind_a_proxy_the_lockout_counts_the_forwarded_address(
    admin, settings, client
):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.AXES_LOCKOUT_PARAMETERS = ["ip_address"]
    proxy = {"HTTP_X_FORWARDED_PROTO": "https"}
    attacker = Client(HTTP_X_FORWARDED_FOR="203.0.113.5", **proxy)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attacker.post("/admin/login/", {"username": "x", "password": "wrong"})
    assert sign_in(attacker, "right-pw").status_code == 429
    # Another visitor behind the same proxy (same REMOTE_ADDR) can still sign in.
    visitor = Client(HTTP_X_FORWARDED_FOR="203.0.113.6", **proxy)
    assert sign_in(visitor, "right-pw").status_code == 302
