"""The API of the review and its recommendations: serializers and viewsets, by slug.

<Model>Serializer is for lists; <Model>DetailSerializer adds the reverse relations.
"""

from django.db.models import Prefetch
from django.http import Http404, HttpResponsePermanentRedirect
from django.urls import reverse
from django.utils.formats import date_format
from rest_framework import serializers
from rest_framework.exceptions import APIException

from recommendations.filters import (
    DiscrepancyFilter,
    GovernmentUpdateFilter,
    KeyFigureFilter,
    RecommendationFilter,
    TimelineEventFilter,
)
from recommendations.models import (
    Chapter,
    Discrepancy,
    GovernmentUpdate,
    KeyFigure,
    Mission,
    Recommendation,
    Review,
    TimelineEvent,
)
from review_portal.lib.api import (
    PageURLField,
    PublicSerializer,
    PublicViewSet,
    api_fields,
    api_url,
    slug_of,
)
from sources.rereads import Reread


class Gone(APIException):
    """410, in the API's error shape: a recommendation removed under our rules
    (sources.rereads), with when and why."""

    status_code = 410
    default_detail = "This record was removed."
    default_code = "gone"


class ReviewSerializer(PublicSerializer):
    url = PageURLField()
    api_url = api_url("review")

    class Meta:
        model = Review
        fields = api_fields(Review)


class ReviewDetailSerializer(ReviewSerializer):
    chapters = slug_of(many=True)
    missions = slug_of(many=True)

    class Meta(ReviewSerializer.Meta):
        fields = [*ReviewSerializer.Meta.fields, "chapters", "missions"]


class ChapterSerializer(PublicSerializer):
    review = slug_of()
    url = PageURLField()
    api_url = api_url("chapter")

    class Meta:
        model = Chapter
        fields = api_fields(Chapter, "review")


class ChapterDetailSerializer(ChapterSerializer):
    recommendations = slug_of(many=True)
    titles = slug_of(many=True, help_text="Titles sources give this chapter.")
    citations = slug_of(many=True)

    class Meta(ChapterSerializer.Meta):
        fields = [
            *ChapterSerializer.Meta.fields,
            "recommendations",
            "titles",
            "citations",
        ]


class MissionSerializer(PublicSerializer):
    review = slug_of()
    url = PageURLField()
    api_url = api_url("mission")

    class Meta:
        model = Mission
        fields = api_fields(Mission, "review")


class MissionDetailSerializer(MissionSerializer):
    recommendations = slug_of(many=True)

    class Meta(MissionSerializer.Meta):
        fields = [*MissionSerializer.Meta.fields, "recommendations"]


def _citations():
    return Recommendation._meta.get_field("citations").related_model.objects.all()


class CitedSerializer(serializers.Serializer):
    """A citation inline: the source (by slug, title and address) and its words.
    Read through the reverse relation `citations`, so this app needs no import of
    the sources app's models."""

    slug = serializers.SlugField(read_only=True)
    source = serializers.SlugField(source="source.slug", read_only=True)
    source_title = serializers.CharField(source="source.title", read_only=True)
    source_address = serializers.SerializerMethodField(
        help_text="The source's address on the web; null if it has none."
    )
    excerpt = serializers.CharField(
        read_only=True, help_text="Exactly as the source has it."
    )

    def get_source_address(self, citation) -> str | None:
        return citation.source.url or None


class InlineUpdateSerializer(PublicSerializer):
    """A government update inline in its recommendation, with its citations."""

    position = serializers.CharField(
        allow_null=True,
        read_only=True,
        help_text="The position it states; null if none.",
    )
    delivery_status = serializers.CharField(
        allow_null=True,
        read_only=True,
        help_text="The delivery status it states; null if none.",
    )
    citations = CitedSerializer(many=True, read_only=True)

    class Meta:
        model = GovernmentUpdate
        fields = [
            "slug",
            "date",
            "date_precision",
            "position",
            "delivery_status",
            "detail",
            "citations",
        ]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        for name in ("position", "delivery_status"):
            data[name] = data[name] or None
        return data


