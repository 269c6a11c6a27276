from django.contrib import admin
from django.urls import include, path

from recommendations import views as recommendation_views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", recommendation_views.home, name="home"),
    path("", include("recommendations.urls")),
    path("", include("sources.urls")),
]
