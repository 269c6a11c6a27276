"""The stakeholder responses download's columns; see review_portal/lib/downloads.py."""

from review_portal.lib.downloads import Column, Download, model_download
from sources.models import (
    Moment,
    Organisation,
    SourceDocument,
    StakeholderResponse,
    Stance,
)


def _source_url(response, request):
    # The passage quoted is highlighted there, under the response's slug.
    url = response.source.get_absolute_url() + f"#{response.slug}"
    return request.build_absolute_uri(url)


def _slugs(related):
    return [record.slug for record in related.all()]


RESPONSES = Download(
    name="responses",
    title="Stakeholder responses",
    description="One row for each response in the list, with the same filters.",
    model=StakeholderResponse,
    columns=[
        Column("slug", "The response's permanent identifier on this portal.", lambda r, _: r.slug),
        Column("organisation", "The slug of the organisation that responded.", lambda r, _: r.organisation.slug),
        Column("organisation_name", "Its name.", lambda r, _: r.organisation.name, field="organisation"),
        Column("organisation_kind", "What kind of organisation it is, e.g. charity, royal_college, government.", lambda r, _: r.organisation.kind, field="organisation"),
        Column("person", "Who spoke for it, where the source names them.", lambda r, _: r.person),
        Column("role", "Their role, where the source gives it.", lambda r, _: r.role),
        Column("date", "When they responded (YYYY-MM-DD); empty unless a source gives the date.", lambda r, _: r.responded_on.isoformat() if r.responded_on else None, "date", field="responded_on"),
        Column("date_is_approximate", "true if the date is the page's publication date rather than the statement's.", lambda r, _: r.is_date_approximate, "boolean", field="is_date_approximate"),
        Column("moment", "What it responds to: " + ", ".join(Moment.values) + ".", lambda r, _: r.moment),
        Column("stance", "Its stance: " + ", ".join(Stance.values) + ".", lambda r, _: r.stance),
        Column("summary", "What they said, in our own words.", lambda r, _: r.summary),
        Column("quotation", "Their words exactly as the source has them, misspellings included; empty if none is recorded.", lambda r, _: r.quotation),
        Column("source", "The slug of the source the response comes from.", lambda r, _: r.source.slug),
        Column("source_title", "That source's title.", lambda r, _: r.source.title, field="source"),
        Column("source_url", "The source's page on this portal, at the quoted passage.", _source_url, field="source"),
        Column("recommendations", "The slugs of the recommendations it speaks to.", lambda r, _: _slugs(r.recommendations), "list"),
        Column("chapters", "The slugs of the chapters it speaks to.", lambda r, _: _slugs(r.chapters), "list"),
        Column("missions", "The slugs of the missions it speaks to.", lambda r, _: _slugs(r.missions), "list"),
        Column("url", "The response's page on this portal.", lambda r, request: request.build_absolute_uri(r.get_absolute_url())),
    ],
)  # fmt: skip


ORGANISATIONS = model_download(
    "organisations",
    "Organisations",
    "One row for each organisation whose response the portal records.",
    Organisation,
    extra=[
        Column("response_count", "How many of its responses the portal records.", lambda o, _: o.n_responses, "number"),
    ],
)  # fmt: skip
SOURCES = model_download(
    "sources",
    "Sources",
    "One row for each source: its title, publisher, date, kind and address. The "
    "text captured from a page is on the source's own page, not in this file.",
    SourceDocument,
    leaves_out=("raw_text",),
)
