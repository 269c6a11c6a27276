from contextlib import contextmanager
from contextvars import ContextVar

from django.db import models
from django.db.models import Count, Exists, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.urls import reverse
from simple_history.models import HistoricalRecords

from review_portal.lib.curation import (
    Curated,
    CuratedQuerySet,
    NaturalSlugMixin,
    choices_constraint,
    inference_field,
)
from review_portal.lib.search import Searchable

# The history's change reason when a recommendation's position or status changes
# because its government updates did; the slug of the update that now gives the
# changed value follows.
TRACKING_REASON = "Set by government update "


class DatePrecision(models.TextChoices):
    DAY = "day", "Day"
    MONTH = "month", "Month"
    YEAR = "year", "Year"


class Confidence(models.TextChoices):
    HIGH = "high", "High: the report's own words seen"
    MEDIUM = "medium", "Medium: a source attributes it to the final report"
    LOW = "low", "Low: indirect evidence only"


class ChapterBasis(models.TextChoices):
    STATED = "stated", "Stated by a source"
    INFERRED = "inferred", "Inferred from the topic"


class FigureQualifier(models.TextChoices):
    EXACT = "exact", "Exactly"
    MORE_THAN = "more_than", "More than"
    APPROACHING = "approaching", "Approaching"
    ABOUT = "about", "About"


class Position(models.TextChoices):
    """What the government said about a recommendation (published on "How we track")."""

    ACCEPTED = "accepted", "Accepted"
    ACCEPTED_IN_PRINCIPLE = "accepted_in_principle", "Accepted in principle"
    PARTIALLY_ACCEPTED = "partially_accepted", "Partially accepted"
    UNDER_CONSIDERATION = "under_consideration", "Under consideration"
    NO_PLANS = "no_plans", "No current plans"
    REJECTED = "rejected", "Rejected"
    NO_RESPONSE_FOUND = "no_response_found", "No response found"


class DeliveryStatus(models.TextChoices):
    """What has happened since (published on "How we track")."""

    NO_INFORMATION = "no_information", "No information found"
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    PILOTED = "piloted", "Piloted"
    LEGISLATED = "legislated", "Legislated"
    DELIVERED = "delivered", "Delivered"


class RecommendationKind(models.TextChoices):
    """What sort of record a "recommendation" is: most are one specific ask."""

    RECOMMENDATION = "recommendation", "Recommendation"
    UMBRELLA = "umbrella", "Umbrella: groups other recommendations"
    TOPIC = "topic", "Topic: the report addresses it; no specific ask known"
    CONCLUSION = "conclusion", "The report's overall conclusion"


class Review(NaturalSlugMixin, Curated):
    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=300)
    chair = models.CharField(max_length=200, blank=True)
    launched_on = models.DateField(
        null=True, blank=True, help_text="Left empty unless a source gives the date."
    )
    published_on = models.DateField(
        null=True, blank=True, help_text="Publication date of the final report."
    )
    page_count = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Pages of the final report, as a source states.",
    )
    stated_recommendation_count = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="How many recommendations the report states it makes.",
    )
    summary = models.TextField(blank=True, help_text="In our own words.")

    public_fields = (
        "title",
        "chair",
        "launched_on",
        "published_on",
        "page_count",
        "stated_recommendation_count",
        "summary",
        "slug",
    )
    objects = CuratedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["slug"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("home")


class NumberedQuerySet(CuratedQuerySet):
    def with_counts(self):
        """Each with `n_recommendations`: how many recommendations it holds, as the
        lists count them (Recommendation.objects.counted()), from a subquery of the
        same query."""
        # The recommendation's field that points here: chapter, or missions.
        link = self.model._meta.get_field("recommendations").field.name
        counted = (
            Recommendation.objects.counted()
            .filter(**{link: OuterRef("pk")})
            .order_by()
            .values(link)
            .annotate(n=Count("pk"))
            .values("n")
        )
        return self.annotate(n_recommendations=Coalesce(Subquery(counted), 0))


class Chapter(NaturalSlugMixin, Curated):
    review = models.ForeignKey(
        Review, on_delete=models.PROTECT, related_name="chapters"
    )
    slug = models.SlugField(max_length=100, unique=True)
    number = models.PositiveSmallIntegerField(
        help_text="As the report's contents page numbers it."
    )
    title = models.CharField(
        max_length=300, help_text="As the report's contents page has it."
    )
    summary = models.TextField(blank=True, help_text="In our own words.")

    public_fields = (
        "number",
        "title",
        "summary",
        "slug",
    )
    objects = NumberedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "number"],
                name="recommendations_chapter_unique_number",
            )
        ]

    def __str__(self):
        return f"{self.number}. {self.title}"

    def get_absolute_url(self):
        return reverse("recommendations:chapter_detail", args=[self.slug])


