from django.urls import path

from recommendations import changes, views
from recommendations.feeds import ChangeFeed, RecommendationChangeFeed
from recommendations.models import Chapter, Mission, Recommendation

app_name = "recommendations"
urlpatterns = [
    path("chapters/", views.ChapterListView.as_view(), name="chapter_list"),
    path("missions/", views.MissionListView.as_view(), name="mission_list"),
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
        "recommendations/",
        views.RecommendationListView.as_view(),
        name="recommendation_list",
    ),
    path(
        "recommendations.csv",
        views.recommendation_download,
        {"extension": "csv"},
        name="recommendation_csv",
    ),
    path(
        "recommendations.json",
        views.recommendation_download,
        {"extension": "json"},
        name="recommendation_json",
    ),
    path("data/", views.data, name="data"),
    # Before the detail page, whose slug pattern "feed" would match.
    path(
        "recommendations/feed/",
        RecommendationChangeFeed(),
        name="recommendation_feed",
    ),
    path(
        "recommendations/<slug:slug>/",
        views.RecommendationDetailView.as_view(),
        name="recommendation_detail",
    ),
    path("changes/", changes.change_list, name="change_list"),
    path("changes/feed/", ChangeFeed(), name="change_feed"),
    path(
        "recommendations/<slug:slug>/history/",
        changes.RecordHistoryView.as_view(model=Recommendation),
        name="recommendation_history",
    ),
    path(
        "chapters/<slug:slug>/history/",
        changes.RecordHistoryView.as_view(model=Chapter),
        name="chapter_history",
    ),
    path(
        "missions/<slug:slug>/history/",
        changes.RecordHistoryView.as_view(model=Mission),
        name="mission_history",
    ),
    path("key-figures/", views.KeyFigureListView.as_view(), name="keyfigure_list"),
    path("timeline/", views.TimelineEventListView.as_view(), name="timelineevent_list"),
    path("how-we-track/", views.how_we_track, name="how_we_track"),
    path("tracker/", views.tracker, name="tracker"),
    path(
        "discrepancies/",
        views.DiscrepancyListView.as_view(),
        name="discrepancy_list",
    ),
]
