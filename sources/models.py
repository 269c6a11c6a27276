import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F
from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode
from simple_history.models import HistoricalRecords

from recommendations.models import (
    Chapter,
    DatePrecision,
    Discrepancy,
    GovernmentUpdate,
    KeyFigure,
    Mission,
    Recommendation,
    Review,
    TimelineEvent,
)
from review_portal.lib.curation import (
    Curated,
    CuratedQuerySet,
    NaturalSlugMixin,
    choices_constraint,
    inference_field,
)
from review_portal.lib.search import Searchable
from sources.cleaning import clean_text


class Capture(models.TextChoices):
    CAPTURED = "captured", "Captured: full text kept and checked"
    CITED = "cited", "Cited: known by its address only"


class SourceKind(models.TextChoices):
    NEWS = "news", "News article"
    PRESS_RELEASE = "press_release", "Press release"
    BLOG = "blog", "Blog post"
    NEWSLETTER = "newsletter", "Newsletter"
    REPORT = "report", "Report"
    PARLIAMENT = "parliament", "Parliamentary record"
    GOVERNMENT = "government", "Government page"
    WEB_PAGE = "web_page", "Web page"


class OrganisationKind(models.TextChoices):
    CHARITY = "charity", "Charity"
    ROYAL_COLLEGE = "royal_college", "Royal college"
    GOVERNMENT = "government", "Government department"
    REGULATOR = "regulator", "Regulator"
    UNIVERSITY = "university", "University"
    PROFESSIONAL_BODY = "professional_body", "Professional body"
    COMMISSIONER = "commissioner", "Commissioner"
    REVIEW = "review", "The review itself"
    LOCAL_GOVERNMENT = "local_government", "Local government"
    RESEARCH = "research", "Research or evidence body"
    PARLIAMENT = "parliament", "Parliament"
    OTHER = "other", "Other"


class Moment(models.TextChoices):
    REVIEW_LAUNCH = "review_launch", "Review launch"
    FINAL_REPORT = "final_report", "Final report"
    GOVERNMENT_RESPONSE = "government_response", "Government response"


class Stance(models.TextChoices):
    WELCOMES = "welcomes", "Welcomes"
    MIXED = "mixed", "Mixed"
    CRITICAL = "critical", "Critical"
    NEUTRAL = "neutral", "Neutral"


class Supports(models.TextChoices):
    """What a citation's excerpt gives: the record as a whole, or one scored field."""

    RECORD = "", "The record as a whole"
    POSITION = "position", "The government's position"
    DELIVERY_STATUS = "delivery_status", "The delivery status"
    DATE = "date", "The date"
    VALUE = "value", "A key figure's value"
    CHAPTER = "chapter", "A recommendation's stated chapter"
    NUMBER = "number", "A recommendation's report number"