class Mission(NaturalSlugMixin, Curated):
    """One of the five missions the review set for care-experienced people."""

    review = models.ForeignKey(
        Review, on_delete=models.PROTECT, related_name="missions"
    )
    slug = models.SlugField(max_length=100, unique=True)
    number = models.PositiveSmallIntegerField(
        help_text="Order in which the source lists it."
    )
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True, help_text="In our own words.")

    public_fields = (
        "number",
        "title",
        "summary",
        "slug",
    )
    objects = NumberedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "number"],
                name="recommendations_mission_unique_number",
            )
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("recommendations:mission_detail", args=[self.slug])


class RecommendationQuerySet(CuratedQuerySet):
    def for_list(self):
        # One join for the chapter, one extra query for all rows' missions; the
        # tracking dates are subqueries of the same query.
        return (
            self.select_related("chapter")
            .prefetch_related("missions")
            .with_tracking_dates()
        )

    def with_tracking_dates(self):
        """Each recommendation with the date (and its precision) of the update
        that set its current position, `position_on`, and delivery status,
        `status_on`: the latest dated update on each axis, ties broken by slug, as
        refresh_tracking() decides. None where no update set it. No extra query:
        four subqueries, so a card can say "as at"."""

        def latest(axis, field):
            return Subquery(
                GovernmentUpdate.objects.filter(recommendation=OuterRef("pk"))
                .exclude(**{axis: ""})
                .order_by("-date", "-slug")
                .values(field)[:1]
            )

        return self.annotate(
            position_on=latest("position", "date"),
            position_on_precision=latest("position", "date_precision"),
            status_on=latest("delivery_status", "date"),
            status_on_precision=latest("delivery_status", "date_precision"),
        )

    def with_response_counts(self):
        # A subquery rather than Count("responses"): the stance and organisation
        # filters join responses too, and a Count would then count only the
        # matching ones.
        links = (
            self.model.responses.through.objects.filter(recommendation=OuterRef("pk"))
            .order_by()
            .values("recommendation")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return self.annotate(response_count=Coalesce(Subquery(links), 0))

    def counted(self):
        """The records that lists and counts count by default: recommendations, not
        umbrellas, topics or the report's conclusion (README, "How we count")."""
        return self.filter(kind=RecommendationKind.RECOMMENDATION)

    def neighbours(self, recommendation):
        """(previous, next) in reading order, by chapter number then slug, each a
        (slug, title) pair or None. One query, whatever the number of records: each
        neighbour is the nearest slug in the same chapter, or else the last (first)
        of the nearest chapter before (after) that has any, each a LIMIT 1 on the
        (chapter, slug) index."""
        chapter, slug = recommendation.chapter, recommendation.slug

        def nearest(before):
            order = "-slug" if before else "slug"
            beyond = {("slug__lt" if before else "slug__gt"): slug}
            other_chapter = (
                Chapter.objects.filter(
                    Exists(self.model.objects.filter(chapter=OuterRef("pk"))),
                    **{("number__lt" if before else "number__gt"): chapter.number},
                )
                .order_by("-number" if before else "number")
                .values("pk")[:1]
            )
            in_chapter = self.filter(chapter=chapter, **beyond)
            in_other = self.filter(chapter=Subquery(other_chapter))
            return Coalesce(
                Subquery(in_chapter.order_by(order).values("slug")[:1]),
                Subquery(in_other.order_by(order).values("slug")[:1]),
            )

        found = self.filter(
            models.Q(slug=nearest(before=True)) | models.Q(slug=nearest(before=False))
        ).values_list("chapter__number", "slug", "title")
        here = (chapter.number, slug)
        previous = next_ = None
        for number, other, title in found:
            if (number, other) < here:
                previous = (other, title)
            else:
                next_ = (other, title)
        return previous, next_

    def absorbing(self, slug):
        """The record that a duplicate with this slug was merged into, if any. The
        few records with former slugs are read and searched here, since SQLite
        cannot look inside a JSON list."""
        merged = self.exclude(former_slugs=[]).only("slug", "former_slugs")
        return next((r for r in merged if slug in r.former_slugs), None)

    def listed(self):
        """The recommendations list's queryset, before filtering: by chapter, then
        slug."""
        return (
            self.for_list().with_response_counts().order_by("chapter__number", "slug")
        )

    def downloaded(self):
        """The list's queryset with what its download adds: an umbrella's parts,
        the cited sources, and the government updates with theirs (for the
        position's date and source)."""
        # Each citation with its source joined (the sources app's Citation,
        # reached through the relation: this module does not import sources).
        cited = self.model._meta.get_field("citations").related_model.objects
        cited = cited.with_source()
        return self.listed().prefetch_related(
            models.Prefetch("parts", queryset=self.model.objects.only("slug")),
            models.Prefetch("citations", queryset=cited),
            models.Prefetch(
                "government_updates",
                queryset=GovernmentUpdate.objects.prefetch_related(
                    models.Prefetch("citations", queryset=cited)
                ),
            ),
        )


class Recommendation(NaturalSlugMixin, Curated):
    review = models.ForeignKey(
        Review, on_delete=models.PROTECT, related_name="recommendations"
    )
    chapter = models.ForeignKey(
        Chapter, on_delete=models.PROTECT, related_name="recommendations"
    )
    chapter_basis = models.CharField(
        max_length=10,
        choices=ChapterBasis,
        default=ChapterBasis.INFERRED,
        help_text="Whether a source places it in this chapter, or we inferred it from the topic.",
    )
    chapter_note = models.TextField(
        blank=True, help_text="Why it sits in this chapter, when that was inferred."
    )
    number = models.CharField(
        max_length=10,
        blank=True,
        help_text="The report's number, only where a source gives one (e.g. 5.2).",
    )
    slug = models.SlugField(max_length=100, unique=True)
    kind = models.CharField(
        max_length=15,
        choices=RecommendationKind,
        default=RecommendationKind.RECOMMENDATION,
        db_index=True,
        help_text="A specific ask, an umbrella over others, a topic, or the conclusion.",
    )
    title = models.CharField(
        max_length=200, help_text="A short title in our own words."
    )
    summary = models.TextField(help_text="What it asks for, in our own words.")
    addressed_to = models.CharField(
        max_length=300, blank=True, help_text="Who must act, as the sources say."
    )
    is_headline = models.BooleanField(
        default=False,
        help_text="Listed by a source among the review's main recommendations.",
    )
    confidence = models.CharField(
        max_length=10,
        choices=Confidence,
        db_index=True,
        help_text="How sure we are that the report makes this recommendation.",
    )
    note = models.TextField(
        blank=True, help_text="What we could not confirm, in our own words."
    )
    inference = inference_field()
    former_slugs = models.JSONField(
        default=list,
        blank=True,
        help_text="Slugs of duplicate records merged into this one.",
    )
    missions = models.ManyToManyField(
        Mission, blank=True, related_name="recommendations"
    )
    parts = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="umbrellas",
        help_text="For an umbrella: the recommendations it groups.",
    )
    # The latest of its government updates on each axis, kept by a signal on
    # GovernmentUpdate so that lists filter and count on an indexed column.
    position = models.CharField(
        max_length=25,
        choices=Position,
        default=Position.NO_RESPONSE_FOUND,
        editable=False,
        db_index=True,
    )
    delivery_status = models.CharField(
        max_length=20,
        choices=DeliveryStatus,
        default=DeliveryStatus.NO_INFORMATION,
        editable=False,
        db_index=True,
    )

    public_fields = (
        "title",
        "summary",
        "chapter",
        "chapter_basis",
        "chapter_note",
        "missions",
        "addressed_to",
        "number",
        "is_headline",
        "confidence",
        "note",
        "position",
        "delivery_status",
        # Added after the others, so that no earlier column of the API, the
        # downloads or the data set moves.
        "kind",
        "parts",
        "inference",
        "slug",
    )
    searchable = Searchable(
        "recommendation",
        0,
        "Recommendation",
        "Recommendations",
        columns=("title", "summary", "addressed_to"),
        title_columns=("title",),
        body_columns=("summary", "addressed_to"),
        # Ranked above the sources and responses that quote it: with the same
        # weight, 3 of the 62 titles found a source first; with 2, none did. 3
        # also put a recommendation that only mentions a phrase in its summary
        # above the sources titled with it (README, "Search").
        weight=2.0,
        # Its card shows the position and status with their as-at dates.
        fetch="with_tracking_dates",
    )
    objects = RecommendationQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[missions, parts])

    class Meta:
        ordering = ["slug"]
        indexes = [
            # Reading order within a chapter: previous and next (neighbours()).
            models.Index(fields=["chapter", "slug"], name="recommendation_reading"),
            # Each chapter's count of recommendations (home, chapters), read from
            # the index alone.
            models.Index(
                fields=["chapter", "kind"], name="recommendation_chapter_kind"
            ),
            # The list's facets and its count, filtered by and grouped on the
            # record's own columns, read from the index alone rather than the
            # wide table (once VACUUM has marked the table's pages all-visible).
            models.Index(
                fields=[
                    "kind",
                    "chapter",
                    "position",
                    "delivery_status",
                    "confidence",
                    "id",
                ],
                name="recommendation_facets",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "number"],
                condition=~models.Q(number=""),
                name="recommendations_recommendation_unique_number",
            ),
            choices_constraint("chapter_basis", ChapterBasis),
            choices_constraint("kind", RecommendationKind),
            choices_constraint("confidence", Confidence),
            choices_constraint("position", Position),
            choices_constraint("delivery_status", DeliveryStatus),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("recommendations:recommendation_detail", args=[self.slug])

    def tracked_values(self):
        """(position, delivery status, the update that gives each): the latest dated
        update on each axis, ties broken by slug, so the result is stable."""
        updates = self.government_updates.order_by("-date", "-slug")
        by_position = updates.exclude(position="").first()
        by_status = updates.exclude(delivery_status="").first()
        return (
            by_position.position if by_position else Position.NO_RESPONSE_FOUND,
            by_status.delivery_status if by_status else DeliveryStatus.NO_INFORMATION,
            by_position,
            by_status,
        )

    def save(self, *args, **kwargs):
        # Position and status come from the dated updates, always: whatever a
        # revert, a restore, an import or a form holds is replaced here.
        if self.pk is not None:
            self.position, self.delivery_status, _, _ = self.tracked_values()
        super().save(*args, **kwargs)

    def refresh_tracking(self, reason="", when=None):
        """Set the position and delivery status from the dated updates. A change is a
        public event: it is saved with its own history entry, whose reason names
        the update that now gives the changed value (TRACKING_REASON), unless the
        caller gives `reason` (and `when`, the entry's date)."""
        position, status, by_position, by_status = self.tracked_values()
        if (position, status) == (self.position, self.delivery_status):
            return False
        given_by = by_position if position != self.position else by_status
        self.position, self.delivery_status = position, status
        self._change_reason = (
            reason
            or (
                TRACKING_REASON + given_by.slug if given_by else TRACKING_REASON.strip()
            )[:100]
        )
        if when is not None:
            self._history_date = when
        # Not self.save(): the values are fresh, and nothing else changed.
        super().save(update_fields=["position", "delivery_status"])
        return True


