import django_filters

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
from review_portal.lib.filters import by_slug, by_slugs
from sources.models import (
    Capture,
    ChapterTitle,
    Citation,
    Moment,
    Organisation,
    OrganisationKind,
    Publication,
    SourceDocument,
    SourceKind,
    StakeholderResponse,
    Stance,
)


class SourceDocumentFilter(django_filters.FilterSet):
    kind = django_filters.MultipleChoiceFilter(
        choices=SourceKind.choices, label="Kind", distinct=False
    )
    capture = django_filters.ChoiceFilter(choices=Capture.choices, label="Capture")

    class Meta:
        model = SourceDocument
        fields = ["kind", "capture"]


class OrganisationFilter(django_filters.FilterSet):
    kind = django_filters.MultipleChoiceFilter(
        choices=OrganisationKind.choices, label="Kind", distinct=False
    )

    class Meta:
        model = Organisation
        fields = ["kind"]


class StakeholderResponseFilter(django_filters.FilterSet):
    organisation = by_slugs(
        Organisation, "Organisation", "organisation", distinct=False
    )
    # The response's own columns: no join, so no DISTINCT (only the many-to-many
    # filters below need it).
    stance = django_filters.MultipleChoiceFilter(
        choices=Stance.choices, label="Stance", distinct=False
    )
    moment = django_filters.MultipleChoiceFilter(
        choices=Moment.choices, label="Responds to", distinct=False
    )
    source = by_slug(SourceDocument, "Source")
    # Many-to-many: a response about several of the chosen records is listed once
    # (multiple-choice filters are distinct).
    recommendation = by_slugs(Recommendation, "Recommendation", "recommendations")
    chapter = by_slugs(Chapter, "Chapter", "chapters")
    mission = by_slugs(Mission, "Mission", "missions")
    # Unsorted (and in either direction), undated responses come last on the site.
    sort = django_filters.OrderingFilter(
        fields=[("responded_on", "date"), ("organisation__name", "organisation")],
        field_labels={"responded_on": "Date", "organisation__name": "Organisation"},
        label="Sort by",
    )

    class Meta:
        model = StakeholderResponse
        fields = [
            "organisation",
            "stance",
            "moment",
            "source",
            "recommendation",
            "chapter",
            "mission",
        ]


class PublicationFilter(django_filters.FilterSet):
    publisher = django_filters.CharFilter(
        lookup_expr="icontains", max_length=200, label="Publisher contains"
    )

    class Meta:
        model = Publication
        fields = ["publisher"]


class ChapterTitleFilter(django_filters.FilterSet):
    chapter = by_slug(Chapter, "Chapter")
    source = by_slug(SourceDocument, "Source")

    class Meta:
        model = ChapterTitle
        fields = ["chapter", "source"]


class CitationFilter(django_filters.FilterSet):
    """Citations from one source, or supporting one record."""

    source = by_slug(SourceDocument, "Source")
    review = by_slug(Review, "Review")
    chapter = by_slug(Chapter, "Chapter")
    recommendation = by_slug(Recommendation, "Recommendation")
    key_figure = by_slug(KeyFigure, "Key figure")
    timeline_event = by_slug(TimelineEvent, "Timeline event")
    publication = by_slug(Publication, "Publication")
    government_update = by_slug(GovernmentUpdate, "Government update")
    discrepancy = by_slug(Discrepancy, "Discrepancy")

    class Meta:
        model = Citation
        fields = [
            "source",
            "review",
            "chapter",
            "recommendation",
            "key_figure",
            "timeline_event",
            "publication",
            "government_update",
            "discrepancy",
        ]