class SourceDocument(NaturalSlugMixin, Curated):
    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=300)
    publisher = models.CharField(max_length=200)
    published_on = models.DateField(
        null=True, blank=True, help_text="Only where the document itself gives a date."
    )
    date_precision = models.CharField(
        max_length=5, choices=DatePrecision, default=DatePrecision.DAY
    )
    kind = models.CharField(max_length=20, choices=SourceKind, db_index=True)
    capture = models.CharField(
        max_length=10,
        choices=Capture,
        db_index=True,
        help_text="Captured sources keep their full text; every excerpt must be found in it.",
    )
    url = models.URLField(
        max_length=500, blank=True, help_text="Where it was published, if known."
    )
    raw_text = models.TextField(blank=True, help_text="The text exactly as captured.")
    cleaned_text = models.TextField(
        blank=True, editable=False, help_text="Derived from the raw text on save."
    )
    description = models.TextField(
        blank=True, help_text="What it is, in our own words."
    )

    public_fields = (
        "title",
        "publisher",
        "published_on",
        "date_precision",
        "kind",
        "capture",
        "url",
        "description",
        "raw_text",
        "slug",
    )
    searchable = Searchable(
        "source",
        2,
        "Source",
        "Sources",
        # Not the description: it is our own note on where the record came from
        # ("A web page cited in the research notes ...; title taken from the
        # page's address"), the same boilerplate on most sources, and would
        # match every search for "review", "page" or "notes".
        columns=("title", "publisher", "cleaned_text"),
        title_columns=("title", "publisher"),
        body_columns=("cleaned_text",),
    )
    objects = CuratedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["slug"]
        constraints = [
            choices_constraint("kind", SourceKind),
            choices_constraint("capture", Capture),
            choices_constraint("date_precision", DatePrecision),
            models.CheckConstraint(
                condition=~models.Q(capture=Capture.CAPTURED, raw_text=""),
                name="sources_sourcedocument_captured_has_text",
            ),
        ]

    @property
    def voice(self):
        """Whose words its excerpts are, as the recommendation page says it: the
        government's own (a government page), Parliament's record, or a report."""
        if self.kind == SourceKind.GOVERNMENT:
            return f"The government's own words, published by {self.publisher}"
        if self.kind == SourceKind.PARLIAMENT:
            return f"From the parliamentary record, published by {self.publisher}"
        return f"As reported by {self.publisher}"

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.cleaned_text = clean_text(self.raw_text)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("sources:sourcedocument_detail", args=[self.slug])

    @property
    def is_captured(self):
        return self.capture == Capture.CAPTURED

    def locate(self, text: str) -> int | None:
        """Where `text` starts in the cleaned text, or None if it is not there."""
        position = self.cleaned_text.find(text)
        return None if position < 0 else position

    def check_quotation(self, field: str, text: str) -> None:
        """Raise a ValidationError on `field` unless `text` is found, word for word,
        in this source's cleaned text. Cited sources cannot be checked."""
        if not self.is_captured or not text or self.locate(text) is not None:
            return
        raise ValidationError(
            {
                field: f"Not found word for word in the captured source “{self.slug}”: {text!r}"
            }
        )

    def clean(self):
        # Each quotation is checked when it is saved; a new text for this source must
        # not strand the quotations already checked against the old one.
        if self.pk is None or not self.is_captured:
            return
        text = clean_text(self.raw_text)
        quotations = [
            *(("Citation", c.slug, c.excerpt) for c in self.citations.all()),
            *(("Response", r.slug, r.quotation) for r in self.responses.all()),
            *(("Chapter title", t.slug, t.title) for t in self.chapter_titles.all()),
        ]
        missing = [
            f"{kind} “{slug}” quotes {quotation!r}, which this text does not contain."
            for kind, slug, quotation in quotations
            if quotation and quotation not in text
        ]
        if missing:
            raise ValidationError({"raw_text": missing})


class Organisation(NaturalSlugMixin, Curated):
    slug = models.SlugField(max_length=100, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=OrganisationKind, db_index=True)
    url = models.URLField(max_length=500, blank=True)
    description = models.TextField(
        blank=True, help_text="Who they are, in our own words."
    )

    public_fields = (
        "name",
        "kind",
        "url",
        "description",
        "slug",
    )
    searchable = Searchable(
        "organisation",
        3,
        "Organisation",
        "Organisations",
        columns=("name", "description"),
        title_columns=("name",),
        body_columns=("description",),
    )
    objects = CuratedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [choices_constraint("kind", OrganisationKind)]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("sources:organisation_detail", args=[self.slug])


# A source's whole text (the report is 278 pages), which no page showing a
# citation or a response needs: left out wherever a source is joined in, or a
# download would read it once per row.
WITHOUT_SOURCE_TEXT = ("source__raw_text", "source__cleaned_text")


class StakeholderResponseQuerySet(CuratedQuerySet):
    def listed(self):
        """The responses list's queryset, before filtering: newest first, undated
        last."""
        return (
            self.select_related("organisation", "source")
            .defer(*WITHOUT_SOURCE_TEXT)
            .prefetch_related("recommendations")
            .order_by(F("responded_on").desc(nulls_last=True), "slug")
        )

    def downloaded(self):
        return self.listed().prefetch_related("chapters", "missions")


