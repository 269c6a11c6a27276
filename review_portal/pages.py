"""The site-wide pages, which read both apps: home, charts, data and search; and
/favicon.ico."""

from types import SimpleNamespace

import django_filters
from django.apps import apps
from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Count, F
from django.http import FileResponse, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import strip_tags
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from recommendations import downloads as recommendation_downloads
from recommendations import tracking
from recommendations.charts import chapter_chart
from recommendations.downloads import RECOMMENDATIONS
from recommendations.filters import (
    DiscrepancyFilter,
    GovernmentUpdateFilter,
    KeyFigureFilter,
    RecommendationFilter,
    TimelineEventFilter,
)
from recommendations.models import (
    Chapter,
    Discrepancy,
    KeyFigure,
    Mission,
    Review,
)
from review_portal.glossary import PORTAL_TERMS, TERMS
from review_portal.lib.charts import bar_chart
from review_portal.lib.dataset import NAME as DATASET_NAME
from review_portal.lib.dataset import dataset
from review_portal.lib.downloads import (
    Column,
    RowsDownload,
    data_page_entry,
    problems_response,
    rows_page_entry,
    rows_response,
)
from review_portal.lib.forgiving import forgiving_search
from review_portal.lib.lists import Problem
from review_portal.lib.search import KINDS, SearchForm, _kind_choices
from sources.downloads import ORGANISATIONS, RESPONSES, SOURCES
from sources.filters import (
    OrganisationFilter,
    SourceDocumentFilter,
    StakeholderResponseFilter,
)
from sources.models import StakeholderResponse, Stance

SEARCH_PAGE_SIZE = 20
FAVICON = settings.BASE_DIR / "static" / "images" / "favicon.ico"


def home(request):
    chapters = list(Chapter.objects.with_counts())
    review = Review.objects.first()
    return render(
        request,
        "home.html",
        {
            "review": review,
            "count": tracking.recommendation_count(review),
            "chapters": chapters,
            # Every recommendation is in exactly one chapter: no query to count them.
            "n_recommendations": sum(c.n_recommendations for c in chapters),
            "missions": Mission.objects.with_counts(),
            "key_figures": KeyFigure.objects.all()[:4],
            # An undated response cannot be among the latest.
            "latest_responses": StakeholderResponse.objects.select_related(
                "organisation"
            )
            .filter(responded_on__isnull=False)
            .order_by(F("responded_on").desc(), "slug")[:5],
            # Sources that disagree about the review's own facts (its length, its
            # number of recommendations, dates), shown beside them.
            "review_discrepancies": Discrepancy.objects.filter(recommendation=None),
            "position_tallies": tracking.position_tallies(),
        },
    )


def stance_chart(counts):
    """Responses by stance, from {stance: number of responses}; every stance gets
    a bar, so that a stance no one took shows as 0 rather than missing."""
    responses = reverse("sources:stakeholderresponse_list")
    rows = [
        (stance.label, counts.get(stance, 0), f"{responses}?stance={stance}")
        for stance in Stance
    ]
    total = sum(value for _, value, _ in rows)
    return bar_chart(
        "stances-chart",
        "What stakeholders said about the review, by stance",
        f"A bar chart of the stance each of the {total} stakeholder responses "
        "this portal records takes.",
        "Stance",
        "responses",
        rows,
    )


def charts(request):
    stances = StakeholderResponse.objects.values_list("stance").annotate(n=Count("pk"))
    return render(
        request,
        "charts.html",
        {
            "chapter_chart": chapter_chart(Chapter.objects.with_counts()),
            "stance_chart": stance_chart(dict(stances)),
        },
    )


def _plain(snippet):
    return strip_tags(str(snippet)).replace("\xa0", " ") or None


SEARCH_RESULTS = RowsDownload(
    name="search",
    title="Search results",
    description="One row for each result of a search, best first, as the search "
    "page lists them (all its pages): ?q=<words>, and &kind= for one kind. A "
    "corrected or any-word search gives the results the page shows.",
    columns=[
        Column("position", "Its place in the results, from 1.", lambda h, _: h.position, "number"),
        Column("kind", "What it is: " + ", ".join(KINDS) + ".", lambda h, _: h.kind.key),
        Column("slug", "Its permanent identifier on this portal.", lambda h, _: h.object.slug),
        Column("title", "Its title (an organisation's name; a response's organisation and date).", lambda h, _: h.title),
        Column("url", "Its page on this portal.", lambda h, request: h.absolute_url),
        Column("snippet", "The words around the match, as plain text.", lambda h, _: _plain(h.snippet)),
        Column("searched", "The query the results are for: the corrected one where the query as typed found nothing.", lambda h, _: h.searched),
    ],
)  # fmt: skip


def search_download(request, extension):
    form = SearchForm(request.GET)
    if not form.is_valid():
        problems = [
            Problem(name, name, " ".join(errors))
            for name, errors in form.errors.items()
        ]
        accepts = SimpleNamespace(
            base_filters={
                "kind": django_filters.ChoiceFilter(choices=_kind_choices()),
                "q": django_filters.CharFilter(),
            }
        )
        return problems_response(problems, accepts, extension)
    query, kind = form.cleaned_data["q"], form.cleaned_data["kind"]
    outcome = forgiving_search(query, exact=bool(request.GET.get("exact")))
    results = outcome.results.of_kind(kind) if kind else outcome.results
    hits = results[:]
    for position, hit in enumerate(hits, 1):
        hit.position = position
        hit.absolute_url = request.build_absolute_uri(hit.url)
        hit.searched = outcome.searched
    filters = {name: [value] for name, value in (("q", query), ("kind", kind)) if value}
    return rows_response(SEARCH_RESULTS, hits, extension, filters)


