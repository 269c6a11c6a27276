"""Whole pages cached for anonymous readers, never stale.

A public page depends only on its address, today's date (promised dates fall due)
and the data. So a page is kept in the `pages` cache under its full address (the
key is Django's own, from `learn_cache_key`, which also honours Vary) prefixed with
the data version (review_portal.lib.versions) and the date. Any write (an admin
save, a delete, a revert, `load_review`, an accepted correction) moves the
version, so the next request misses and renders afresh, on every server, whichever
cache backend each uses: the version is read from the database on every request
(one index lookup, moved by triggers on every write: review_portal.lib.versions).

The same version is the page's ETag, and the time a server first saw it is its
Last-Modified, so browsers and proxies revalidate (Cache-Control: no-cache) and get
a 304 while nothing has changed.

Only what is the same for every reader is cached: GET and HEAD without a session
or a waiting message (a signed-in curator sees the live page), a 200 that sets no cookie (a form's CSRF
token is per reader), not streamed (downloads stream), and not under the paths in
PAGE_CACHE_SKIP (the admin, forms and alerts). DJANGO_PAGE_CACHE=0 turns it off,
which the benchmark uses to measure pages cold.
"""

import hashlib
import time

from django.conf import settings
from django.core.cache import caches
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import (
    get_cache_key,
    get_conditional_response,
    learn_cache_key,
    patch_cache_control,
)
from django.utils.http import http_date

from .versions import current_version

# Versioned keys never need to expire; old versions fall out as the cache fills.
TIMEOUT = 60 * 60 * 24


def _cacheable_request(request):
    return (
        settings.PAGE_CACHE_ENABLED
        and request.method in ("GET", "HEAD")
        # A signed-in curator, or a reader with a message waiting to be shown.
        and not {settings.SESSION_COOKIE_NAME, "messages"} & set(request.COOKIES)
        and not request.path_info.startswith(tuple(settings.PAGE_CACHE_SKIP))
    )


def _cacheable_response(response):
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and "private" not in response.get("Cache-Control", "")
    )


class PageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not _cacheable_request(request):
            return self.get_response(request)
        cache = caches[settings.PAGE_CACHE_ALIAS]
        version = f"{current_version()}|{timezone.localdate().isoformat()}"
        digest = hashlib.sha256(version.encode()).hexdigest()[:32]
        etag = f'"{digest}"'
        # When a server first saw this version: a Last-Modified that only moves
        # forward, for clients that revalidate by date.
        last_modified = cache.get_or_set(f"seen:{digest}", lambda: int(time.time()))
        prefix = f"body:{digest}"

        not_modified = get_conditional_response(request, etag, last_modified)
        if not_modified is not None:
            return self._headers(not_modified, etag, last_modified)

        key = get_cache_key(request, prefix, "GET", cache=cache)
        kept = cache.get(key) if key else None
        if kept is not None:
            headers, content = kept
            response = HttpResponse(content, headers=headers)
            response["X-Page-Cache"] = "hit"
            return self._headers(response, etag, last_modified)

        response = self.get_response(request)
        if _cacheable_response(response):
            self._headers(response, etag, last_modified)
            key = learn_cache_key(request, response, TIMEOUT, prefix, cache=cache)
            # Its headers and encoded body, not the response object: a pickled
            # API response would carry its serializer's data and records along.
            cache.set(key, (dict(response.items()), response.content), TIMEOUT)
            response["X-Page-Cache"] = "miss"
        return response

    @staticmethod
    def _headers(response, etag, last_modified):
        response["ETag"] = etag
        response["Last-Modified"] = http_date(last_modified)
        patch_cache_control(response, no_cache=True)
        return response
