from django.db.models import Count, Prefetch
from django.shortcuts import render
from django.views.generic import DetailView, ListView

from recommendations.models import (
    Chapter,
    KeyFigure,
    Mission,
    Recommendation,
    Review,
    TimelineEvent,
)
from sources.models import ChapterTitle, StakeholderResponse


def home(request):
    return render(
        request,
        "home.html",
        {
            "review": Review.objects.first(),
            # Django drops Meta.ordering from GROUP BY queries: order them again.
            "chapters": Chapter.objects.annotate(
                n_recommendations=Count("recommendations")
            ).order_by("number"),
            "missions": Mission.objects.annotate(
                n_recommendations=Count("recommendations")
            ).order_by("number"),
            # Grouped by chapter on the page; missions are not shown there.
            "recommendations": Recommendation.objects.select_related(
                "chapter"
            ).order_by("chapter__number", "slug"),
        },
    )


class ChapterDetailView(DetailView):
    template_name = "recommendations/chapter_detail.html"

    def get_queryset(self):
        return Chapter.objects.prefetch_related(
            Prefetch(
                "recommendations", queryset=Recommendation.objects.order_by("slug")
            ),
            Prefetch("titles", queryset=ChapterTitle.objects.select_related("source")),
            "citations__source",
        )


class MissionDetailView(DetailView):
    template_name = "recommendations/mission_detail.html"

    def get_queryset(self):
        return Mission.objects.prefetch_related(
            Prefetch(
                "recommendations",
                queryset=Recommendation.objects.select_related("chapter"),
            )
        )


class RecommendationDetailView(DetailView):
    template_name = "recommendations/recommendation_detail.html"

    def get_queryset(self):
        responses = StakeholderResponse.objects.select_related("organisation", "source")
        return Recommendation.objects.for_list().prefetch_related(
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
