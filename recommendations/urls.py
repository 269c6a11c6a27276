from django.urls import path

from recommendations import views

app_name = "recommendations"
urlpatterns = [
    path(
        "chapters/<slug:slug>/",
        views.ChapterDetailView.as_view(),
        name="chapter_detail",
    ),
    path(
        "missions/<slug:slug>/",
        views.MissionDetailView.as_view(),
        name="mission_detail",
    ),
    path(
        "recommendations/<slug:slug>/",
        views.RecommendationDetailView.as_view(),
        name="recommendation_detail",
    ),
    path("key-figures/", views.KeyFigureListView.as_view(), name="keyfigure_list"),
    path("timeline/", views.TimelineEventListView.as_view(), name="timelineevent_list"),
]
