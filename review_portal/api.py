"""The public, read-only JSON API under /api/: one router over both apps' viewsets
(recommendations/api.py, sources/api.py), and the OpenAPI 3 schema drf-spectacular
generates from them, with its Swagger UI and Redoc pages.

Every public model has a list (filtered, paginated) and a detail found by slug.
Related records are given by slug; `url` is the record's page on the site and
`api_url` its detail here. Relations the model declares appear in lists and details;
the reverse ones (a chapter's recommendations...) in details only, so each list
costs a fixed number of queries. review_portal/lib/api.py has the shared base.
"""

from functools import cache

from django.shortcuts import render
from django.urls import path
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView
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


@cache
def _schema():
    # The schema depends on the code, not the data: built once per process.
    return SchemaGenerator().get_schema(request=None, public=True)


def _parameter(parameter):
    schema = parameter.get("schema", {})
    items = schema.get("items", {})
    enum = schema.get("enum") or items.get("enum") or []
    kind = schema.get("type", "string")
    if kind == "array":
        kind = f"one or more {items.get('type', 'string')}s (repeat the parameter)"
    if schema.get("format"):
        kind += f" ({schema['format']})"
    description = (parameter.get("description") or "").split("\n\n")[0]
    return {
        "name": parameter["name"],
        "where": parameter["in"],
        "kind": kind,
        "enum": enum,
        "description": description,
        "required": parameter.get("required", False),
    }


def docs(request):
    """The API's documentation as a page of the site, from the OpenAPI schema:
    readable without JavaScript, by keyboard and at 320 pixels (Swagger UI, which
    this replaces, was not). Redoc stays at /api/redoc/ for those who want it."""
    schema = _schema()
    operations = []
    for path_, methods in schema["paths"].items():
        for method, operation in methods.items():
            operations.append(
                {
                    "id": operation["operationId"],
                    "method": method.upper(),
                    "path": path_,
                    "description": operation.get("description", ""),
                    "parameters": [
                        _parameter(p) for p in operation.get("parameters", [])
                    ],
                    "responses": sorted(operation.get("responses", {})),
                }
            )
    return render(
        request,
        "api_docs.html",
        {"info": schema["info"], "operations": operations},
    )


app_name = "api"
urlpatterns = [
    *router.urls,
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", docs, name="docs"),
    # templates/drf_spectacular/redoc.html keeps Redoc from loading Google Fonts.
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
]