class RecommendationSerializer(PublicSerializer):
    review = slug_of()
    chapter = slug_of()
    chapter_number = serializers.IntegerField(
        source="chapter.number",
        read_only=True,
        help_text="The number of the report's chapter it sits in.",
    )
    chapter_title = serializers.CharField(
        source="chapter.title", read_only=True, help_text="That chapter's title."
    )
    missions = slug_of(many=True)
    parts = slug_of(
        many=True, help_text="For an umbrella, the recommendations it groups."
    )
    url = PageURLField()
    api_url = api_url("recommendation")

    class Meta:
        model = Recommendation
        fields = api_fields(Recommendation, "chapter_number", "chapter_title", "review")
        extra_kwargs = {
            "position": {"help_text": "The latest position the government took."},
            "delivery_status": {"help_text": "Where delivery stands, latest first."},
        }


class RecommendationDetailSerializer(RecommendationSerializer):
    government_updates = InlineUpdateSerializer(
        many=True,
        read_only=True,
        help_text="Every dated update, oldest first, with its sources' words.",
    )
    key_figures = slug_of(many=True)
    discrepancies = slug_of(many=True)
    responses = slug_of(many=True)
    citations = CitedSerializer(
        many=True,
        read_only=True,
        help_text="The sources cited for it, and their words.",
    )

    class Meta(RecommendationSerializer.Meta):
        fields = [
            *RecommendationSerializer.Meta.fields,
            "government_updates",
            "key_figures",
            "discrepancies",
            "responses",
            "citations",
        ]


class GovernmentUpdateSerializer(PublicSerializer):
    recommendation = slug_of()
    url = PageURLField()
    api_url = api_url("governmentupdate")

    class Meta:
        model = GovernmentUpdate
        fields = api_fields(GovernmentUpdate)


class GovernmentUpdateDetailSerializer(GovernmentUpdateSerializer):
    citations = slug_of(many=True)

    class Meta(GovernmentUpdateSerializer.Meta):
        fields = [*GovernmentUpdateSerializer.Meta.fields, "citations"]


class KeyFigureSerializer(PublicSerializer):
    review = slug_of()
    recommendation = slug_of(allow_null=True)
    url = PageURLField()
    api_url = api_url("keyfigure")

    class Meta:
        model = KeyFigure
        fields = api_fields(KeyFigure, "review")


class KeyFigureDetailSerializer(KeyFigureSerializer):
    citations = slug_of(many=True)

    class Meta(KeyFigureSerializer.Meta):
        fields = [*KeyFigureSerializer.Meta.fields, "citations"]


class DiscrepancySerializer(PublicSerializer):
    review = slug_of()
    recommendation = slug_of(allow_null=True)
    url = PageURLField()
    api_url = api_url("discrepancy")

    class Meta:
        model = Discrepancy
        fields = api_fields(Discrepancy, "review")


class DiscrepancyDetailSerializer(DiscrepancySerializer):
    citations = slug_of(many=True, help_text="What each source says.")

    class Meta(DiscrepancySerializer.Meta):
        fields = [*DiscrepancySerializer.Meta.fields, "citations"]


class TimelineEventSerializer(PublicSerializer):
    review = slug_of()
    url = PageURLField()
    api_url = api_url("timelineevent")

    class Meta:
        model = TimelineEvent
        fields = api_fields(TimelineEvent, "review")


class TimelineEventDetailSerializer(TimelineEventSerializer):
    citations = slug_of(many=True)

    class Meta(TimelineEventSerializer.Meta):
        fields = [*TimelineEventSerializer.Meta.fields, "citations"]


class ReviewViewSet(PublicViewSet):
    """The review itself."""

    serializer_class = ReviewSerializer
    detail_serializer_class = ReviewDetailSerializer

    def get_queryset(self):
        queryset = Review.objects.all()
        if self.is_detail:
            queryset = queryset.prefetch_related("chapters", "missions")
        return queryset


class ChapterViewSet(PublicViewSet):
    """The chapters of the final report, in its order."""

    serializer_class = ChapterSerializer
    detail_serializer_class = ChapterDetailSerializer
    filterset_fields = ["number"]

    def get_queryset(self):
        queryset = Chapter.objects.select_related("review")
        if self.is_detail:
            queryset = queryset.prefetch_related(
                "recommendations", "titles", "citations"
            )
        return queryset


