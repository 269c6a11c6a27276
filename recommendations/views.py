from django.db.models import Count, F, Prefetch
from django.shortcuts import render
from django.utils import timezone
from django.views.generic import DetailView, ListView

from recommendations import tracking
from recommendations.changes import with_last_updated
from recommendations.charts import chapter_chart, stance_chart
from recommendations.downloads import (
    RECOMMENDATIONS,
    describe,
    downloaded_recommendations,
    listed_recommendations,
    respond,
)
from recommendations.facets import Facet, FacetedListView, shown
from recommendations.filters import RecommendationFilter
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
from sources.downloads import RESPONSES
from sources.filters import StakeholderResponseFilter
from sources.models import ChapterTitle, Citation, SourceDocument, StakeholderResponse


def chapters_with_counts():
    # Django drops Meta.ordering from GROUP BY queries: order them again.
    return Chapter.objects.annotate(
        n_recommendations=Count("recommendations")
    ).order_by("number")


def missions_with_counts():
    return Mission.objects.annotate(
        n_recommendations=Count("recommendations")
    ).order_by("number")


def home(request):
    chapters = list(chapters_with_counts())
    return render(
        request,
        "home.html",
        {
            "review": Review.objects.first(),
            "chapters": chapters,
            # Every recommendation is in exactly one chapter: no query to count them.
            "n_recommendations": sum(c.n_recommendations for c in chapters),
            "missions": missions_with_counts(),
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


def charts(request):
    stances = StakeholderResponse.objects.values_list("stance").annotate(n=Count("pk"))
    return render(
        request,
        "charts.html",
        {
            "chapter_chart": chapter_chart(chapters_with_counts()),
            "stance_chart": stance_chart(dict(stances)),
        },
    )


class ChapterListView(ListView):
    template_name = "recommendations/chapter_list.html"

    def get_queryset(self):
        return chapters_with_counts()

    def get_context_data(self, **kwargs):
        # Drawn from the page's own rows: the chart costs no query.
        return super().get_context_data(chart=chapter_chart(self.object_list), **kwargs)


class MissionListView(ListView):
    template_name = "recommendations/mission_list.html"

    def get_queryset(self):
        return missions_with_counts()


class ChapterDetailView(DetailView):
    template_name = "recommendations/chapter_detail.html"

    def get_queryset(self):
        return with_last_updated(Chapter.objects).prefetch_related(
            Prefetch(
                "recommendations", queryset=Recommendation.objects.order_by("slug")
            ),
            Prefetch("titles", queryset=ChapterTitle.objects.select_related("source")),
            "citations__source",
        )


class MissionDetailView(DetailView):
    template_name = "recommendations/mission_detail.html"

    def get_queryset(self):
        return with_last_updated(Mission.objects).prefetch_related(
            Prefetch(
                "recommendations",
                queryset=Recommendation.objects.select_related("chapter"),
            )
        )


def citations_with_sources():
    # Each citation's source joined in, rather than one more query for them all.
    return Citation.objects.select_related("source")


class RecommendationDetailView(DetailView):
    template_name = "recommendations/recommendation_detail.html"

    def get_queryset(self):
        responses = StakeholderResponse.objects.select_related("organisation", "source")
        updates = GovernmentUpdate.objects.order_by("date", "slug").prefetch_related(
            Prefetch("citations", queryset=citations_with_sources())
        )
        return with_last_updated(Recommendation.objects.for_list()).prefetch_related(
            "key_figures",
            Prefetch("citations", queryset=citations_with_sources()),
            Prefetch("responses", queryset=responses),
            Prefetch("government_updates", queryset=updates),
            "discrepancies",
        )

    def get_context_data(self, **kwargs):
        recommendation = self.object
        position_update, status_update = tracking.current_updates(
            recommendation.government_updates.all()
        )
        # Previous and next in reading order (chapter, then slug): one query for the
        # few dozen slugs rather than two ordered comparisons across a join.
        order = list(
            Recommendation.objects.order_by("chapter__number", "slug").values_list(
                "slug", "title"
            )
        )
        index = [slug for slug, _ in order].index(recommendation.slug)
        return super().get_context_data(
            previous=order[index - 1] if index > 0 else None,
            next=order[index + 1] if index + 1 < len(order) else None,
            accessed=timezone.localdate(),
            permanent_url=self.request.build_absolute_uri(
                recommendation.get_absolute_url()
            ),
            position_update=position_update,
            status_update=status_update,
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
            Prefetch("citations", queryset=citations_with_sources()),
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
        sides = citations_with_sources().order_by(
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
    return render(
        request,
        "recommendations/how_we_track.html",
        {
            "review": Review.objects.first(),
            "breakdown": tracking.breakdown(chapters),
            "captures": dict(captures.order_by()),
        },
    )


def tracker(request):
    chapters = list(Chapter.objects.all())
    form = tracking.TrackerForm(request.GET, chapters)
    chapter = problem = None
    if not form.is_valid():
        # A mistyped or stale link still shows the whole review, and says so.
        problem = (
            f"“{shown(request.GET.get('chapter', ''))}” is not a chapter of the report"
        )
    elif form.cleaned_data["chapter"]:
        chapter = next(c for c in chapters if c.slug == form.cleaned_data["chapter"])
    recommendations = Recommendation.objects.all()
    if chapter is not None:
        recommendations = recommendations.filter(chapter=chapter)
    counts = tracking.tracker_counts(recommendations)
    return render(
        request,
        "recommendations/tracker.html",
        {
            "form": form,
            "chapters": chapters,
            "chapter": chapter,
            "problem": problem,
            "tracker": tracking.tracker(counts, chapter.slug if chapter else ""),
        },
    )


class RecommendationListView(FacetedListView):
    filterset_class = RecommendationFilter
    template_name = "recommendations/recommendation_list.html"
    noun_plural = "recommendations"
    default_sort = "chapter"
    facets = [
        Facet("chapter", "recommendations"),
        Facet("mission", "recommendations"),
        Facet("position"),
        Facet("delivery_status"),
        Facet("stance"),
        Facet("organisation", "responses__recommendations"),
        Facet("confidence"),
    ]

    def get_queryset(self):
        return listed_recommendations()


def recommendation_download(request, extension):
    return respond(
        request,
        RECOMMENDATIONS,
        RecommendationFilter,
        downloaded_recommendations(),
        extension,
        tiebreak=["slug"],
    )


def data(request):
    return render(
        request,
        "data.html",
        {
            "downloads": [
                describe(
                    RECOMMENDATIONS,
                    RecommendationFilter,
                    "recommendations:recommendation_list",
                    "recommendations:recommendation",
                ),
                describe(
                    RESPONSES,
                    StakeholderResponseFilter,
                    "sources:stakeholderresponse_list",
                    "sources:stakeholderresponse",
                ),
            ]
        },
    )