class KeyFigure(NaturalSlugMixin, Curated):
    """A number a source states about the system or the review."""

    review = models.ForeignKey(
        Review, on_delete=models.PROTECT, related_name="key_figures"
    )
    recommendation = models.ForeignKey(
        Recommendation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="key_figures",
        help_text="The recommendation this figure belongs to, if any.",
    )
    slug = models.SlugField(max_length=100, unique=True)
    value = models.DecimalField(max_digits=16, decimal_places=2)
    qualifier = models.CharField(
        max_length=12,
        choices=FigureQualifier,
        default=FigureQualifier.EXACT,
        help_text="How the source qualifies the number (more than, approaching...).",
    )
    unit = models.CharField(
        max_length=50, help_text="E.g. people, children, £ per year."
    )
    measures = models.CharField(max_length=300, help_text="What the number measures.")
    year = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="The year it refers to, where the source says."
    )
    inference = inference_field()

    public_fields = (
        "value",
        "qualifier",
        "unit",
        "measures",
        "year",
        "recommendation",
        "slug",
    )
    objects = CuratedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["slug"]
        constraints = [choices_constraint("qualifier", FigureQualifier)]

    def __str__(self):
        return f"{self.measures}: {self.value} {self.unit}"

    def get_absolute_url(self):
        return reverse("recommendations:keyfigure_list") + f"#{self.slug}"


