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

# Related records are addressed by slug, as in RecommendationFilter, so a filtered URL
# reads well and survives a reload into another database.


def by_slug(model, label):
    """One related record, by slug."""
    return django_filters.ModelChoiceFilter(
        queryset=model.objects.all(), to_field_name="slug", label=label
    )


class RelatedSlugsFilter(django_filters.ModelMultipleChoiceFilter):
    """Any of several related records, by slug (?chapter=a&chapter=b).

    The stock filter compares field_name with each chosen record's to_field_name value
    (django-filter #1661), so field_name="missions" with slugs fails with a ValueError.
    This compares it with the record itself, as ModelChoiceFilter does."""

    def get_filter_predicate(self, v):
        return {self.field_name: v}


def by_slugs(model, label, field_name):
    return RelatedSlugsFilter(
        field_name=field_name,
        queryset=model.objects.all(),
        to_field_name="slug",
        label=label,
    )


class SourceDocumentFilter(django_filters.FilterSet):
    kind = django_filters.MultipleChoiceFilter(choices=SourceKind.choices, label="Kind")
    capture = django_filters.ChoiceFilter(choices=Capture.choices, label="Capture")

    class Meta:
        model = SourceDocument
        fields = ["kind", "capture"]


class OrganisationFilter(django_filters.FilterSet):
    kind = django_filters.MultipleChoiceFilter(
        choices=OrganisationKind.choices, label="Kind"
    )

    class Meta:
        model = Organisation
        fields = ["kind"]


class StakeholderResponseFilter(django_filters.FilterSet):
    organisation = by_slugs(Organisation, "Organisation", "organisation")
    stance = django_filters.MultipleChoiceFilter(choices=Stance.choices, label="Stance")
    moment = django_filters.MultipleChoiceFilter(
        choices=Moment.choices, label="Responds to"
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
