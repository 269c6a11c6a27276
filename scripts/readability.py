"""Readability of each kind of page, as rendered: `python scripts/readability.py`.

Loads the review's data into a throwaway in-memory database, renders one page of each
kind with Django's test client, takes the text of <main> (no scripts, no styles, no
visually hidden text), and scores it with textstat: the Flesch reading ease (higher is
easier) and the Flesch-Kincaid grade, from which the reading age is grade + 5 (a UK
reading age of 12 is about grade 7). docs/readability.md records the results."""

import os
import re
import sys
from html.parser import HTMLParser
from io import StringIO
from pathlib import Path
from types import SimpleNamespace

ROOT = Path.cwd()
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "review_portal.settings")
os.environ["DATABASE_URL"] = "sqlite://:memory:"
os.environ.setdefault("DJANGO_SECRET_KEY", "readability-only-" + "x" * 40)
os.environ.pop("DJANGO_DEBUG", None)

import django  # noqa: E402

django.setup()

import textstat  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings, setup_test_environment  # noqa: E402

URL = re.compile(r"https?://|www\.")


class MainText(HTMLParser):
    """The visible text inside <main>."""

    SKIP = {"script", "style", "svg", "noscript"}

    def __init__(self):
        super().__init__()
        self.depth = 0  # inside <main>
        self.skipping = []
        self.parts = []

    def handle_starttag(self, tag, attrs):
        classes = dict(attrs).get("class") or ""
        if tag == "main":
            self.depth += 1
        hidden = "govuk-visually-hidden" in classes or "govuk-exit-this-page" in classes
        if tag in self.SKIP or hidden:
            self.skipping.append(tag)
        elif self.skipping and tag == self.skipping[-1]:
            self.skipping.append(tag)
        # Block boundaries end a sentence, or a list of labels reads as one sentence.
        # A span shown as a block (GOV.UK's display-block class) is one too.
        if "display-block" in classes or tag in {
            "p",
            "li",
            "h1",
            "h2",
            "h3",
            "h4",
            "dt",
            "dd",
            "td",
            "th",
            "br",
            "label",
            "legend",
            "option",
            "summary",
            "caption",
            "div",
            "button",
            "blockquote",
            "figure",
            "figcaption",
            "ul",
            "ol",
            "dl",
            "table",
            "tr",
            "section",
            "nav",
            "details",
            "fieldset",
            "form",
            "pre",
        }:
            self.parts.append(".\n")

    def handle_endtag(self, tag):
        if self.skipping and tag == self.skipping[-1]:
            self.skipping.pop()
        if tag == "main":
            self.depth -= 1

    def handle_data(self, data):
        # A line break in the markup is a space: only blocks end sentences (a
        # break in a template would otherwise end a line with no full stop, and
        # textstat would read the lines after it as one long sentence).
        if self.depth and not self.skipping:
            self.parts.append(data.replace("\n", " "))

    def text(self):
        # Web addresses are not read as words (textstat would count one as a word
        # of dozens of syllables): they are left out.
        lines = [
            " ".join(word for word in p.split() if not URL.search(word))
            for p in "".join(self.parts).split("\n")
        ]
        return "\n".join(line for line in lines if line.strip(" .")).replace("..", ".")


