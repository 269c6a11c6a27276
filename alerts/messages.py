"""The alerts' emails: the confirmation (double opt-in) and the digests.

Every digest carries a one-click unsubscribe (RFC 8058): a List-Unsubscribe header
with the link, and List-Unsubscribe-Post, so a mail client can unsubscribe with one
POST; the same link opens a page with a button for people."""

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse

from alerts.models import Subscription

CONFIRM_SALT = "alerts.confirm"
# How long a confirmation link works, in seconds.
CONFIRM_MAX_AGE = 3 * 24 * 60 * 60


def confirm_token(subscription: Subscription) -> str:
    return signing.TimestampSigner(salt=CONFIRM_SALT).sign(subscription.key)


def unsign_confirm_token(token: str) -> str:
    """The subscription's key; raises signing.BadSignature (SignatureExpired too)."""
    return signing.TimestampSigner(salt=CONFIRM_SALT).unsign(
        token, max_age=CONFIRM_MAX_AGE
    )


def absolute(path: str) -> str:
    return settings.PORTAL_URL.rstrip("/") + path


def unsubscribe_url(subscription: Subscription) -> str:
    return absolute(reverse("alerts:unsubscribe", args=[subscription.key]))


def confirmation_message(subscription: Subscription, target) -> EmailMessage:
    context = {
        "target": target,
        "page_url": absolute(target.path),
        "confirm_url": absolute(
            reverse("alerts:confirm", args=[confirm_token(subscription)])
        ),
        "hours": CONFIRM_MAX_AGE // 3600,
    }
    return EmailMessage(
        subject="Confirm your email alert from the Review Portal",
        body=render_to_string("alerts/email/confirm.txt", context),
        to=[subscription.email],
    )


def digest_message(subscription: Subscription, target, entries) -> EmailMessage:
    link = unsubscribe_url(subscription)
    context = {
        "target": target,
        "page_url": absolute(target.path),
        "entries": entries,
        "unsubscribe_url": link,
    }
    count = len(entries)
    return EmailMessage(
        subject=f"{count} {'change' if count == 1 else 'changes'} to {target.title}"
        " on the Review Portal",
        body=render_to_string("alerts/email/digest.txt", context),
        to=[subscription.email],
        headers={
            "List-Unsubscribe": f"<{link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
