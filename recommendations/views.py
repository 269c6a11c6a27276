from types import SimpleNamespace

import django_filters
from django.core.paginator import Paginator
from django.db.models import Count, F, Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.generic import DetailView, ListView

from recommendations import downloads, tracking
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
    GovernmentUpdate,
    KeyFigure,
    Mission,
    Recommendation,
    Review,
    TimelineEvent,
)
from review_portal.lib.downloads import (
    download_view,
    problems_response,
    respond,
    rows_response,
)
from review_portal.lib.lists import (
    Facet,
    FacetCounts,
    FacetedListView,
    Option,
    Problem,
    applied,
    filtered_except,
    quoted,
)
from sources.models import (
    WITHOUT_SOURCE_TEXT,
    ChapterTitle,
    Citation,
    Commitment,
    CommitmentState,
    SourceDocument,
    StakeholderResponse,
)
from sources.rereads import Reread


class ChapterListView(ListView):
    template_name = "recommendations/chapter_list.html"

    def get_queryset(self):
        return Chapter.objects.with_counts()

    def get_context_data(self, **kwargs):
        # Drawn from the page's own rows: the chart costs no query.
        return super().get_context_data(chart=chapter_chart(self.object_list), **kwargs)


class MissionListView(ListView):
    template_name = "recommendations/mission_list.html"

    def get_queryset(self):
        return Mission.objects.with_counts()


class RecommendationsPageMixin:
    """A detail page (a chapter, a mission) that lists its recommendations a page
    at a time: what it costs follows the page, not how many it holds."""

    recommendations_per_page = 50

    def get_context_data(self, **kwargs):
        paginator = Paginator(self.get_recommendations(), self.recommendations_per_page)
        page = paginator.get_page(self.request.GET.get("page"))
        return super().get_context_data(
            page_obj=page,
            page_range=paginator.get_elided_page_range(page.number),
            **kwargs,
        )


class ChapterDetailView(RecommendationsPageMixin, DetailView):
    template_name = "recommendations/chapter_detail.html"

    def get_recommendations(self):
        return self.object.recommendations.with_tracking_dates().order_by("slug")

    def get_queryset(self):
        return Chapter.objects.with_last_updated().prefetch_related(
            Prefetch(
                "titles",
                queryset=ChapterTitle.objects.select_related("source").defer(
                    *WITHOUT_SOURCE_TEXT
                ),
            ),
            "citations__source",
        )


class MissionDetailView(RecommendationsPageMixin, DetailView):
    template_name = "recommendations/mission_detail.html"

    def get_recommendations(self):
        return (
            self.object.recommendations.select_related("chapter")
            .with_tracking_dates()
            .order_by("slug")
        )

    def get_queryset(self):
        return Mission.objects.with_last_updated()


class RecommendationDetailView(DetailView):
    template_name = "recommendations/recommendation_detail.html"

    def get(self, request, *args, **kwargs):
        try:
            return super().get(request, *args, **kwargs)
        except Http404:
            # A duplicate merged into another record: its address moved for good.
            absorbed = Recommendation.objects.absorbing(kwargs["slug"])
            if absorbed is not None:
                return redirect(absorbed, permanent=True)
            # Removed under our rules: 410 Gone, with when and why.
            removal = Reread.objects.removal(kwargs["slug"])
            if removal is None:
                raise
            return TemplateResponse(
                request,
                "recommendations/removed.html",
                {"removal": removal},
                status=410,
            )

    def get_queryset(self):
        responses = StakeholderResponse.objects.select_related(
            "organisation", "source"
        ).defer(*WITHOUT_SOURCE_TEXT)
        updates = GovernmentUpdate.objects.order_by("date", "slug").prefetch_related(
            Prefetch("citations", queryset=Citation.objects.with_source()),
            "commitments",
        )
        commitments = Commitment.objects.select_related("source", "met_source")
        return (
            Recommendation.objects.for_list()
            .with_last_updated()
            .prefetch_related(
                "key_figures",
                Prefetch("citations", queryset=Citation.objects.with_source()),
                Prefetch("responses", queryset=responses),
                Prefetch("government_updates", queryset=updates),
                Prefetch("commitments", queryset=commitments),
                "discrepancies",
                "parts",
                "umbrellas",
            )
        )

    def get_context_data(self, **kwargs):
        recommendation = self.object
        position_update, status_update = tracking.current_updates(
            recommendation.government_updates.all()
        )
        previous, next_ = Recommendation.objects.neighbours(recommendation)
        return super().get_context_data(
            previous=previous,
            next=next_,
            accessed=timezone.localdate(),
            permanent_url=self.request.build_absolute_uri(
                recommendation.get_absolute_url()
            ),
            position_update=position_update,
            status_update=status_update,
            # The exact words that give each, with whose words they are.
            position_words=tracking.words_for(position_update, "position"),
            status_words=tracking.words_for(status_update, "delivery_status"),
            position_definition=tracking.POSITION_DEFINITIONS[recommendation.position],
            status_definition=tracking.DELIVERY_STATUS_DEFINITIONS[
                recommendation.delivery_status
            ],
            confidence_definition=tracking.CONFIDENCE_DEFINITIONS[
                recommendation.confidence
            ],
            **kwargs,
        )