# The /data/ page's downloads, in its order. Of one model's records: the download,
# its filters, its list page's URL name and its own URL names' prefix (<prefix>_csv,
# <prefix>_json).
MODEL_DOWNLOADS = [
    (
        RECOMMENDATIONS,
        RecommendationFilter,
        "recommendations:recommendation_list",
        "recommendations:recommendation",
    ),
    (
        RESPONSES,
        StakeholderResponseFilter,
        "sources:stakeholderresponse_list",
        "sources:stakeholderresponse",
    ),
    (
        recommendation_downloads.GOVERNMENT_UPDATES,
        GovernmentUpdateFilter,
        "recommendations:tracker",
        "recommendations:governmentupdate",
    ),
    (
        recommendation_downloads.TIMELINE,
        TimelineEventFilter,
        "recommendations:timelineevent_list",
        "recommendations:timelineevent",
    ),
    (
        recommendation_downloads.DISCREPANCIES,
        DiscrepancyFilter,
        "recommendations:discrepancy_list",
        "recommendations:discrepancy",
    ),
    (
        recommendation_downloads.KEY_FIGURES,
        KeyFigureFilter,
        "recommendations:keyfigure_list",
        "recommendations:keyfigure",
    ),
    (
        ORGANISATIONS,
        OrganisationFilter,
        "sources:organisation_list",
        "sources:organisation",
    ),
    (
        SOURCES,
        SourceDocumentFilter,
        "sources:sourcedocument_list",
        "sources:sourcedocument",
    ),
]
# Then the downloads of rows of a page: the download, the page's URL name (also its
# downloads' prefix) and the parameters it takes (name, label, what it accepts).
ROWS_DOWNLOADS = [
    (
        recommendation_downloads.TRACKER,
        "recommendations:tracker",
        [("chapter", "Chapter", "the slug of a chapter")],
    ),
    (
        SEARCH_RESULTS,
        "search",
        [
            ("q", "Search", "words to search for, as on the search page"),
            ("kind", "Kind", "one of " + ", ".join(KINDS)),
            ("exact", "Exact", "1 to search only as typed, uncorrected"),
        ],
    ),
]


def downloads_page(request):
    """The /data/ page: each download with its addresses and parameters."""
    downloads = [data_page_entry(*entry) for entry in MODEL_DOWNLOADS]
    downloads += [
        rows_page_entry(
            download,
            reverse(name),
            reverse(f"{name}_csv"),
            reverse(f"{name}_json"),
            parameters,
        )
        for download, name, parameters in ROWS_DOWNLOADS
    ]
    return render(request, "data.html", {"downloads": downloads})


def search_page(request):
    form = SearchForm(request.GET)
    form.is_valid()  # An unknown kind is dropped (all kinds are searched), not a 400.
    query = form.cleaned_data.get("q", "")
    kind = form.cleaned_data.get("kind", "")
    # Typos and joined words corrected, and any-word results when every word
    # together finds (almost) nothing: review_portal/lib/forgiving.py.
    outcome = forgiving_search(query, exact=bool(request.GET.get("exact")))
    results = outcome.results
    of_kind = results.of_kind(kind) if kind else results
    # Only the page's slice of the results fetches records and snippets.
    page_obj = Paginator(of_kind, SEARCH_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "search.html",
        {
            "query": query,
            "kind": kind,
            "outcome": outcome,
            "results": results,
            "page_obj": page_obj,
            "page_range": page_obj.paginator.get_elided_page_range(page_obj.number),
        },
    )


@require_safe
@cache_control(max_age=60 * 60 * 24, public=True)
def favicon(request):
    """/favicon.ico, which browsers and crawlers ask for whatever the page links."""
    return FileResponse(FAVICON.open("rb"), content_type="image/x-icon")


def glossary(request):
    """The words the sector uses, in plain words (review_portal/glossary.py)."""
    return render(
        request,
        "glossary.html",
        {
            "terms": sorted(TERMS, key=lambda t: t.term.lower()),
            "portal_terms": PORTAL_TERMS,
        },
    )


def cover_your_tracks(request):
    """How to leave no trace of a visit, for visitors who may be at risk."""
    return render(request, "cover_your_tracks.html")


# The whole data set (review_portal/lib/dataset.py): every public table.
DATASET_TITLE = "The Review Portal: the Independent Review of Children's Social Care"
DATASET_DESCRIPTION = (
    "Every public table of the Review Portal: the review, its chapters, missions "
    "and recommendations (with the government's current position and delivery "
    "status), the dated government updates, key figures, timeline, "
    "discrepancies, sources, organisations, stakeholder responses, publications, "
    "chapter titles and citations (each source's exact words). Records are keyed "
    "by slug; a record's page is /<table's list>/<slug>/ on the portal."
)


def public_models():
    """Every model with public fields, in the apps' order (the loader's)."""
    return [
        model
        for label in ("recommendations", "sources")
        for model in apps.get_app_config(label).get_models()
        if getattr(model, "public_fields", ()) and hasattr(model, "history")
    ]


def current_dataset():

    return dataset(
        public_models(),
        # Derived from the updates, not curated, but public on every card.
        # position and delivery_status are among its public fields already.
        {},
        title=DATASET_TITLE,
        description=DATASET_DESCRIPTION,
    )


def dataset_download(request, extension):
    archive, database, _ = current_dataset()
    body, content_type = (
        (archive, "application/zip")
        if extension == "zip"
        else (database, "application/vnd.sqlite3")
    )
    return HttpResponse(
        body,
        content_type=content_type,
        headers={
            "Content-Disposition": f'attachment; filename="{DATASET_NAME}.{extension}"'
        },
    )