class MissionViewSet(PublicViewSet):
    """The missions the review set."""

    serializer_class = MissionSerializer
    detail_serializer_class = MissionDetailSerializer
    filterset_fields = ["number"]

    def get_queryset(self):
        queryset = Mission.objects.select_related("review")
        if self.is_detail:
            queryset = queryset.prefetch_related("recommendations")
        return queryset


class RecommendationViewSet(PublicViewSet):
    """The review's recommendations, with the same filters as the site's list."""

    serializer_class = RecommendationSerializer
    detail_serializer_class = RecommendationDetailSerializer
    filterset_class = RecommendationFilter

    def retrieve(self, request, *args, **kwargs):
        try:
            return super().retrieve(request, *args, **kwargs)
        except Http404:
            # A duplicate merged into another record: its address moved for good,
            # as its page did (Recommendation.objects.absorbing()).
            absorbed = Recommendation.objects.absorbing(kwargs["slug"])
            if absorbed is None:
                removal = Reread.objects.removal(kwargs["slug"])
                if removal is None:
                    raise
                raise Gone(
                    f"This recommendation was removed on "
                    f"{date_format(removal.made_on, 'j F Y')}: {removal.reason}."
                ) from None
            url = reverse("api:recommendation-detail", args=[absorbed.slug])
            query = request.META.get("QUERY_STRING", "")
            return HttpResponsePermanentRedirect(f"{url}?{query}" if query else url)

    def get_queryset(self):
        queryset = (
            Recommendation.objects.for_list()
            .select_related("review")
            .prefetch_related(
                Prefetch("parts", queryset=Recommendation.objects.only("slug"))
            )
        )
        if self.is_detail:
            # The updates and citations inline, each citation with its source
            # joined: one query per relation, never one per record. (The
            # sources app's Citation, reached through the relation, not imported.)
            cited = _citations().with_source()
            queryset = queryset.prefetch_related(
                Prefetch(
                    "government_updates",
                    queryset=GovernmentUpdate.objects.order_by(
                        "date", "slug"
                    ).prefetch_related(Prefetch("citations", queryset=cited)),
                ),
                "key_figures",
                "discrepancies",
                "responses",
                Prefetch("citations", queryset=cited),
            )
        return queryset


class GovernmentUpdateViewSet(PublicViewSet):
    """What the government said or did about each recommendation, and when."""

    serializer_class = GovernmentUpdateSerializer
    detail_serializer_class = GovernmentUpdateDetailSerializer
    filterset_class = GovernmentUpdateFilter

    def get_queryset(self):
        queryset = GovernmentUpdate.objects.select_related("recommendation")
        if self.is_detail:
            queryset = queryset.prefetch_related("citations")
        return queryset


class KeyFigureViewSet(PublicViewSet):
    """Numbers the sources state about the system or the review."""

    serializer_class = KeyFigureSerializer
    detail_serializer_class = KeyFigureDetailSerializer
    filterset_class = KeyFigureFilter

    def get_queryset(self):
        queryset = KeyFigure.objects.select_related("review", "recommendation")
        if self.is_detail:
            queryset = queryset.prefetch_related("citations")
        return queryset


class DiscrepancyViewSet(PublicViewSet):
    """Facts the sources disagree about, shown side by side and never resolved."""

    serializer_class = DiscrepancySerializer
    detail_serializer_class = DiscrepancyDetailSerializer
    filterset_class = DiscrepancyFilter

    def get_queryset(self):
        queryset = Discrepancy.objects.select_related("review", "recommendation")
        if self.is_detail:
            queryset = queryset.prefetch_related("citations")
        return queryset


class TimelineEventViewSet(PublicViewSet):
    """What happened when, from launch to the government's response."""

    serializer_class = TimelineEventSerializer
    detail_serializer_class = TimelineEventDetailSerializer
    filterset_class = TimelineEventFilter

    def get_queryset(self):
        queryset = TimelineEvent.objects.select_related("review")
        if self.is_detail:
            queryset = queryset.prefetch_related("citations")
        return queryset
