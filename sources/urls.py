from django.urls import path

from review_portal.lib.downloads import download_paths
from sources import corrections, views

app_name = "sources"
urlpatterns = [
    *download_paths("sources", views.sourcedocument_download, "sourcedocument"),
    *download_paths("organisations", views.organisation_download, "organisation"),
    path(
        "sources/", views.SourceDocumentListView.as_view(), name="sourcedocument_list"
    ),
    path(
        "organisations/",
        views.OrganisationListView.as_view(),
        name="organisation_list",
    ),
    path(
        "sources/<slug:slug>/",
        views.SourceDocumentDetailView.as_view(),
        name="sourcedocument_detail",
    ),
    path(
        "organisations/<slug:slug>/",
        views.OrganisationDetailView.as_view(),
        name="organisation_detail",
    ),
    path(
        "responses/",
        views.StakeholderResponseListView.as_view(),
        name="stakeholderresponse_list",
    ),
    path(
        "responses.csv",
        views.stakeholderresponse_download,
        {"extension": "csv"},
        name="stakeholderresponse_csv",
    ),
    path(
        "responses.json",
        views.stakeholderresponse_download,
        {"extension": "json"},
        name="stakeholderresponse_json",
    ),
    path(
        "responses/<slug:slug>/",
        views.StakeholderResponseDetailView.as_view(),
        name="stakeholderresponse_detail",
    ),
    path("publications/", views.PublicationListView.as_view(), name="publication_list"),
    path("report/", corrections.report, name="report"),
    path("report/thanks/", corrections.report_thanks, name="report_thanks"),
]
