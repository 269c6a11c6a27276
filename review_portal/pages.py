"""The site-wide pages, which read both apps: home, charts, data and search."""

from django.apps import apps
from django.core.paginator import Paginator
from django.db.models import Count, F
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse

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
    Recommendation,
    Review,
)
from review_portal.lib.charts import bar_chart
from review_portal.lib.dataset import NAME as DATASET_NAME
from review_portal.lib.dataset import dataset
from review_portal.lib.downloads import data_page_entry
from review_portal.lib.forgiving import forgiving_search
from review_portal.lib.search import SearchForm
from sources.downloads import ORGANISATIONS, RESPONSES, SOURCES
from sources.filters import (
    OrganisationFilter,
    SourceDocumentFilter,
    StakeholderResponseFilter,
)
from sources.models import StakeholderResponse, Stance

SEARCH_PAGE_SIZE = 20


def home(request):
    chapters = list(Chapter.objects.with_counts())
    return render(
        request,
        "home.html",
        {
            "review": Review.objects.first(),
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


def downloads_page(request):
    return render(
        request,
        "data.html",
        {
            "downloads": [
                data_page_entry(
                    RECOMMENDATIONS,
                    RecommendationFilter,
                    "recommendations:recommendation_list",
                    "recommendations:recommendation",
                ),
                data_page_entry(
                    RESPONSES,
                    StakeholderResponseFilter,
                    "sources:stakeholderresponse_list",
                    "sources:stakeholderresponse",
                ),
                data_page_entry(
                    recommendation_downloads.GOVERNMENT_UPDATES,
                    GovernmentUpdateFilter,
                    "recommendations:tracker",
                    "recommendations:governmentupdate",
                ),
                data_page_entry(
                    recommendation_downloads.TIMELINE,
                    TimelineEventFilter,
                    "recommendations:timelineevent_list",
                    "recommendations:timelineevent",
                ),
                data_page_entry(
                    recommendation_downloads.DISCREPANCIES,
                    DiscrepancyFilter,
                    "recommendations:discrepancy_list",
                    "recommendations:discrepancy",
                ),
                data_page_entry(
                    recommendation_downloads.KEY_FIGURES,
                    KeyFigureFilter,
                    "recommendations:keyfigure_list",
                    "recommendations:keyfigure",
                ),
                data_page_entry(
                    ORGANISATIONS,
                    OrganisationFilter,
                    "sources:organisation_list",
                    "sources:organisation",
                ),
                data_page_entry(
                    SOURCES,
                    SourceDocumentFilter,
                    "sources:sourcedocument_list",
                    "sources:sourcedocument",
                ),
            ]
        },
    )


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
        {Recommendation: ("position", "delivery_status")},
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
