"""The API of sources, organisations and their responses, and of citations.

<Model>Serializer is for lists; <Model>DetailSerializer adds the reverse relations
and, for sources, their text.
"""

from rest_framework import serializers

from review_portal.lib.api import (
    PageURLField,
    PublicSerializer,
    PublicViewSet,
    api_fields,
    api_url,
    slug_of,
)
from sources.filters import (
    ChapterTitleFilter,
    CitationFilter,
    OrganisationFilter,
    PublicationFilter,
    SourceDocumentFilter,
    StakeholderResponseFilter,
)
from sources.models import (
    CITATION_TARGETS,
    ChapterTitle,
    Citation,
    Organisation,
    Publication,
    SourceDocument,
    StakeholderResponse,
)

# A source's texts can run to tens of kilobytes: lists and joins leave them out.
SOURCE_TEXTS = ["raw_text", "cleaned_text"]


class SourceDocumentSerializer(PublicSerializer):
    external_url = serializers.URLField(
        source="url",
        read_only=True,
        allow_null=True,
        help_text="Where it was published, if known.",
    )
    url = PageURLField()
    api_url = api_url("sourcedocument")

    class Meta:
        model = SourceDocument
        fields = api_fields(SourceDocument, exclude=SOURCE_TEXTS)


class SourceDocumentDetailSerializer(SourceDocumentSerializer):
    responses = slug_of(many=True)
    citations = slug_of(many=True)
    chapter_titles = slug_of(many=True)

    class Meta(SourceDocumentSerializer.Meta):
        fields = [
            *SourceDocumentSerializer.Meta.fields,
            "raw_text",
            "cleaned_text",
            "responses",
            "citations",
            "chapter_titles",
        ]


class OrganisationSerializer(PublicSerializer):
    external_url = serializers.URLField(
        source="url",
        read_only=True,
        allow_null=True,
        help_text="The organisation's website.",
    )
    url = PageURLField()
    api_url = api_url("organisation")

    class Meta:
        model = Organisation
        fields = api_fields(Organisation)


class OrganisationDetailSerializer(OrganisationSerializer):
    responses = slug_of(many=True)

    class Meta(OrganisationSerializer.Meta):
        fields = [*OrganisationSerializer.Meta.fields, "responses"]


class StakeholderResponseSerializer(PublicSerializer):
    organisation = slug_of()
    source = slug_of()
    recommendations = slug_of(many=True)
    chapters = slug_of(many=True)
    missions = slug_of(many=True)
    url = PageURLField()
    api_url = api_url("stakeholderresponse")

    class Meta:
        model = StakeholderResponse
        fields = api_fields(StakeholderResponse)


class PublicationSerializer(PublicSerializer):
    external_url = serializers.URLField(source="url", read_only=True, allow_null=True)
    url = PageURLField()
    api_url = api_url("publication")

    class Meta:
        model = Publication
        fields = api_fields(Publication)


class PublicationDetailSerializer(PublicationSerializer):
    citations = slug_of(many=True)

    class Meta(PublicationSerializer.Meta):
        fields = [*PublicationSerializer.Meta.fields, "citations"]


class ChapterTitleSerializer(PublicSerializer):
    chapter = slug_of()
    source = slug_of()
    url = PageURLField(help_text="The chapter's page on the site.")
    api_url = api_url("chaptertitle")

    class Meta:
        model = ChapterTitle
        fields = api_fields(ChapterTitle)


class CitationSerializer(PublicSerializer):
    source = slug_of()
    url = PageURLField(help_text="The passage on the source's page on the site.")
    api_url = api_url("citation")

    class Meta:
        model = Citation
        fields = api_fields(Citation)
        extra_kwargs = {
            "supports": {
                "help_text": "The field of its record that the excerpt gives (a "
                "government update's position, its delivery status...); null for "
                "the record as a whole."
            }
        }

    def build_relational_field(self, field_name, relation_info):
        # The record the excerpt supports: exactly one of these is set, by slug.
        return serializers.SlugRelatedField, {
            "slug_field": "slug",
            "read_only": True,
            "allow_null": True,
            "help_text": f"The {field_name.replace('_', ' ')} it supports, if that.",
        }


class SourceDocumentViewSet(PublicViewSet):
    """The documents every statement rests on. Details carry the captured text."""

    serializer_class = SourceDocumentSerializer
    detail_serializer_class = SourceDocumentDetailSerializer
    filterset_class = SourceDocumentFilter

    def get_queryset(self):
        if self.is_detail:
            return SourceDocument.objects.prefetch_related(
                "responses", "citations", "chapter_titles"
            )
        return SourceDocument.objects.defer(*SOURCE_TEXTS)


class OrganisationViewSet(PublicViewSet):
    """Organisations that responded to the review."""

    serializer_class = OrganisationSerializer
    detail_serializer_class = OrganisationDetailSerializer
    filterset_class = OrganisationFilter

    def get_queryset(self):
        queryset = Organisation.objects.all()
        if self.is_detail:
            queryset = queryset.prefetch_related("responses")
        return queryset


class StakeholderResponseViewSet(PublicViewSet):
    """What organisations said about the review, and about which recommendations."""

    serializer_class = StakeholderResponseSerializer
    filterset_class = StakeholderResponseFilter

    def get_queryset(self):
        return (
            StakeholderResponse.objects.select_related("organisation", "source")
            .defer(*(f"source__{field}" for field in SOURCE_TEXTS))
            .prefetch_related("recommendations", "chapters", "missions")
        )


class PublicationViewSet(PublicViewSet):
    """Related evidence that the sources mention."""

    serializer_class = PublicationSerializer
    detail_serializer_class = PublicationDetailSerializer
    filterset_class = PublicationFilter

    def get_queryset(self):
        queryset = Publication.objects.all()
        if self.is_detail:
            queryset = queryset.prefetch_related("citations")
        return queryset


class ChapterTitleViewSet(PublicViewSet):
    """Titles the sources give chapters, which may differ from the contents page."""

    serializer_class = ChapterTitleSerializer
    filterset_class = ChapterTitleFilter

    def get_queryset(self):
        return ChapterTitle.objects.select_related("chapter", "source").defer(
            *(f"source__{field}" for field in SOURCE_TEXTS)
        )


class CitationViewSet(PublicViewSet):
    """Provenance: a source states something about one record, in these words."""

    serializer_class = CitationSerializer
    filterset_class = CitationFilter

    def get_queryset(self):
        return Citation.objects.select_related("source", *CITATION_TARGETS).defer(
            *(f"source__{field}" for field in SOURCE_TEXTS)
        )
