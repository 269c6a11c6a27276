"""The stakeholder responses download's columns; see review_portal/lib/downloads.py."""

from review_portal.lib.downloads import (
    Column,
    Download,
    model_download,
    page_address,
    page_column,
    related_values,
)
from sources.models import (
    Moment,
    Organisation,
    SourceDocument,
    StakeholderResponse,
    Stance,
)

# The passage quoted is highlighted on the source's page, under the response's slug.
_source_url, _source_url_reads = page_address(
    SourceDocument, prefix="source__", anchor="slug"
)


def _slugs(name):
    return related_values(StakeholderResponse, name, "slug")


RESPONSES = Download(
    name="responses",
    title="Stakeholder responses",
    description="One row for each response in the list, with the same filters.",
    model=StakeholderResponse,
    columns=[
        Column("slug", "The response's permanent identifier on this portal.", "slug"),
        Column("organisation", "The slug of the organisation that responded.", "organisation__slug"),
        Column("organisation_name", "Its name.", "organisation__name", field="organisation"),
        Column("organisation_kind", "What kind of organisation it is, e.g. charity, royal_college, government.", "organisation__kind", field="organisation"),
        Column("person", "Who spoke for it, where the source names them.", "person"),
        Column("role", "Their role, where the source gives it.", "role"),
        Column("date", "When they responded (YYYY-MM-DD); empty unless a source gives the date.", lambda r, _: r["responded_on"] and r["responded_on"].isoformat(), "date", "responded_on", ("responded_on",)),
        Column("date_is_approximate", "true if the date is the page's publication date rather than the statement's.", "is_date_approximate", "boolean", field="is_date_approximate"),
        Column("moment", "What it responds to: " + ", ".join(Moment.values) + ".", "moment"),
        Column("stance", "Its stance: " + ", ".join(Stance.values) + ".", "stance"),
        Column("summary", "What they said, in our own words.", "summary"),
        Column("quotation", "Their words exactly as the source has them, misspellings included; empty if none is recorded.", "quotation"),
        Column("source", "The slug of the source the response comes from.", "source__slug"),
        Column("source_title", "That source's title.", "source__title", field="source"),
        Column("source_url", "The source's page on this portal, at the quoted passage.", _source_url, field="source", reads=_source_url_reads),
        Column("recommendations", "The slugs of the recommendations it speaks to.", _slugs("recommendations"), "list"),
        Column("chapters", "The slugs of the chapters it speaks to.", _slugs("chapters"), "list"),
        Column("missions", "The slugs of the missions it speaks to.", _slugs("missions"), "list"),
        page_column(StakeholderResponse, "The response's page on this portal."),
    ],
)  # fmt: skip


ORGANISATIONS = model_download(
    "organisations",
    "Organisations",
    "One row for each organisation whose response the portal records.",
    Organisation,
    extra=[
        Column("response_count", "How many of its responses the portal records.", "n_responses", "number"),
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
