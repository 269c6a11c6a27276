from django.db.models import Count, F, Prefetch
from django.shortcuts import render
from django.views.generic import DetailView, ListView

from recommendations.changes import with_last_updated
from recommendations.charts import chapter_chart, stance_chart
from recommendations.downloads import (
    RECOMMENDATIONS,
    describe,
    downloaded_recommendations,
    listed_recommendations,
    respond,
)
from recommendations.facets import Facet, FacetedListView
from recommendations.filters import RecommendationFilter
from recommendations.models import (
    Chapter,
    KeyFigure,
    Mission,
    Recommendation,
    Review,
    TimelineEvent,
)
from sources.downloads import RESPONSES
from sources.filters import StakeholderResponseFilter
from sources.models import ChapterTitle, StakeholderResponse


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


class RecommendationDetailView(DetailView):
    template_name = "recommendations/recommendation_detail.html"

    def get_queryset(self):
        responses = StakeholderResponse.objects.select_related("organisation", "source")
        return with_last_updated(Recommendation.objects.for_list()).prefetch_related(
            "key_figures",
            "citations__source",
            Prefetch("responses", queryset=responses),
        )


class KeyFigureListView(ListView):
    template_name = "recommendations/keyfigure_list.html"

    def get_queryset(self):
        return KeyFigure.objects.select_related("recommendation").prefetch_related(
            "citations__source"
        )


class TimelineEventListView(ListView):
    template_name = "recommendations/timelineevent_list.html"

    def get_queryset(self):
        return TimelineEvent.objects.prefetch_related("citations__source")


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
