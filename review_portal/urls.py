from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path
from django.views.generic import TemplateView

from recommendations.models import Chapter, Mission, Recommendation
from review_portal import changes, pages
from review_portal.feeds import ChangeFeed, RecommendationChangeFeed
from review_portal.sitemaps import sitemaps
from sources.models import Organisation, SourceDocument, StakeholderResponse


def history(prefix, model):
    """The public history of one kind of record, e.g. /chapters/<slug>/history/."""
    return path(
        f"{prefix}/<slug:slug>/history/",
        changes.RecordHistoryView.as_view(model=model),
        name=f"{model._meta.model_name}_history",
    )


# Under /api/ these answer JSON (review_portal/errors.py).
handler404 = "review_portal.errors.page_not_found"
handler500 = "review_portal.errors.server_error"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("review_portal.api")),
    path("", pages.home, name="home"),
    path("charts/", pages.charts, name="charts"),
    path("data/", pages.downloads_page, name="data"),
    path(
        "data/review-portal.zip",
        pages.dataset_download,
        {"extension": "zip"},
        name="dataset_zip",
    ),
    path(
        "data/review-portal.sqlite",
        pages.dataset_download,
        {"extension": "sqlite"},
        name="dataset_sqlite",
    ),
    path("search/", pages.search_page, name="search"),
    path("glossary/", pages.glossary, name="glossary"),
    path("cover-your-tracks/", pages.cover_your_tracks, name="cover_your_tracks"),
    path("search.csv", pages.search_download, {"extension": "csv"}, name="search_csv"),
    path(
        "search.json", pages.search_download, {"extension": "json"}, name="search_json"
    ),
    path("changes/", changes.change_list, name="change_list"),
    path("changes/feed/", ChangeFeed(), name="change_feed"),
    # Before the recommendation's page, whose slug pattern "feed" would match.
    path(
        "recommendations/feed/",
        RecommendationChangeFeed(),
        name="recommendation_feed",
    ),
    history("recommendations", Recommendation),
    history("chapters", Chapter),
    history("missions", Mission),
    history("sources", SourceDocument),
    history("organisations", Organisation),
    history("responses", StakeholderResponse),
    path(
        "robots.txt",
        TemplateView.as_view(template_name="robots.txt", content_type="text/plain"),
    ),
    path("favicon.ico", pages.favicon, name="favicon"),
    path("sitemap.xml", sitemap, {"sitemaps": sitemaps}, name="sitemap"),
    path("", include("recommendations.urls")),
    path("", include("sources.urls")),
    path("", include("alerts.urls")),
]