class TimelineEvent(NaturalSlugMixin, Curated):
    review = models.ForeignKey(
        Review, on_delete=models.PROTECT, related_name="timeline_events"
    )
    slug = models.SlugField(max_length=100, unique=True)
    date = models.DateField(
        help_text="For month or year precision, the first day of it."
    )
    date_precision = models.CharField(
        max_length=5, choices=DatePrecision, default=DatePrecision.DAY
    )
    title = models.CharField(
        max_length=300, help_text="What happened, in our own words."
    )
    description = models.TextField(blank=True)
    inference = inference_field()

    public_fields = (
        "date",
        "date_precision",
        "title",
        "description",
        "slug",
    )
    objects = CuratedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["date", "slug"]
        constraints = [choices_constraint("date_precision", DatePrecision)]

    def __str__(self):
        return f"{self.date.isoformat()} {self.title}"

    def get_absolute_url(self):
        return reverse("recommendations:timelineevent_list") + f"#{self.slug}"


class GovernmentUpdate(NaturalSlugMixin, Curated):
    """One dated step in what the government said or did about a recommendation: a
    position it took, a change in delivery, or both."""

    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.CASCADE, related_name="government_updates"
    )
    slug = models.SlugField(max_length=100, unique=True)
    date = models.DateField(
        help_text="For month or year precision, the first day of it."
    )
    date_precision = models.CharField(
        max_length=5, choices=DatePrecision, default=DatePrecision.DAY
    )
    position = models.CharField(
        max_length=25,
        choices=Position,
        blank=True,
        help_text="The position the government took, if this update states one.",
    )
    delivery_status = models.CharField(
        max_length=20,
        choices=DeliveryStatus,
        blank=True,
        help_text="Where delivery stood, if this update states it.",
    )
    detail = models.TextField(help_text="What happened, in our own words.")
    inference = inference_field()

    public_fields = (
        "recommendation",
        "date",
        "date_precision",
        "position",
        "delivery_status",
        "detail",
        "slug",
    )
    objects = CuratedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["date", "slug"]
        indexes = [
            # A recommendation's latest update on each axis (with_tracking_dates()).
            models.Index(
                fields=["recommendation", "date", "slug"],
                name="governmentupdate_latest",
            ),
        ]
        constraints = [
            choices_constraint("date_precision", DatePrecision),
            choices_constraint("position", Position, blank=True),
            choices_constraint("delivery_status", DeliveryStatus, blank=True),
            models.CheckConstraint(
                condition=~models.Q(position="", delivery_status=""),
                name="recommendations_governmentupdate_has_axis",
                violation_error_message="Set a position, a delivery status, or both.",
            ),
        ]

    def __str__(self):
        return f"{self.date.isoformat()} {self.recommendation}"

    def get_absolute_url(self):
        return self.recommendation.get_absolute_url() + f"#{self.slug}"


