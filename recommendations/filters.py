import django_filters

from recommendations.models import (
    Chapter,
    Confidence,
    DeliveryStatus,
    Discrepancy,
    GovernmentUpdate,
    KeyFigure,
    Mission,
    Position,
    Recommendation,
    RecommendationKind,
    TimelineEvent,
)
from review_portal.lib.filters import RelatedSlugsFilter, by_slug
from review_portal.lib.search import ranked

# The one crossing into sources in this module: the list filters recommendations
# by what organisations said about them.
from sources.models import Commitment, CommitmentState, Organisation, Stance


class KindFilter(django_filters.MultipleChoiceFilter):
    """What kind of record: recommendations only unless the query string asks for
    others, so lists count what the report asks for (How we track, "How we count")."""

    def __init__(self, *args, **kwargs):
        # A column of the record itself: no join, so no duplicates to remove.
        kwargs.setdefault("distinct", False)
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        return super().filter(qs, value or [RecommendationKind.RECOMMENDATION])


class RecommendationFilter(django_filters.FilterSet):
    """The filters of the recommendations list, its downloads and the API.

    Only filters across a many-to-many or reverse relation (missions, responses)
    ask for DISTINCT: on the record's own columns it would only make every count
    and page sort and compare whole rows (seconds at 100,000 records).

    Choices are addressed by slug, so a filtered URL reads well and survives a reload
    into another database."""

    q = django_filters.CharFilter(method="search", label="Search")
    chapter = django_filters.ModelChoiceFilter(
        queryset=Chapter.objects.all(), to_field_name="slug", label="Chapter"
    )
    mission = RelatedSlugsFilter(
        field_name="missions",
        queryset=Mission.objects.all(),
        to_field_name="slug",
        label="Mission",
    )
    organisation = RelatedSlugsFilter(
        field_name="responses__organisation",
        queryset=Organisation.objects.all(),
        to_field_name="slug",
        label="Who responded",
        distinct=True,
    )
    stance = django_filters.MultipleChoiceFilter(
        field_name="responses__stance",
        choices=Stance.choices,
        label="What responses said",
        distinct=True,
    )
    confidence = django_filters.MultipleChoiceFilter(
        distinct=False, choices=Confidence.choices, label="Confidence"
    )
    kind = KindFilter(
        choices=RecommendationKind.choices,
        label="Kind of record (only recommendations unless you choose)",
    )
    position = django_filters.MultipleChoiceFilter(
        distinct=False, choices=Position.choices, label="Government position"
    )
    delivery_status = django_filters.MultipleChoiceFilter(
        distinct=False, choices=DeliveryStatus.choices, label="Delivery status"
    )
    commitment = django_filters.MultipleChoiceFilter(
        distinct=False,
        choices=CommitmentState.choices,
        label="Promised dates",
        method="by_commitment",
    )
    sort = django_filters.OrderingFilter(
        fields=[
            ("chapter__number", "chapter"),
            ("title", "title"),
            ("number", "number"),
        ],
        field_labels={
            "chapter__number": "Chapter",
            "title": "Title",
            "number": "Number",
        },
        label="Sort by",
    )

    class Meta:
        model = Recommendation
        fields = [
            "q",
            "chapter",
            "mission",
            "organisation",
            "stance",
            "confidence",
            "kind",
            "position",
            "delivery_status",
            "commitment",
        ]

    def by_commitment(self, queryset, name, value):
        # Those with a promised date in any chosen state, as of today.
        if not value:
            return queryset
        chosen = Commitment.objects.none()
        for state in value:
            chosen = chosen | Commitment.objects.in_state(state)
        return queryset.filter(pk__in=chosen.values("recommendation"))

    def search(self, queryset, name, value):
        # The site search's engine: word forms match (carers finds carer) and the
        # best matches come first, unless a sort is chosen.
        return ranked(queryset, value)


# The API's filters for the app's other models.


class KeyFigureFilter(django_filters.FilterSet):
    recommendation = by_slug(Recommendation, "Recommendation")

    class Meta:
        model = KeyFigure
        fields = ["recommendation", "qualifier", "year"]


class GovernmentUpdateFilter(django_filters.FilterSet):
    recommendation = by_slug(Recommendation, "Recommendation")

    class Meta:
        model = GovernmentUpdate
        fields = ["recommendation", "position", "delivery_status"]


class DiscrepancyFilter(django_filters.FilterSet):
    recommendation = by_slug(Recommendation, "Recommendation")

    class Meta:
        model = Discrepancy
        fields = ["recommendation"]


class TimelineEventFilter(django_filters.FilterSet):
    date_from = django_filters.DateFilter(
        field_name="date", lookup_expr="gte", label="On or after (YYYY-MM-DD)"
    )
    date_to = django_filters.DateFilter(
        field_name="date", lookup_expr="lte", label="On or before (YYYY-MM-DD)"
    )

    class Meta:
        model = TimelineEvent
        fields = ["date_from", "date_to", "date_precision"]
