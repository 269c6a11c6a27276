from django.db.models import Prefetch
from django.views.generic import DetailView, ListView

from sources.highlighting import highlight
from sources.models import (
    CITATION_TARGETS,
    Citation,
    Organisation,
    Publication,
    SourceDocument,
    StakeholderResponse,
)


class SourceDocumentDetailView(DetailView):
    template_name = "sources/sourcedocument_detail.html"

    def get_queryset(self):
        return SourceDocument.objects.prefetch_related(
            # Joined in the same query: the record each citation supports.
            Prefetch(
                "citations",
                queryset=Citation.objects.select_related(*CITATION_TARGETS),
            ),
            Prefetch(
                "responses",
                queryset=StakeholderResponse.objects.select_related("organisation"),
            ),
        )

    def get_context_data(self, **kwargs):
        source = self.object
        passages = [(c.slug, c.excerpt) for c in source.citations.all()]
        passages += [(r.slug, r.quotation) for r in source.responses.all()]
        segments = highlight(source.cleaned_text, passages)
        return super().get_context_data(
            segments=segments,
            highlighted=[segment.anchor for segment in segments if segment.anchor],
            **kwargs,
        )


class OrganisationDetailView(DetailView):
    template_name = "sources/organisation_detail.html"

    def get_queryset(self):
        return Organisation.objects.prefetch_related(
            Prefetch(
                "responses",
                queryset=StakeholderResponse.objects.select_related("source"),
            )
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
