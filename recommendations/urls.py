from django.urls import path

from recommendations import views
from review_portal.lib.downloads import download_paths

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
    path(
        "recommendations/<slug:slug>/",
        views.RecommendationDetailView.as_view(),
        name="recommendation_detail",
    ),
    *download_paths(
        "government-updates", views.government_update_download, "governmentupdate"
    ),
    *download_paths("key-figures", views.keyfigure_download, "keyfigure"),
    *download_paths("timeline", views.timelineevent_download, "timelineevent"),
    *download_paths("discrepancies", views.discrepancy_download, "discrepancy"),
    path("key-figures/", views.KeyFigureListView.as_view(), name="keyfigure_list"),
    path("timeline/", views.TimelineEventListView.as_view(), name="timelineevent_list"),
    path("how-we-track/", views.how_we_track, name="how_we_track"),
    path("tracker/", views.tracker, name="tracker"),
    path("tracker.csv", views.tracker, {"extension": "csv"}, name="tracker_csv"),
    path("tracker.json", views.tracker, {"extension": "json"}, name="tracker_json"),
    path(
        "discrepancies/",
        views.DiscrepancyListView.as_view(),
        name="discrepancy_list",
    ),
]
