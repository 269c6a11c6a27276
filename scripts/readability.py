"""Readability of each kind of page, as rendered: `python scripts/readability.py`.

Loads the review's data into a throwaway in-memory database, renders one page of each
kind with Django's test client, takes the text of <main> (no scripts, no styles, no
visually hidden text), and scores it with textstat: the Flesch reading ease (higher is
easier) and the Flesch-Kincaid grade, from which the reading age is grade + 5 (a UK
reading age of 12 is about grade 7). docs/readability.md records the results."""

import os
import sys
from html.parser import HTMLParser
from io import StringIO
from pathlib import Path

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
        if tag in {
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
        }:
            self.parts.append(".\n")

    def handle_endtag(self, tag):
        if self.skipping and tag == self.skipping[-1]:
            self.skipping.pop()
        if tag == "main":
            self.depth -= 1

    def handle_data(self, data):
        if self.depth and not self.skipping:
            self.parts.append(data)

    def text(self):
        lines = [" ".join(p.split()) for p in "".join(self.parts).split("\n")]
        return "\n".join(line for line in lines if line.strip(" .")).replace("..", ".")


def pages():
    from recommendations.models import Chapter, Recommendation
    from sources.models import Organisation

    recommendation = Recommendation.objects.order_by("slug").first()
    found = {
        "home": "/",
        "recommendation list": "/recommendations/",
        "recommendation detail": recommendation.get_absolute_url(),
        "chapter detail": Chapter.objects.first().get_absolute_url(),
        "organisation detail": Organisation.objects.first().get_absolute_url(),
        "tracker": "/tracker/",
        "how we track": "/how-we-track/",
        "what's changed": "/changes/",
        "report a problem": "/report/",
        "glossary": "/glossary/",
        "cover your tracks": "/cover-your-tracks/",
        "alert sign-up": f"/alerts/?scope=recommendation&slug={recommendation.slug}",
    }
    return found


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
            if response.status_code != 200:
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
