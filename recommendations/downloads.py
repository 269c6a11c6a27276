"""CSV and JSON downloads of the filtered lists.

Each download's columns are defined once, here and in sources/downloads.py; the
/data/ page documents them from the same definitions, so the two cannot drift.
Column names are a public interface: add columns, never rename or remove one.
"""

import csv
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django_filters import OrderingFilter
from django_filters.filters import QuerySetRequestMixin

from recommendations.facets import (
    applied,
    applied_query,
    bind,
    in_stable_order,
    is_multiple,
)
from recommendations.models import (
    Confidence,
    DeliveryStatus,
    Position,
    Recommendation,
)
from sources.models import Citation

# Longer filenames are cut to "<name>_filtered": the filters are in the JSON anyway.
MAX_FILENAME_LENGTH = 120


@dataclass(frozen=True)
class Column:
    name: str
    description: str
    # The record's value in JSON; CSV writes lists joined by ";", booleans as
    # true/false and None as an empty cell.
    value: Callable[[Any, Any], Any]
    kind: str = "text"


@dataclass(frozen=True)
class Download:
    name: str  # the file's base name, e.g. "recommendations"
    title: str
    description: str
    columns: list[Column]


def with_response_counts(recommendations):
    # A subquery rather than Count("responses"): the stance and organisation filters
    # join responses too, and a Count would then count only the matching ones.
    links = (
        Recommendation.responses.through.objects.filter(recommendation=OuterRef("pk"))
        .order_by()
        .values("recommendation")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return recommendations.annotate(response_count=Coalesce(Subquery(links), 0))


def listed_recommendations():
    """The recommendations list's queryset, before filtering: by chapter, then slug."""
    return with_response_counts(Recommendation.objects.for_list()).order_by(
        "chapter__number", "slug"
    )


def downloaded_recommendations():
    cited = Citation.objects.select_related("source").order_by("source__slug")
    return listed_recommendations().prefetch_related(Prefetch("citations", cited))


def _absolute(request, url):
    return request.build_absolute_uri(url)


def _cited_sources(recommendation):
    return list(dict.fromkeys(c.source.slug for c in recommendation.citations.all()))


RECOMMENDATIONS = Download(
    name="recommendations",
    title="Recommendations",
    description="One row for each recommendation in the list, with the same filters.",
    columns=[
        Column("slug", "The recommendation's permanent identifier on this portal.", lambda r, _: r.slug),
        Column("number", "The report's own number for it, where a source gives one (e.g. 5.2); otherwise empty.", lambda r, _: r.number),
        Column("title", "A short title, in our own words.", lambda r, _: r.title),
        Column("summary", "What it asks for, in our own words.", lambda r, _: r.summary),
        Column("chapter_number", "The number of the report's chapter it sits in.", lambda r, _: r.chapter.number, "number"),
        Column("chapter_title", "That chapter's title, as the report's contents page has it.", lambda r, _: r.chapter.title),
        Column("chapter_basis", "stated: a source places it in this chapter; inferred: we placed it there from its topic.", lambda r, _: r.chapter_basis),
        Column("missions", "The slugs of the review's missions it serves.", lambda r, _: [m.slug for m in r.missions.all()], "list"),
        Column("addressed_to", "Who must act, as the sources say; empty if they do not.", lambda r, _: r.addressed_to),
        Column("confidence", "How sure we are that the report makes it: " + "; ".join(label[0].lower() + label[1:] for label in Confidence.labels) + ".", lambda r, _: r.confidence),
        Column("is_headline", "true if a source lists it among the review's main recommendations.", lambda r, _: r.is_headline, "boolean"),
        Column("response_count", "How many stakeholder responses on this portal speak to it.", lambda r, _: r.response_count, "number"),
        Column("url", "Its page on this portal.", lambda r, request: _absolute(request, r.get_absolute_url())),
        Column("sources", "The slugs of the sources cited for it (each has a page at /sources/<slug>/).", lambda r, _: _cited_sources(r), "list"),
        Column("position", "The government's latest stated position on it: " + ", ".join(Position.values) + ".", lambda r, _: r.position),
        Column("delivery_status", "Where delivery stood at the latest update: " + ", ".join(DeliveryStatus.values) + ".", lambda r, _: r.delivery_status),
    ],
)  # fmt: skip


def filename(download, filterset, extension):
    """E.g. recommendations_mission-stable-homes_confidence-high.csv."""
    parts = {}
    for value in applied(filterset):
        parts.setdefault(value.name, []).append(slugify(value.value)[:40])
    name = download.name + "".join(
        f"_{key}-{'-'.join(values)}" for key, values in parts.items()
    )
    if len(name) > MAX_FILENAME_LENGTH:
        name = f"{download.name}_filtered"
    return f"{name}.{extension}"


def respond(request, download, filterset_class, queryset, extension, tiebreak):
    """The filtered records as a CSV or JSON attachment. Unlike the list pages, a
    download does not leave out values it cannot use: a file silently unfiltered
    would mislead, so it answers 400 and says what was wrong."""
    filterset, problems = bind(
        filterset_class, request.GET, queryset=queryset, request=request
    )
    if problems:
        reasons = [f"{problem.name}: {problem.reason}" for problem in problems]
        if extension == "json":
            return JsonResponse({"errors": reasons}, status=400)
        return HttpResponse(
            "These filters could not be used:\n" + "\n".join(reasons) + "\n",
            content_type="text/plain; charset=utf-8",
            status=400,
        )
    records = in_stable_order(filterset.qs, *tiebreak)
    rows = [
        {column.name: column.value(record, request) for column in download.columns}
        for record in records
    ]
    disposition = content_disposition_header(
        as_attachment=True, filename=filename(download, filterset, extension)
    )
    if extension == "json":
        query = applied_query(filterset)
        body = {
            "count": len(rows),
            "filters": {name: query.getlist(name) for name in query},
            "results": rows,
        }
        return HttpResponse(
            json.dumps(body, ensure_ascii=False, indent=2),
            content_type="application/json",
            headers={"Content-Disposition": disposition},
        )
    response = HttpResponse(
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": disposition},
    )
    # A byte order mark, so that Excel reads the file as UTF-8 (“curly quotes”, £).
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow([column.name for column in download.columns])
    for row in rows:
        writer.writerow([csv_cell(value) for value in row.values()])
    return response


def csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join(value)
    return value


def describe(download, filterset_class, list_url_name, url_name_prefix):
    """What the /data/ page says about a download, from the definitions it uses."""
    return {
        "download": download,
        "list_url": reverse(list_url_name),
        "csv_url": reverse(f"{url_name_prefix}_csv"),
        "json_url": reverse(f"{url_name_prefix}_json"),
        "parameters": [
            (name, filter_.label or name, _accepts(filter_))
            for name, filter_ in filterset_class.base_filters.items()
        ],
    }


def _accepts(filter_):
    if isinstance(filter_, QuerySetRequestMixin):
        accepts = f"the slug of a {filter_.queryset.model._meta.verbose_name}"
    elif "choices" in filter_.extra:
        choices = [str(value) for value, _ in filter_.extra["choices"] if value]
        accepts = "one of " + ", ".join(choices)
    else:
        accepts = "words to search for"
    if isinstance(filter_, OrderingFilter):
        accepts += " (a minus sign reverses the order)"
    elif is_multiple(filter_):
        accepts += "; repeat it to match any of several"
    return accepts