def pages():
    """Every kind of page the browser tests scan (tests/browser/conftest.py), but
    the admin's, by name: lists by their literal paths, details found from the data."""
    from urllib.parse import urlencode

    from alerts.messages import confirm_token

    found = examples()
    detail = found.recommendation.get_absolute_url()
    return {
        "home": "/",
        "recommendation list": "/recommendations/",
        "recommendation list, filtered": f"/recommendations/?mission={found.mission.slug}",
        "recommendation detail": detail,
        "chapter list": "/chapters/",
        "chapter detail": found.chapter.get_absolute_url(),
        "mission list": "/missions/",
        "mission detail": found.mission.get_absolute_url(),
        "organisation list": "/organisations/",
        "organisation detail": found.organisation.get_absolute_url(),
        "response list": "/responses/",
        "response detail": found.response.get_absolute_url(),
        "source list": "/sources/",
        "source detail": found.source.get_absolute_url(),
        "key figures": "/key-figures/",
        "timeline": "/timeline/",
        "publications": "/publications/",
        "search with results": f"/search/?{urlencode({'q': found.hit_word})}",
        "search without results": "/search/?q=xylophonequux",
        "data": "/data/",
        "charts": "/charts/",
        "tracker": "/tracker/",
        "how we track": "/how-we-track/",
        "discrepancies": "/discrepancies/",
        "what's changed": "/changes/",
        "record history": f"{detail}history/",
        "report a problem": f"/report/?{urlencode({'page': detail})}",
        "report thanks": f"/report/thanks/?{urlencode({'page': detail})}",
        "glossary": "/glossary/",
        "cover your tracks": "/cover-your-tracks/",
        "alert sign-up": f"/alerts/?scope=recommendation&slug={found.recommendation.slug}",
        "alert sign-up for a list": "/alerts/?"
        + urlencode({"scope": "list", "query": f"mission={found.mission.slug}"}),
        "alert check your email": "/alerts/check-your-email/",
        "alert unsubscribe": f"/alerts/unsubscribe/{found.subscription.key}/",
        "alert confirmed": f"/alerts/confirm/{confirm_token(found.confirmed)}/",
        "alert unsubscribed": "/alerts/unsubscribe/no-such-alert/",
        "alert link problem": "/alerts/confirm/not-a-signed-token/",
        "page not found": "/no-such-page/",
        "API docs": "/api/docs/",
    }


def examples():
    """The records the detail pages show, found in the data; a word of a
    recommendation's title to search for; and two alert subscriptions, made for the
    alert pages, one waiting for its confirmation and one confirmed."""
    from django.utils import timezone

    from alerts.models import Subscription
    from recommendations.models import Chapter, Mission, Recommendation
    from sources.models import Organisation, SourceDocument, StakeholderResponse

    recommendation = Recommendation.objects.order_by("slug").first()
    chapter = Chapter.objects.first()
    return SimpleNamespace(
        recommendation=recommendation,
        chapter=chapter,
        mission=Mission.objects.filter(recommendations__isnull=False).first(),
        organisation=Organisation.objects.first(),
        response=StakeholderResponse.objects.first(),
        source=SourceDocument.objects.filter(capture="captured").first(),
        hit_word=max(recommendation.title.split(), key=len).strip(",.:;'\""),
        subscription=Subscription.objects.create(
            email="reader@example.org", scope="recommendation", slug=recommendation.slug
        ),
        confirmed=Subscription.objects.create(
            email="confirmed@example.org",
            scope="chapter",
            slug=chapter.slug,
            confirmed_at=timezone.now(),
        ),
    )


# Pages that answer with another status than 200, as they should.
STATUS = {"alert link problem": 400, "page not found": 404}


def main():
    setup_test_environment()
    call_command("migrate", verbosity=0)
    call_command("load_review", stdout=StringIO())
    client = Client()
    rows = []
    storage = {
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        }
    }
    with override_settings(STORAGES={**django.conf.settings.STORAGES, **storage}):
        for name, path in pages().items():
            response = client.get(path)
            if response.status_code != STATUS.get(name, 200):
                rows.append((name, "(no such page)", "", "", ""))
                continue
            parser = MainText()
            parser.feed(response.content.decode())
            text = parser.text()
            grade = textstat.flesch_kincaid_grade(text)
            rows.append(
                (
                    name,
                    f"{textstat.flesch_reading_ease(text):.0f}",
                    f"{grade:.1f}",
                    f"{grade + 5:.0f}",
                    str(textstat.lexicon_count(text)),
                )
            )
    out = sys.stdout
    out.write(
        "| page type | Flesch reading ease | Flesch-Kincaid grade | reading age | words |\n"
    )
    out.write("|---|---|---|---|---|\n")
    for row in rows:
        out.write("| " + " | ".join(row) + " |\n")


if __name__ == "__main__":
    main()
