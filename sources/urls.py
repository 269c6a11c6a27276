from django.urls import path

from sources import views

app_name = "sources"
urlpatterns = [
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
        "responses/<slug:slug>/",
        views.StakeholderResponseDetailView.as_view(),
        name="stakeholderresponse_detail",
    ),
    path("publications/", views.PublicationListView.as_view(), name="publication_list"),
]