class KeyFigureListView(ListView):
    template_name = "recommendations/keyfigure_list.html"

    def get_queryset(self):
        # The discrepancies of each figure's recommendation: the page links those
        # about money from the figures in pounds.
        return KeyFigure.objects.select_related("recommendation").prefetch_related(
            Prefetch("citations", queryset=Citation.objects.with_source()),
            "recommendation__discrepancies",
        )


class TimelineEventListView(ListView):
    template_name = "recommendations/timelineevent_list.html"

    def get_queryset(self):
        return TimelineEvent.objects.prefetch_related("citations__source")


class DiscrepancyListView(ListView):
    template_name = "recommendations/discrepancy_list.html"

    def get_queryset(self):
        # Each side in the order its source was published, undated sources last.
        sides = Citation.objects.with_source().order_by(
            F("source__published_on").asc(nulls_last=True), "slug"
        )
        return Discrepancy.objects.select_related("recommendation").prefetch_related(
            Prefetch("citations", queryset=sides)
        )

    def get_context_data(self, **kwargs):
        discrepancies = self.object_list
        groups = [
            (
                "about-the-review",
                "About the review",
                [d for d in discrepancies if d.recommendation_id is None],
            ),
            (
                "about-recommendations",
                "About recommendations",
                [d for d in discrepancies if d.recommendation_id],
            ),
        ]
        return super().get_context_data(
            groups=[group for group in groups if group[2]], **kwargs
        )


def how_we_track(request):
    chapters = Chapter.objects.all()
    captures = SourceDocument.objects.values_list("capture").annotate(n=Count("pk"))
    review = Review.objects.first()
    return render(
        request,
        "recommendations/how_we_track.html",
        {
            "review": review,
            "breakdown": tracking.breakdown(chapters),
            "count": tracking.recommendation_count(review),
            "position_rules": tracking.POSITION_RULES,
            "status_rules": tracking.STATUS_RULES,
            "captures": dict(captures.order_by()),
        },
    )


def tracker(request, extension=None):
    chapters = list(Chapter.objects.all())
    form = tracking.TrackerForm(request.GET, chapters)
    chapter = problem = None
    if not form.is_valid():
        # A mistyped or stale link still shows the whole review, and says so.
        problem = (
            f"“{quoted(request.GET.get('chapter', ''))}” is not a chapter of the report"
        )
    elif form.cleaned_data["chapter"]:
        chapter = next(c for c in chapters if c.slug == form.cleaned_data["chapter"])
    # Recommendations only, as the list each cell links to counts them.
    recommendations = Recommendation.objects.counted()
    if chapter is not None:
        recommendations = recommendations.filter(chapter=chapter)
    counts = tracking.tracker_counts(recommendations)
    table = tracking.tracker_table(counts, chapter.slug if chapter else "")
    if extension:
        # The download says what could not be used, as every download does.
        if problem:
            # The error shape's valid values come from a filter's choices.
            accepts = SimpleNamespace(
                base_filters={
                    "chapter": django_filters.ChoiceFilter(
                        choices=[(c.slug, str(c)) for c in chapters]
                    )
                }
            )
            return problems_response(
                [Problem("chapter", "Chapter", problem)], accepts, extension
            )
        return rows_response(
            downloads.TRACKER,
            table.rows,
            extension,
            {"chapter": [chapter.slug]} if chapter else {},
        )
    return render(
        request,
        "recommendations/tracker.html",
        {
            "form": form,
            "chapters": chapters,
            "chapter": chapter,
            "problem": problem,
            "tracker": table,
            "overdue": overdue_column(
                recommendations, table, chapter.slug if chapter else ""
            ),
        },
    )


