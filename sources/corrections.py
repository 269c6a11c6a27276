"""Corrections from the public: the "Report a problem with this page" form at /report/.

No account is needed, so the form is guarded three ways: Django's CSRF check, a
per-client throttle in the cache, and a honeypot field. What visitors send goes to
the curators' queue in the admin (Correction) and is never shown publicly.
"""

import ipaddress
import zlib
from urllib.parse import urlsplit

from django import forms
from django.apps import apps
from django.conf import settings
from django.core import signing
from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.db import DatabaseCache
from django.core.exceptions import FieldError
from django.db import connections, router, transaction
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

from sources.models import Correction, CorrectionStatus

MESSAGE_MAX_LENGTH = 2000
# At most THROTTLE_LIMIT submissions from one client in THROTTLE_WINDOW seconds.
THROTTLE_LIMIT = 5
THROTTLE_WINDOW = 10 * 60


class CorrectionForm(forms.Form):
    message = forms.CharField(
        label="What is wrong?",
        help_text="Tell us what is wrong or missing on the page, and what it should say.",
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea,
        error_messages={
            "required": "Enter what is wrong with the page",
            "max_length": f"What is wrong must be {MESSAGE_MAX_LENGTH:,} characters or fewer",
        },
    )
    source = forms.CharField(
        label="Source (optional)",
        help_text="A link to, or the title of, a document that shows the right information.",
        max_length=500,
        required=False,
        error_messages={"max_length": "The source must be 500 characters or fewer"},
    )
    email = forms.EmailField(
        label="Email address (optional)",
        help_text="Only if you would like us to reply. We will not use it for anything else.",
        max_length=254,
        required=False,
        error_messages={
            "invalid": "Enter an email address in the correct format, like name@example.com",
            "max_length": "The email address must be 254 characters or fewer",
        },
    )
    # The honeypot: hidden from people (and from screen readers), but bots that fill
    # in every field fill it in too.
    website = forms.CharField(required=False)


def public_page(value: str) -> str:
    """The path of a page on this site, or "" for anything else (another site, a
    scheme, a malformed or oversized value)."""
    if not value or len(value) > 500 or not value.startswith("/"):
        return ""
    if any(ord(c) < 32 or c in "\\\x7f" for c in value):
        return ""
    if not url_has_allowed_host_and_scheme(value, allowed_hosts=set()):
        return ""
    try:
        return urlsplit(value).path
    except ValueError:
        return ""


def record_at_path(path: str) -> tuple[str, str]:
    """(model label, slug) of the public record whose detail page `path` is, or
    ("", "") if it is not one. Detail pages are named `<model>_detail` and take the
    record's slug (every app's urls.py follows this), so new ones are found without
    a list here."""
    try:
        match = resolve(path)
    except Resolver404:
        return "", ""
    slug = match.kwargs.get("slug")
    if not slug or not match.url_name or not match.url_name.endswith("_detail"):
        return "", ""
    try:
        model = apps.get_model(match.app_name, match.url_name.removesuffix("_detail"))
    except (LookupError, ValueError):
        return "", ""
    try:
        if not model._default_manager.filter(slug=slug).exists():
            return "", ""
    except FieldError:
        return "", ""
    return model._meta.label_lower, slug


def page_title(path: str) -> str:
    """What the form calls the page being reported: the record's name for a
    record's page, the page's own title for the site's main lists, else ""."""
    record_model, slug = record_at_path(path)
    if record_model:
        record = apps.get_model(record_model)._default_manager.filter(slug=slug).first()
        return str(record) if record else ""
    try:
        match = resolve(path)
    except Resolver404:
        return ""
    return PAGE_TITLES.get(match.view_name, "")


# The titles of pages that show no one record, by URL name.
PAGE_TITLES = {
    "home": "Home",
    "recommendations:recommendation_list": "Recommendations",
    "recommendations:chapter_list": "Chapters",
    "recommendations:mission_list": "Missions",
    "recommendations:tracker": "Tracker",
    "recommendations:how_we_track": "How we track",
    "recommendations:keyfigure_list": "Key figures",
    "recommendations:timelineevent_list": "Timeline",
    "recommendations:discrepancy_list": "Where sources disagree",
    "sources:organisation_list": "Organisations",
    "sources:stakeholderresponse_list": "Responses",
    "sources:sourcedocument_list": "Sources",
    "sources:publication_list": "Related evidence",
    "change_list": "What's changed",
    "charts": "Charts",
    "data": "Data and API",
    "search": "Search",
    "glossary": "Words we use",
    "cover_your_tracks": "Cover your tracks",
}

REFERENCE_SALT = "sources.corrections.reference"


def accepted_corrections(record):
    """The accepted corrections of `record`, oldest first: what its public history
    shows (their reference and the day accepted, never who sent them or what)."""
    return Correction.objects.filter(
        record_model=record._meta.label_lower,
        record_slug=record.slug,
        status=CorrectionStatus.ACCEPTED,
    ).order_by("updated_at", "id")


