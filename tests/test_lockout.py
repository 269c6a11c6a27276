"""The admin sign-in lockout (django-axes) from staff's side: how a lockout is
lifted before its cool-off ends (`manage.py axes_reset`, `axes_reset_username`, or
deleting the access attempt in the admin) and that each lockout is logged."""

import logging
from io import StringIO

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client

pytestmark = pytest.mark.django_db

ELSEWHERE = "192.0.2.10"  # another client's address (TEST-NET-1)


@pytest.fixture
def editor(db):
    return User.objects.create_superuser("editor", "editor@example.org", "right-pw")


def sign_in(client, password, username="editor"):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password, "next": "/admin/"},
    )


@pytest.fixture
def locked_out(client, editor, settings):
    """`client` has failed AXES_FAILURE_LIMIT times as `editor`: locked out."""
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "wrong")
    assert sign_in(client, "right-pw").status_code == 429
    return client


def signs_in(client):
    response = sign_in(client, "right-pw")
    return response.status_code == 302 and "_auth_user_id" in client.session


def test_axes_reset_lifts_every_lockout(locked_out):
    out = StringIO()
    call_command("axes_reset", stdout=out)
    assert "attempts removed" in out.getvalue()
    assert not AccessAttempt.objects.exists()
    assert signs_in(locked_out)


def test_axes_reset_username_lifts_that_users_lockout_only(locked_out, settings):
    other = Client(REMOTE_ADDR=ELSEWHERE)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(other, "wrong", username="someone")
    call_command("axes_reset_username", "editor", stdout=StringIO())
    assert signs_in(locked_out)
    # "someone" is still locked out, from their address and by their name.
    assert sign_in(other, "wrong", username="someone").status_code == 429
    assert AccessAttempt.objects.filter(username="someone").exists()


def test_a_superuser_lifts_a_lockout_in_the_admin(locked_out):
    attempt = AccessAttempt.objects.get(username="editor")
    staff = Client(REMOTE_ADDR=ELSEWHERE)
    staff.force_login(User.objects.create_superuser("boss", "boss@example.org", "pw"))
    changelist = staff.get("/admin/axes/accessattempt/")
    assert changelist.status_code == 200
    assert b"editor" in changelist.content
    response = staff.post(
        f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    assert signs_in(locked_out)


def test_curators_cannot_see_or_lift_lockouts(locked_out, curator):
    # The attempts hold addresses and usernames: superusers' business only.
    staff = Client(REMOTE_ADDR=ELSEWHERE)
    staff.force_login(curator)
    attempt = AccessAttempt.objects.get(username="editor")
    assert staff.get("/admin/axes/accessattempt/").status_code == 403
    response = staff.post(
        f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 403
    assert AccessAttempt.objects.filter(pk=attempt.pk).exists()


def test_a_lockout_is_logged_without_who_or_from_where(
    client, editor, settings, caplog
):
    """Each failure and the lockout are logged at WARNING by axes' database
    handler. axes masks the address and username in its messages
    (AXES_SENSITIVE_PARAMETERS): the log says that an account was locked out, the
    admin's access attempts (superusers only) say which and from where."""
    caplog.set_level(logging.INFO, logger="axes")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, "wrong")
    failures = [r for r in caplog.records if "login failure" in r.getMessage()]
    assert len(failures) == settings.AXES_FAILURE_LIMIT - 1
    assert not [r for r in caplog.records if "Locking out" in r.getMessage()]

    sign_in(client, "wrong")
    lockouts = [r for r in caplog.records if "Locking out" in r.getMessage()]
    assert len(lockouts) == 1
    assert lockouts[0].levelno == logging.WARNING
    assert lockouts[0].name == "axes.handlers.database"
    message = lockouts[0].getMessage()
    assert "/admin/login/" in message
    assert "editor" not in message
    assert "127.0.0.1" not in message
    assert AccessAttempt.objects.get().ip_address == "127.0.0.1"
