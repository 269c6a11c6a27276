"""Re-readings: where our published rules changed a record, the old value, the new
one, the reason and the day, as public data (`fixtures/rereads.json`).

The December 2026 audit re-read every scored field against the excerpts that back
it (docs/public-record-coverage.md): a position, a delivery status, a date, a stance,
a person named, a chapter's basis; and dropped the government updates and the one
recommendation that no excerpt supports. Each such change is a `Reread`, shown in the
record's history, on its page ("How this was re-read"), in What's changed and the
feeds. A re-reading with field "recommendation" is a recommendation removed whole:
its address answers 410 Gone with the reason, on its page (recommendations.views)
and in the API (recommendations.api), both found by `Reread.objects.removal()`."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.formats import date_format
from simple_history.models import HistoricalRecords

from recommendations.models import (
    ChapterBasis,
    DeliveryStatus,
    Position,
    Recommendation,
)
from review_portal.lib.curation import (
    Curated,
    CuratedQuerySet,
    NaturalSlugMixin,
    choices_constraint,
)

# The new value of a field, or of a record, that was dropped.
REMOVED = "removed"


class RereadField(models.TextChoices):
    POSITION = "position", "Government position"
    DELIVERY_STATUS = "delivery_status", "Delivery status"
    DATE = "date", "Date"
    STANCE = "stance", "Stance"
    PERSON = "person", "Person named"
    CHAPTER_BASIS = "chapter_basis", "How its chapter is known"
    GOVERNMENT_UPDATE = "government_update", "Government update"
    RECOMMENDATION = "recommendation", "Recommendation"


def _stances():
    # The sources app's models import this module's app: read the choices late.
    from sources.models import Stance

    return Stance


# Fields whose values are choices: stored as the choice, shown as its label.
CHOICES = {
    RereadField.POSITION: lambda: Position,
    RereadField.DELIVERY_STATUS: lambda: DeliveryStatus,
    RereadField.STANCE: _stances,
    RereadField.CHAPTER_BASIS: lambda: ChapterBasis,
}


class RereadQuerySet(CuratedQuerySet):
    def removal(self, slug):
        """The re-reading that removed the recommendation `slug`, or None."""
        return self.filter(field=RereadField.RECOMMENDATION, record=slug).first()


class Reread(NaturalSlugMixin, Curated):
    """One change our published rules made to one record: copied from
    docs/public-record-coverage.md, never invented."""

    slug = models.SlugField(max_length=150, unique=True)
    recommendation = models.ForeignKey(
        Recommendation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rereads",
        help_text="The recommendation it concerns; empty for one removed whole.",
    )
    response = models.ForeignKey(
        "sources.StakeholderResponse",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rereads",
        help_text="The stakeholder response it changed, if it changed one.",
    )
    record = models.CharField(
        max_length=150,
        blank=True,
        help_text="The slug of the government update, timeline event or removed "
        "recommendation it changed, as it was then (the record may be gone).",
    )
    field = models.CharField(max_length=20, choices=RereadField)
    old_value = models.CharField(max_length=200, blank=True)
    new_value = models.CharField(
        max_length=200, help_text=f"'{REMOVED}' where the value or record was dropped."
    )
    reason = models.TextField(help_text="The rule or reason, in plain words.")
    made_on = models.DateField(
        help_text="When the change was made: the date of its commit in this "
        "repository's history."
    )

    public_fields = (
        "recommendation",
        "response",
        "record",
        "field",
        "old_value",
        "new_value",
        "reason",
        "made_on",
        "slug",
    )
    objects = RereadQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "re-reading under our rules"
        verbose_name_plural = "re-readings under our rules"
        ordering = ["made_on", "slug"]
        constraints = [choices_constraint("field", RereadField)]

    def __str__(self):
        return self.sentence

    def clean(self):
        choices = CHOICES.get(self.field)
        if choices is None:
            return
        allowed = set(choices().values)
        for name in ("old_value", "new_value"):
            value = getattr(self, name)
            if value and value != REMOVED and value not in allowed:
                raise ValidationError(
                    {name: f"{value!r} is not a {self.get_field_display().lower()}"}
                )

    def display(self, value):
        """A stored value as the public reads it: a choice's label."""
        if value == REMOVED or not value:
            return value or "none"
        choices = CHOICES.get(self.field)
        return choices()(value).label if choices else value

    @property
    def old(self):
        return self.display(self.old_value)

    @property
    def new(self):
        return self.display(self.new_value)

    @property
    def sentence(self):
        """E.g. "Government position re-read under our rules: Accepted → Under
        consideration"; a record dropped whole: "Government update <slug> removed
        under our rules"."""
        label = self.get_field_display()
        if self.field in {RereadField.GOVERNMENT_UPDATE, RereadField.RECOMMENDATION}:
            return f"{label} {self.record} removed under our rules"
        return f"{label} re-read under our rules: {self.old} → {self.new}"

    @property
    def event(self):
        """The sentence, the day and the reason, for the change log and feeds."""
        return f"{self.sentence}, {date_format(self.made_on, 'j F Y')}: {self.reason}"
