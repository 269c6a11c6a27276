"""The base of every model that staff curate and `load_review` loads.

Its admin half is `review_portal.lib.admin.CuratedAdminMixin`."""

from django.db import models
from django.db.models import OuterRef, Subquery
from django.utils.text import capfirst

# The history's change reason when load_review writes a record; on the first load
# into an empty database, FIRST_LOAD: that is the data arriving, not news.
LOADED_BY_COMMAND = "load_review"
FIRST_LOAD = "load_review: first load"
LOADER_REASONS = (LOADED_BY_COMMAND, FIRST_LOAD)
# The history's change reason when a curator marks a record reviewed: that changes
# nothing the public sees.
MARKED_REVIEWED = "Marked reviewed"


def choices_constraint(field: str, choices: type[models.TextChoices], *, blank=False):
    """A CheckConstraint that keeps `field` within `choices` in the database itself.

    Its name ends in "_valid": the loader skips re-checking such constraints, since
    clean_fields() has already checked the choice (see sources/loading.py)."""
    allowed = list(choices.values) + ([""] if blank else [])
    return models.CheckConstraint(
        condition=models.Q(**{f"{field}__in": allowed}),
        name=f"%(app_label)s_%(class)s_{field}_valid",
    )


# Public fields' labels where the field's verbose name reads badly on its own.
LABELS = {
    "slug": "Web address",
    "url": "Link",
    "is_headline": "Headline recommendation",
    "chapter_basis": "How its chapter is known",
    "note": "What we could not confirm",
    "raw_text": "Captured text",
    "responded_on": "Date of the response",
    "is_date_approximate": "Date is approximate",
    "moment": "Responding to",
    "published_on": "Publication date",
    "value": "Number",
    "position": "Government position",
    "delivery_status": "Delivery status",
    "parts": "Recommendations it groups",
    "inference": "Our own inference",
    "supports": "The field it supports",
}


def field_label(model, name):
    """A public field's label, the same on the record's page and in its history:
    its plain words from LABELS, or else its verbose name."""
    return LABELS.get(name) or capfirst(model._meta.get_field(name).verbose_name)


INFERENCE_HELP = (
    "Our own inference or arithmetic, shown on the page as such; exempt from the "
    "excerpt check."
)


def inference_field():
    """Where a record says what is our own inference or arithmetic rather than a
    source's: the claims check leaves it out, and pages label it as ours."""
    return models.TextField(blank=True, help_text=INFERENCE_HELP)


class CuratedQuerySet(models.QuerySet):
    """Every model loaded from fixtures is found by its slug, its natural key."""

    def get_by_natural_key(self, slug):
        return self.get(slug=slug)

    def with_last_updated(self):
        """Each record with `last_updated`: the date of its latest version, a
        subquery of its history, so a detail page costs no extra query. Marking a
        record reviewed changes nothing the public sees, so it does not count."""
        latest = (
            self.model.history.filter(id=OuterRef("pk"))
            .exclude(history_change_reason=MARKED_REVIEWED)
            .order_by("-history_date")
            .values("history_date")[:1]
        )
        return self.annotate(last_updated=Subquery(latest))


class NaturalSlugMixin:
    def natural_key(self):
        return (self.slug,)


class Curated(models.Model):
    """A model staff curate in the admin. A record saved there needs review until the
    next export_review or a curator's "Mark reviewed"; load_review leaves it False.

    `public_fields` names the fields the public sees, in the order its page shows
    them: the API's serializers, the change log and the record's history all take
    them from there."""

    public_fields: tuple[str, ...] = ()

    needs_review = models.BooleanField(
        default=False,
        editable=False,
        db_index=True,
        help_text="Changed in the admin since the last export or review.",
    )

    class Meta:
        abstract = True
