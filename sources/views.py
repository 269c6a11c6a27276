from django.db.models import Prefetch
from django.views.generic import DetailView, ListView

from sources.models import Organisation, Publication, SourceDocument, StakeholderResponse


class SourceDocumentDetailView(DetailView):
    template_name = "sources/sourcedocument_detail.html"

    def get_queryset(self):
        return SourceDocument.objects.prefetch_related(
            "citations",
            Prefetch(
                "responses", queryset=StakeholderResponse.objects.select_related("organisation")
            ),
        )


class OrganisationDetailView(DetailView):
    template_name = "sources/organisation_detail.html"

    def get_queryset(self):
        return Organisation.objects.prefetch_related(
            Prefetch("responses", queryset=StakeholderResponse.objects.select_related("source"))
        )


class StakeholderResponseDetailView(DetailView):
    template_name = "sources/stakeholderresponse_detail.html"

    def get_queryset(self):
        return StakeholderResponse.objects.select_related(
            "organisation", "source"
        ).prefetch_related("recommendations", "chapters", "missions")


class PublicationListView(ListView):
    template_name = "sources/publication_list.html"

    def get_queryset(self):
        return Publication.objects.prefetch_related("citations__source")
