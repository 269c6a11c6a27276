from django.db import models
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.urls import reverse
from simple_history.models import HistoricalRecords


def choices_constraint(field: str, choices: type[models.TextChoices], *, blank=False):
    """A CheckConstraint that keeps `field` within `choices` in the database itself."""
    allowed = list(choices.values) + ([""] if blank else [])
    return models.CheckConstraint(
        condition=models.Q(**{f"{field}__in": allowed}),
        name=f"%(app_label)s_%(class)s_{field}_valid",
    )


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


INFERENCE_HELP = (
    "Our own inference or arithmetic, shown on the page as such; exempt from the "
    "excerpt check."
)


def inference_field():
    return models.TextField(blank=True, help_text=INFERENCE_HELP)


class SlugQuerySet(models.QuerySet):
    """Every model loaded from fixtures is found by its slug, its natural key."""

    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class NaturalSlugMixin:
    def natural_key(self):
        return (self.slug,)


# The history's change reason when a curator marks a record reviewed: that changes
# nothing the public sees.
MARKED_REVIEWED = "Marked reviewed"


class Curated(models.Model):
    """A model staff curate in the admin. A record saved there needs review until the
    next export_review or a curator's "Mark reviewed"; load_review leaves it False."""

    needs_review = models.BooleanField(
        default=False,
        editable=False,
        db_index=True,
        help_text="Changed in the admin since the last export or review.",
    )

    class Meta:
        abstract = True


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

    objects = SlugQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["slug"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("home")


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

    objects = SlugQuerySet.as_manager()
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

    objects = SlugQuerySet.as_manager()
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


class RecommendationQuerySet(SlugQuerySet):
    def for_list(self):
        # One join for the chapter, one extra query for all rows' missions.
        return self.select_related("chapter").prefetch_related("missions")


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

    objects = RecommendationQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[missions, parts])

    class Meta:
        ordering = ["slug"]
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

    def refresh_tracking(self):
        """Set the current position and delivery status from the latest dated update
        on each axis (ties broken by slug, so the result is stable)."""
        updates = self.government_updates.order_by("-date", "-slug")
        position = (
            updates.exclude(position="").values_list("position", flat=True).first()
        )
        status = updates.exclude(delivery_status="").values_list(
            "delivery_status", flat=True
        )
        self.position = position or Position.NO_RESPONSE_FOUND
        self.delivery_status = status.first() or DeliveryStatus.NO_INFORMATION
        Recommendation.objects.filter(pk=self.pk).update(
            position=self.position, delivery_status=self.delivery_status
        )


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

    objects = SlugQuerySet.as_manager()
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

    objects = SlugQuerySet.as_manager()
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

    objects = SlugQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["date", "slug"]
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


@receiver([post_save, post_delete], sender=GovernmentUpdate)
def refresh_recommendation_tracking(sender, instance, **kwargs):
    # Signals rather than save()/delete(), so bulk deletes in the admin count too.
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

    objects = SlugQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["slug"]
        verbose_name_plural = "discrepancies"

    def __str__(self):
        return self.topic

    def get_absolute_url(self):
        return reverse("recommendations:discrepancy_list") + f"#{self.slug}"