class StakeholderResponse(NaturalSlugMixin, Curated):
    slug = models.SlugField(max_length=100, unique=True)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="responses"
    )
    person = models.CharField(max_length=200, blank=True)
    role = models.CharField(max_length=200, blank=True)
    responded_on = models.DateField(
        null=True, blank=True, help_text="Left empty unless a source gives the date."
    )
    is_date_approximate = models.BooleanField(
        default=False,
        help_text="The date is the page's publication date, not the statement's.",
    )
    moment = models.CharField(
        max_length=20,
        choices=Moment,
        db_index=True,
        help_text="What the response responds to.",
    )
    stance = models.CharField(max_length=10, choices=Stance, db_index=True)
    summary = models.TextField(help_text="What they said, in our own words.")
    quotation = models.TextField(
        blank=True, help_text="Exactly as the source has it, misspellings included."
    )
    inference = inference_field()
    source = models.ForeignKey(
        SourceDocument, on_delete=models.PROTECT, related_name="responses"
    )
    recommendations = models.ManyToManyField(
        Recommendation, blank=True, related_name="responses"
    )
    chapters = models.ManyToManyField(Chapter, blank=True, related_name="responses")
    missions = models.ManyToManyField(Mission, blank=True, related_name="responses")

    public_fields = (
        "organisation",
        "person",
        "role",
        "responded_on",
        "is_date_approximate",
        "moment",
        "stance",
        "summary",
        "quotation",
        "source",
        "recommendations",
        "chapters",
        "missions",
        "slug",
    )
    searchable = Searchable(
        "response",
        1,
        "Stakeholder response",
        "Stakeholder responses",
        columns=("summary", "quotation", "person", "role"),
        title_columns=("person", "role"),
        body_columns=("summary", "quotation"),
        related=("organisation",),
    )
    objects = StakeholderResponseQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[recommendations, chapters, missions])

    class Meta:
        ordering = ["-responded_on", "slug"]
        indexes = [
            # The newest responses (the home page), and the list's own order.
            models.Index(fields=["responded_on", "slug"], name="response_date"),
            # The list's stance and organisation facets, read from the index alone
            # for the responses of the filtered recommendations (see
            # recommendation_facets).
            models.Index(
                fields=["id", "stance", "organisation"], name="response_facets"
            ),
        ]
        constraints = [
            choices_constraint("moment", Moment),
            choices_constraint("stance", Stance),
        ]

    def __str__(self):
        who = (
            f"{self.person}, {self.organisation}"
            if self.person
            else str(self.organisation)
        )
        return f"{who} on the {self.get_moment_display().lower()}"

    def get_absolute_url(self):
        return reverse("sources:stakeholderresponse_detail", args=[self.slug])

    def clean(self):
        if self.source_id:
            self.source.check_quotation("quotation", self.quotation)


