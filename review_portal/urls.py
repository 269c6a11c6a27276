from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path
from django.views.generic import TemplateView

from recommendations import views as recommendation_views
from review_portal import views as portal_views
from review_portal.sitemaps import sitemaps

# Under /api/ these answer JSON (review_portal/errors.py).
handler404 = "review_portal.errors.page_not_found"
handler500 = "review_portal.errors.server_error"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("review_portal.api")),
    path("", recommendation_views.home, name="home"),
    path("charts/", recommendation_views.charts, name="charts"),
    path(
        "robots.txt",
        TemplateView.as_view(template_name="robots.txt", content_type="text/plain"),
    ),
    path("favicon.ico", portal_views.favicon, name="favicon"),
    path("sitemap.xml", sitemap, {"sitemaps": sitemaps}, name="sitemap"),
    path("", include("recommendations.urls")),
    path("", include("sources.urls")),
]