# While a load runs, updates only note their recommendation here, and the loader
# refreshes each once at the end (see tracking_deferred()).
_DEFERRED_TRACKING: ContextVar[set | None] = ContextVar("deferred", default=None)


@contextmanager
def tracking_deferred():
    """Within it, saving or deleting a government update does not refresh its
    recommendation's position and status; the set it yields collects their ids."""
    touched = set()
    token = _DEFERRED_TRACKING.set(touched)
    try:
        yield touched
    finally:
        _DEFERRED_TRACKING.reset(token)


@receiver([post_save, post_delete], sender=GovernmentUpdate)
def refresh_recommendation_tracking(sender, instance, **kwargs):
    # Signals rather than save()/delete(), so bulk deletes in the admin count too.
    deferred = _DEFERRED_TRACKING.get()
    if deferred is not None:
        deferred.add(instance.recommendation_id)
        return
    recommendation = Recommendation.objects.filter(
        pk=instance.recommendation_id
    ).first()
    if recommendation is not None:
        recommendation.refresh_tracking()


class Discrepancy(NaturalSlugMixin, Curated):
    """Sources that disagree about a fact, shown side by side and never resolved."""

    review = models.ForeignKey(
        Review, on_delete=models.PROTECT, related_name="discrepancies"
    )
    recommendation = models.ForeignKey(
        Recommendation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="discrepancies",
        help_text="The recommendation it concerns, if any.",
    )
    slug = models.SlugField(max_length=100, unique=True)
    topic = models.CharField(
        max_length=200, help_text="What the sources disagree about."
    )
    summary = models.TextField(help_text="The disagreement, in our own words.")
    inference = inference_field()

    public_fields = (
        "topic",
        "summary",
        "recommendation",
        "slug",
    )
    objects = CuratedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["slug"]
        verbose_name_plural = "discrepancies"

    def __str__(self):
        return self.topic

    def get_absolute_url(self):
        return reverse("recommendations:discrepancy_list") + f"#{self.slug}"