def client_ip(request) -> str:
    # REMOTE_ADDR is the address that connected to us. Behind a reverse proxy
    # (DJANGO_BEHIND_PROXY=1, which is also what sets SECURE_PROXY_SSL_HEADER) that is
    # the proxy, shared by every visitor, so use the last X-Forwarded-For hop: the one
    # our proxy appended. Earlier hops are whatever the client sent and cannot be
    # trusted. With more than one proxy in front, count back that many hops instead.
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        last_hop = forwarded.rsplit(",", 1)[-1].strip()
        try:
            return str(ipaddress.ip_address(last_hop))
        except ValueError:
            pass  # no header, or not an address: the proxy did not set it
    return request.META.get("REMOTE_ADDR", "")


def is_throttled(request, bucket="report") -> bool:
    """Count this submission against its client; True once over the limit.

    `bucket` keeps separate counts for separate forms (the email alerts' sign-up
    uses "alerts"), each with the same limit and window.

    The count lives in the shared cache (settings.CACHES: Redis when REDIS_URL is
    set, else the database), so every server process sees the same one. add() then
    incr() is atomic on Redis: add() is SET NX and incr() is INCR, so concurrent
    posts cannot both read the same count. Django's database cache implements
    incr() as a read then a write, so there the pair runs in one transaction, which
    on SQLite (BEGIN IMMEDIATE, see settings) serializes them too, and on
    PostgreSQL takes a lock on the key first (_take_turns)."""
    key = f"{bucket}-throttle:{client_ip(request)}"
    backend = caches[DEFAULT_CACHE_ALIAS]
    if isinstance(backend, DatabaseCache):
        using = router.db_for_write(backend.cache_model_class)
        with transaction.atomic(using=using):
            _take_turns(key, using)
            count = _count(key)
    else:
        count = _count(key)
    return count > THROTTLE_LIMIT


# The throttle's advisory locks: (this class, a hash of the key). Two-key advisory
# locks never collide with one-key ones such as the loader's.
THROTTLE_LOCK_CLASS = zlib.crc32(b"review_portal.throttle") & 0x7FFFFFFF


def _take_turns(key, using):
    """On PostgreSQL, hold an advisory lock on `key` until the transaction ends.
    READ COMMITTED lets concurrent transactions read the same count and each write
    count + 1: two servers on one PostgreSQL database let 40 of 40 rapid posts
    through. With the lock, the counts for one client are taken one at a time."""
    db = connections[using]
    if db.vendor == "postgresql":
        with db.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, hashtext(%s))",
                [THROTTLE_LOCK_CLASS, key],
            )


def _count(key) -> int:
    cache.add(key, 0, timeout=THROTTLE_WINDOW)
    try:
        return cache.incr(key)
    except ValueError:
        # The key expired between add() and incr(): a new window starts.
        cache.add(key, 1, timeout=THROTTLE_WINDOW)
        return 1


def report(request):
    page = public_page(request.POST.get("page") or request.GET.get("page", ""))
    status = 200
    throttled = False
    if request.method == "POST":
        form = CorrectionForm(request.POST)
        if form.is_valid():
            if is_throttled(request):
                # The form stays filled in, so nothing the visitor wrote is lost.
                status, throttled = 429, True
            else:
                query = {"page": page} if page else {}
                if not form.cleaned_data["website"]:
                    # A filled-in honeypot is thanked like anyone, but not stored.
                    record_model, record_slug = (
                        record_at_path(page) if page else ("", "")
                    )
                    correction = Correction.objects.create(
                        page=page,
                        record_model=record_model,
                        record_slug=record_slug,
                        message=form.cleaned_data["message"],
                        source=form.cleaned_data["source"],
                        email=form.cleaned_data["email"],
                    )
                    # Signed, so that the thank-you page shows only real references.
                    query["ref"] = signing.Signer(salt=REFERENCE_SALT).sign(
                        correction.reference
                    )
                thanks = reverse("sources:report_thanks")
                return redirect(f"{thanks}?{urlencode(query)}" if query else thanks)
    else:
        form = CorrectionForm()
    context = {
        "form": form,
        "page": page,
        "page_title": page_title(page) if page else "",
        "throttled": throttled,
        "message_max_length": MESSAGE_MAX_LENGTH,
        "throttle_minutes": THROTTLE_WINDOW // 60,
    }
    return render(request, "report.html", context, status=status)


def report_thanks(request):
    page = public_page(request.GET.get("page", ""))
    try:
        reference = signing.Signer(salt=REFERENCE_SALT).unsign(
            request.GET.get("ref", "")[:200]
        )
    except signing.BadSignature:
        reference = ""
    return render(
        request,
        "report_thanks.html",
        {
            "page": page,
            "page_title": page_title(page) if page else "",
            "reference": reference,
        },
    )
