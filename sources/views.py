from django.db.models import Count, Prefetch, Q
from django.views.generic import DetailView, ListView

from recommendations.models import Recommendation
from review_portal.lib.downloads import download_view, respond
from review_portal.lib.lists import Facet, FacetedListView
from sources.downloads import ORGANISATIONS, RESPONSES, SOURCES
from sources.filters import (
    OrganisationFilter,
    SourceDocumentFilter,
    StakeholderResponseFilter,
)
from sources.highlighting import highlight
from sources.models import (
    CITATION_TARGETS,
    WITHOUT_SOURCE_TEXT,
    Citation,
    Organisation,
    OrganisationKind,
    Publication,
    SourceDocument,
    StakeholderResponse,
)


class SourceDocumentListView(ListView):
    template_name = "sources/sourcedocument_list.html"
    paginate_by = 50

    def get_queryset(self):
        # Not the texts: they are long, and SQLite would group by them too. Counting
        # two relations joins both, so each count is of distinct rows.
        return (
            SourceDocument.objects.only(
                "slug",
                "title",
                "publisher",
                "published_on",
                "date_precision",
                "kind",
                "capture",
            )
            .annotate(
                n_citations=Count("citations", distinct=True),
                n_quotations=Count(
                    "responses", filter=~Q(responses__quotation=""), distinct=True
                ),
            )
            .order_by("title")
        )


class SourceDocumentDetailView(DetailView):
    template_name = "sources/sourcedocument_detail.html"

    def get_queryset(self):
        return SourceDocument.objects.with_last_updated().prefetch_related(
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


class OrganisationListView(ListView):
    template_name = "sources/organisation_list.html"

    def get_queryset(self):
        return Organisation.objects.annotate(n_responses=Count("responses")).order_by(
            "name"
        )

    def get_context_data(self, **kwargs):
        # Grouped by kind, in the order OrganisationKind lists them ("Other" last).
        groups = {kind: [] for kind in OrganisationKind}
        for organisation in self.object_list:
            groups[organisation.kind].append(organisation)
        kinds = [(kind, members) for kind, members in groups.items() if members]
        return super().get_context_data(kinds=kinds, **kwargs)


class OrganisationDetailView(DetailView):
    template_name = "sources/organisation_detail.html"

    def get_queryset(self):
        # One more query for all its responses' recommendations, for the table of
        # who said what about which.
        responses = (
            StakeholderResponse.objects.select_related("source").defer(
                *WITHOUT_SOURCE_TEXT
            )
        ).prefetch_related(
            Prefetch(
                "recommendations",
                queryset=Recommendation.objects.with_tracking_dates(),
            )
        )
        return Organisation.objects.with_last_updated().prefetch_related(
            Prefetch("responses", queryset=responses)
        )

    def get_context_data(self, **kwargs):
        # (recommendation, response) for each recommendation a response speaks to,
        # by recommendation; a recommendation's responses keep their own order.
        pairs = sorted(
            (
                (recommendation, response)
                for response in self.object.responses.all()
                for recommendation in response.recommendations.all()
            ),
            key=lambda pair: (pair[0].title, pair[0].slug),
        )
        return super().get_context_data(stances=pairs, **kwargs)


class StakeholderResponseDetailView(DetailView):
    template_name = "sources/stakeholderresponse_detail.html"

    def get_queryset(self):
        return (
            StakeholderResponse.objects.with_last_updated()
            .select_related("organisation", "source")
            .defer(*WITHOUT_SOURCE_TEXT)
            .prefetch_related("recommendations", "chapters", "missions")
        )


class PublicationListView(ListView):
    template_name = "sources/publication_list.html"

    def get_queryset(self):
        return Publication.objects.prefetch_related("citations__source")


class StakeholderResponseListView(FacetedListView):
    filterset_class = StakeholderResponseFilter
    template_name = "sources/stakeholderresponse_list.html"
    noun = "response"
    noun_plural = "responses"
    download_url_prefix = "sources:stakeholderresponse"
    default_sort = "-date"
    facets = [
        Facet("stance"),
        Facet("moment"),
        Facet("organisation", "responses", capped=True),
        Facet("chapter", "responses"),
        Facet("mission", "responses"),
        Facet("recommendation", "responses", capped=True),
    ]

    def get_queryset(self):
        return StakeholderResponse.objects.listed()


def stakeholderresponse_download(request, extension):
    return respond(
        request,
        RESPONSES,
        StakeholderResponseFilter,
        StakeholderResponse.objects.downloaded(),
        extension,
        tiebreak=["slug"],
    )


organisation_download = download_view(
    ORGANISATIONS,
    OrganisationFilter,
    lambda: Organisation.objects.annotate(n_responses=Count("responses")).order_by(
        "name"
    ),
)
sourcedocument_download = download_view(
    SOURCES,
    SourceDocumentFilter,
    lambda: SourceDocument.objects.defer("raw_text", "cleaned_text"),
)