def overdue_column(recommendations, table, chapter_slug):
    """The tracker's last column: per position row, how many of `recommendations`
    have a promised date that has passed with no source saying it was met; and the
    column's total. Each count links to the list of them."""
    overdue = recommendations.filter(
        pk__in=Commitment.objects.in_state(CommitmentState.OVERDUE).values(
            "recommendation"
        )
    )
    by_position = dict(
        overdue.values_list("position").annotate(n=Count("pk")).order_by()
    )
    rows = [
        (
            row,
            by_position.get(row.position.value, 0),
            tracking.list_url(
                position=row.position.value,
                commitment=CommitmentState.OVERDUE,
                chapter=chapter_slug,
            ),
        )
        for row in table.rows
    ]
    total_url = tracking.list_url(
        commitment=CommitmentState.OVERDUE, chapter=chapter_slug
    )
    return {"rows": rows, "total": sum(by_position.values()), "url": total_url}


class RecommendationListView(FacetedListView):
    filterset_class = RecommendationFilter
    template_name = "recommendations/recommendation_list.html"
    noun = "recommendation"
    noun_plural = "recommendations"
    download_url_prefix = "recommendations:recommendation"
    default_sort = "chapter"
    facets = [
        Facet("chapter", "recommendations"),
        Facet("mission", "recommendations"),
        Facet("position"),
        Facet("delivery_status"),
        Facet("stance"),
        Facet("organisation", "responses__recommendations", capped=True),
        Facet("confidence"),
        Facet("kind"),
    ]

    def get_queryset(self):
        return Recommendation.objects.listed()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # Promised dates are computed against today, not stored, so their counts
        # are made here rather than by count_facets().
        context["facets"] = [*context["facets"], commitment_facet(self.filterset)]
        context["count"] = tracking.recommendation_count(
            Review.objects.first(), self.every_kind_counted(context["facets"])
        )
        return context

    def every_kind_counted(self, facets):
        """The kind facet's counts when no other filter narrows the list: then they
        count every record, so the honest count needs no query of its own."""
        if any(value.name != "kind" for value in applied(self.filterset)):
            return None
        kinds = next(facet for facet in facets if facet.name == "kind")
        return {option.value: option.count for option in kinds.options}


def commitment_facet(filterset):
    """The "Promised dates" facet: how many of the listed recommendations (given the
    other filters) have a commitment in each state today. One query: the dates of
    the listed recommendations' commitments (there are few), whose states are
    worked out here as on the recommendation's page; the listed ones are a
    subquery, so the cost follows the filtered set."""
    listed = filtered_except(filterset, "commitment").values("pk")
    by_state = {state: set() for state in CommitmentState.values}
    for commitment in Commitment.objects.filter(recommendation__in=listed).only(
        "recommendation", "due_on", "due_precision", "met_on", "met_precision"
    ):
        by_state[commitment.state()].add(commitment.recommendation_id)
    chosen = set(filterset.form.cleaned_data.get("commitment") or [])
    options = [
        Option(value, label, len(by_state[value]), value in chosen)
        for value, label in CommitmentState.choices
    ]
    return FacetCounts("commitment", "Promised dates", True, options)


def recommendation_download(request, extension):
    return respond(
        request,
        RECOMMENDATIONS,
        RecommendationFilter,
        Recommendation.objects.downloaded(),
        extension,
        tiebreak=["slug"],
    )


# The other lists' downloads: the list's records as its page shows them, with
# the API's filters (recommendations/filters.py).

government_update_download = download_view(
    downloads.GOVERNMENT_UPDATES,
    GovernmentUpdateFilter,
    lambda: (
        GovernmentUpdate.objects.select_related("recommendation")
        .prefetch_related(
            Prefetch("citations", queryset=Citation.objects.with_source())
        )
        .order_by("date", "slug")
    ),
)
keyfigure_download = download_view(
    downloads.KEY_FIGURES,
    KeyFigureFilter,
    lambda: KeyFigure.objects.select_related("recommendation").prefetch_related(
        Prefetch("citations", queryset=Citation.objects.with_source())
    ),
)
timelineevent_download = download_view(
    downloads.TIMELINE,
    TimelineEventFilter,
    lambda: TimelineEvent.objects.prefetch_related(
        Prefetch("citations", queryset=Citation.objects.with_source())
    ),
)
discrepancy_download = download_view(
    downloads.DISCREPANCIES,
    DiscrepancyFilter,
    lambda: Discrepancy.objects.select_related("recommendation").prefetch_related(
        Prefetch("citations", queryset=Citation.objects.with_source())
    ),
)
