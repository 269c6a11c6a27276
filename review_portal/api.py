"""The public, read-only JSON API under /api/: one router over both apps' viewsets
(recommendations/api.py, sources/api.py), and the OpenAPI 3 schema drf-spectacular
generates from them, with its Swagger UI and Redoc pages.

Every public model has a list (filtered, paginated) and a detail found by slug.
Related records are given by slug; `url` is the record's page on the site and
`api_url` its detail here. Relations the model declares appear in lists and details;
the reverse ones (a chapter's recommendations...) in details only, so each list
costs a fixed number of queries. review_portal/lib/api.py has the shared base.
"""

from django.urls import path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)
from rest_framework.routers import DefaultRouter

from recommendations.api import (
    ChapterViewSet,
    DiscrepancyViewSet,
    GovernmentUpdateViewSet,
    KeyFigureViewSet,
    MissionViewSet,
    RecommendationViewSet,
    ReviewViewSet,
    TimelineEventViewSet,
)
from sources.api import (
    ChapterTitleViewSet,
    CitationViewSet,
    OrganisationViewSet,
    PublicationViewSet,
    SourceDocumentViewSet,
    StakeholderResponseViewSet,
)

router = DefaultRouter()
router.register("reviews", ReviewViewSet, basename="review")
router.register("chapters", ChapterViewSet, basename="chapter")
router.register("missions", MissionViewSet, basename="mission")
router.register("recommendations", RecommendationViewSet, basename="recommendation")
router.register(
    "government-updates", GovernmentUpdateViewSet, basename="governmentupdate"
)
router.register("key-figures", KeyFigureViewSet, basename="keyfigure")
router.register("discrepancies", DiscrepancyViewSet, basename="discrepancy")
router.register("timeline-events", TimelineEventViewSet, basename="timelineevent")
router.register("sources", SourceDocumentViewSet, basename="sourcedocument")
router.register("organisations", OrganisationViewSet, basename="organisation")
router.register("responses", StakeholderResponseViewSet, basename="stakeholderresponse")
router.register("publications", PublicationViewSet, basename="publication")
router.register("citations", CitationViewSet, basename="citation")
router.register("chapter-titles", ChapterTitleViewSet, basename="chaptertitle")

app_name = "api"
urlpatterns = [
    *router.urls,
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file, not inline, so
    # the Content-Security-Policy needs no 'unsafe-inline' for scripts.
    path(
        "docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"
    ),
    # templates/drf_spectacular/redoc.html keeps Redoc from loading Google Fonts
    # or running an inline script.
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
]
