from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.shortcuts import render
from django.views.generic import DetailView, ListView

from recommendations.changes import with_last_updated
from recommendations.downloads import respond
from recommendations.facets import Facet, FacetedListView
from sources.downloads import RESPONSES, downloaded_responses, listed_responses
from sources.filters import StakeholderResponseFilter
from sources.highlighting import highlight
from sources.models import (
    CITATION_TARGETS,
    Citation,
    Organisation,
    OrganisationKind,
    Publication,
    SourceDocument,
    StakeholderResponse,
)
from sources.search import SearchForm
from sources.search import search as search_records


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
        return with_last_updated(SourceDocument.objects).prefetch_related(
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
        responses = StakeholderResponse.objects.select_related(
            "source"
        ).prefetch_related("recommendations")
        return with_last_updated(Organisation.objects).prefetch_related(
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
            with_last_updated(StakeholderResponse.objects)
            .select_related("organisation", "source")
            .prefetch_related("recommendations", "chapters", "missions")
        )


class PublicationListView(ListView):
    template_name = "sources/publication_list.html"

    def get_queryset(self):
        return Publication.objects.prefetch_related("citations__source")


def search(request):
    form = SearchForm(request.GET)
    form.is_valid()  # An unknown kind is dropped (all kinds are searched), not a 400.
    query = form.cleaned_data.get("q", "")
    kind = form.cleaned_data.get("kind", "")
    results = search_records(query)
    shown = results.of_kind(kind) if kind else results
    # Only the page's slice of the results fetches records and snippets.
    page_obj = Paginator(shown, 20).get_page(request.GET.get("page"))
    return render(
        request,
        "sources/search.html",
        {
            "query": query,
            "kind": kind,
            "results": results,
            "page_obj": page_obj,
            "page_range": page_obj.paginator.get_elided_page_range(page_obj.number),
        },
    )


class StakeholderResponseListView(FacetedListView):
    filterset_class = StakeholderResponseFilter
    template_name = "sources/stakeholderresponse_list.html"
    noun_plural = "responses"
    default_sort = "-date"
    facets = [
        Facet("stance"),
        Facet("moment"),
        Facet("organisation", "responses"),
        Facet("chapter", "responses"),
        Facet("mission", "responses"),
        Facet("recommendation", "responses"),
    ]

    def get_queryset(self):
        return listed_responses()


def stakeholderresponse_download(request, extension):
    return respond(
        request,
        RESPONSES,
        StakeholderResponseFilter,
        downloaded_responses(),
        extension,
        tiebreak=["slug"],
    )