class Publication(NaturalSlugMixin, Curated):
    """Related evidence that a source mentions."""

    slug = models.SlugField(max_length=100, unique=True)
    title = models.CharField(max_length=300)
    publisher = models.CharField(max_length=200)
    url = models.URLField(max_length=500, blank=True)
    findings = models.TextField(
        blank=True, help_text="What it found, in our own words."
    )

    public_fields = (
        "title",
        "publisher",
        "url",
        "findings",
        "slug",
    )
    objects = CuratedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["title"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("sources:publication_list") + f"#{self.slug}"


class ChapterTitle(NaturalSlugMixin, Curated):
    """A title a source gives a chapter, which may differ from the contents page."""

    slug = models.SlugField(max_length=100, unique=True)
    chapter = models.ForeignKey(
        Chapter, on_delete=models.CASCADE, related_name="titles"
    )
    source = models.ForeignKey(
        SourceDocument, on_delete=models.PROTECT, related_name="chapter_titles"
    )
    title = models.CharField(max_length=300, help_text="Exactly as the source has it.")

    public_fields = (
        "chapter",
        "title",
        "source",
        "slug",
    )
    objects = CuratedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["slug"]

    def __str__(self):
        return f"{self.title} ({self.source})"

    def get_absolute_url(self):
        return self.chapter.get_absolute_url()

    def clean(self):
        if self.source_id:
            self.source.check_quotation("title", self.title)


# The records a citation can support; exactly one is set on each citation.
CITATION_TARGETS = [
    "review",
    "chapter",
    "recommendation",
    "key_figure",
    "timeline_event",
    "publication",
    "government_update",
    "discrepancy",
]


def _target(model):
    """One of the records a citation can support; see CITATION_TARGETS."""
    return models.ForeignKey(
        model,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="citations",
    )


class CitationQuerySet(CuratedQuerySet):
    def with_source(self):
        # Each citation's source joined in, rather than one more query for them all,
        # without the source's whole text (the report is 278 pages): no page that
        # shows a citation needs it, and a download would read it once per row.
        return self.select_related("source").defer(*WITHOUT_SOURCE_TEXT)


class Citation(NaturalSlugMixin, Curated):
    """Provenance: a source states something about one record, in these exact words."""

    slug = models.SlugField(max_length=100, unique=True)
    source = models.ForeignKey(
        SourceDocument, on_delete=models.PROTECT, related_name="citations"
    )
    excerpt = models.TextField(help_text="Exactly as the source has it.")
    supports = models.CharField(
        max_length=20,
        choices=Supports,
        blank=True,
        default=Supports.RECORD,
        help_text="The field of its record this excerpt gives, or blank for the record as a whole.",
    )
    review = _target(Review)
    chapter = _target(Chapter)
    recommendation = _target(Recommendation)
    key_figure = _target(KeyFigure)
    timeline_event = _target(TimelineEvent)
    publication = _target(Publication)
    government_update = _target(GovernmentUpdate)
    discrepancy = _target(Discrepancy)

    public_fields = ("source", "excerpt", *CITATION_TARGETS, "supports", "slug")
    objects = CitationQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["slug"]
        constraints = [
            choices_constraint("supports", Supports, blank=True),
            models.CheckConstraint(
                # Exactly one target: the sum of "is set" flags is one.
                condition=models.Q(
                    *[
                        models.Q(
                            **{
                                f"{target}__isnull": target != chosen
                                for target in CITATION_TARGETS
                            }
                        )
                        for chosen in CITATION_TARGETS
                    ],
                    _connector=models.Q.OR,
                ),
                name="sources_citation_exactly_one_target",
                violation_error_message=(
                    "A citation supports exactly one record: set one of "
                    + ", ".join(CITATION_TARGETS)
                    + "."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.source}: “{self.excerpt[:60]}”"

    def get_absolute_url(self):
        return self.source.get_absolute_url() + f"#{self.slug}"

    @property
    def target(self):
        return next(
            (
                getattr(self, name)
                for name in CITATION_TARGETS
                if getattr(self, f"{name}_id")
            ),
            None,
        )

    def clean(self):
        # "Exactly one target" is the check constraint's job, validated with it.
        if self.source_id:
            self.source.check_quotation("excerpt", self.excerpt)


class LoadedRecord(models.Model):
    """What the reload command last wrote for one fixture record.

    A record whose current content differs from its digest here was edited by staff
    since the last load; the reload keeps it unless told to --force."""

    model = models.CharField(max_length=100)
    key = models.CharField(max_length=200, help_text="The record's natural key.")
    digest = models.CharField(max_length=64)
    loaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["model", "key"]
        constraints = [
            models.UniqueConstraint(
                fields=["model", "key"], name="sources_loadedrecord_unique"
            )
        ]

    def __str__(self):
        return f"{self.model} {self.key}"


class CorrectionStatus(models.TextChoices):
    NEW = "new", "New"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"


class Correction(models.Model):
    """A problem with a public page, reported by a member of the public through
    /report/. Only curators see it: nothing here is ever shown publicly.

    The record the page shows is kept as plain text (model label and slug), so a
    correction outlives its record and points at no table."""

    page = models.CharField(
        max_length=500, blank=True, help_text="The path of the page reported."
    )
    record_model = models.CharField(
        max_length=100,
        blank=True,
        help_text="The model of the record the page shows, e.g. recommendations.chapter.",
    )
    record_slug = models.CharField(max_length=100, blank=True)
    message = models.TextField(help_text="What is wrong, as the visitor wrote it.")
    source = models.CharField(
        max_length=500, blank=True, help_text="A source the visitor gave, if any."
    )
    email = models.EmailField(blank=True)
    status = models.CharField(
        max_length=10,
        choices=CorrectionStatus,
        default=CorrectionStatus.NEW,
        db_index=True,
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # Indexed: the data version reads its newest value (review_portal/lib/versions.py).
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="handled_corrections",
    )
    curator_note = models.TextField(
        blank=True, help_text="For curators only: what was done, or why not."
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [choices_constraint("status", CorrectionStatus)]

    def __str__(self):
        return f"{self.reference}: report about {self.page or 'no particular page'}"

    @property
    def reference(self) -> str:
        """What the reporter is told on the thank-you page, e.g. RP-000123: stable,
        from the id, and the only thing about a report that is ever shown publicly
        (on the corrected record's history, once accepted)."""
        return f"RP-{self.pk:06d}" if self.pk else ""

    @property
    def record_admin_url(self) -> str:
        """The record in the admin: its changelist narrowed to the slug, which needs no
        query and still answers (with no rows) if the record was since removed."""
        app_label, _, model_name = self.record_model.partition(".")
        try:
            url = reverse(f"admin:{app_label}_{model_name}_changelist")
        except NoReverseMatch:
            return ""
        return f"{url}?{urlencode({'slug': self.record_slug})}"


def period_end(day, precision):
    """The last day of the period that `day` (its first day) and `precision` name."""
    if day is None:
        return None
    if precision == DatePrecision.YEAR:
        return day.replace(month=12, day=31)
    if precision == DatePrecision.MONTH:
        following = day.replace(day=28) + datetime.timedelta(days=4)
        return following - datetime.timedelta(days=following.day)
    return day


class CommitmentState(models.TextChoices):
    """Where a dated promise stands, against today and the day it was met."""

    DUE = "due", "Due"
    OVERDUE = "overdue", "Overdue"
    MET_LATE = "met_late", "Met late"
    MET = "met", "Met"


class CommitmentQuerySet(CuratedQuerySet):
    def in_state(self, state, today=None):
        """The commitments in `state` on `today`, in the database: a due date of
        month or year precision is its period's first day, so it has passed once
        that period's first day is before the current period's."""
        today = today or datetime.date.today()
        passed = (
            models.Q(due_precision=DatePrecision.DAY, due_on__lt=today)
            | models.Q(
                due_precision=DatePrecision.MONTH, due_on__lt=today.replace(day=1)
            )
            | models.Q(
                due_precision=DatePrecision.YEAR,
                due_on__lt=today.replace(month=1, day=1),
            )
        )
        unmet = models.Q(met_on__isnull=True)
        if state == CommitmentState.OVERDUE:
            return self.filter(unmet & passed)
        if state == CommitmentState.DUE:
            return self.filter(unmet).exclude(passed)
        met = [c.pk for c in self.filter(met_on__isnull=False) if c.state() == state]
        return self.filter(pk__in=met)


class Commitment(NaturalSlugMixin, Curated):
    """A promise the government made about a recommendation, with the date it gave
    and the source's own words for both; and, if a source says so, when it was met.

    Enter only what an excerpt states: a commitment with no dated excerpt is not a
    commitment here."""

    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.CASCADE, related_name="commitments"
    )
    government_update = models.ForeignKey(
        GovernmentUpdate,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="commitments",
        help_text="The update in which the government made it, if there is one.",
    )
    slug = models.SlugField(max_length=100, unique=True)
    promise = models.CharField(
        max_length=300, help_text="What was promised, in our own words."
    )
    due_on = models.DateField(
        help_text="The date promised; for month or year precision, its first day."
    )
    due_precision = models.CharField(
        max_length=5, choices=DatePrecision, default=DatePrecision.DAY
    )
    source = models.ForeignKey(
        SourceDocument, on_delete=models.PROTECT, related_name="commitments"
    )
    excerpt = models.TextField(
        help_text="The source's words that state the promise and its date, exactly."
    )
    met_on = models.DateField(
        null=True,
        blank=True,
        help_text="When it was met, only if a source says so; first day for month or year.",
    )
    met_precision = models.CharField(
        max_length=5, choices=DatePrecision, default=DatePrecision.DAY
    )
    met_source = models.ForeignKey(
        SourceDocument,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="met_commitments",
    )
    met_excerpt = models.TextField(
        blank=True, help_text="The source's words that say it was met, exactly."
    )

    public_fields = (
        "recommendation",
        "government_update",
        "promise",
        "due_on",
        "due_precision",
        "source",
        "excerpt",
        "met_on",
        "met_precision",
        "met_source",
        "met_excerpt",
        "slug",
    )
    objects = CommitmentQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_on", "slug"]
        constraints = [
            choices_constraint("due_precision", DatePrecision),
            choices_constraint("met_precision", DatePrecision),
            models.CheckConstraint(
                condition=models.Q(met_on__isnull=True)
                | (models.Q(met_source__isnull=False) & ~models.Q(met_excerpt="")),
                name="sources_commitment_met_has_source",
                violation_error_message="Say which source says it was met, in its words.",
            ),
        ]

    def __str__(self):
        return self.promise

    def get_absolute_url(self):
        return self.recommendation.get_absolute_url() + f"#{self.slug}"

    @property
    def due_by(self):
        """The last day it could be met on time."""
        return period_end(self.due_on, self.due_precision)

    def state(self, today=None):
        today = today or datetime.date.today()
        if self.met_on is not None:
            # Late only if it was surely met after the due period ended.
            return (
                CommitmentState.MET_LATE
                if self.met_on > self.due_by
                else CommitmentState.MET
            )
        return CommitmentState.OVERDUE if today > self.due_by else CommitmentState.DUE

    def get_state_display(self):
        return CommitmentState(self.state()).label


# Re-readings under our rules live in their own module (see its docstring).
from sources.rereads import Reread  # noqa: E402, F401
