"""`{% public_rows record exclude="title summary" as rows %}`: a record's public
fields (`public_fields`, see review_portal.lib.curation.Curated) as the rows of a
GOV.UK summary list, so that a field added to `public_fields` is on the record's
page without editing its template. Loaded with {% load public %} (registered as a
library in settings.TEMPLATES).

`{{ rows }}` writes the rows, in the order `public_fields` declares them, to go
inside a `<dl class="govuk-summary-list">`; `{% if rows %}` says whether there are
any. Each row is the field's label (`field_label`, as its history names it) and
its value: a choice in its words, a date as precise as its source, a link for an
address or a related record with a page, a list for several related records, a
ticked box as its help text says it (or "Yes"), text with its line breaks. A
field with nothing in it (empty, unticked, none linked) has no row.

`exclude` names the fields the page shows in its own way (the title as the
heading, the summary as the lead paragraph); each must be a public field. The
slug is never a row: it is the page's own address."""

from dataclasses import dataclass

from django import template
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.template.defaultfilters import linebreaksbr
from django.utils.html import conditional_escape, format_html, format_html_join

from review_portal.lib.curation import field_label
from review_portal.lib.dates import precise_date

register = template.Library()

# Every record's page is at its slug.
IN_THE_ADDRESS = "slug"


@dataclass(frozen=True)
class Row:
    label: str
    value: str  # HTML, escaped


class Rows(list):
    """The rows; written as HTML, the summary list's rows."""

    def __html__(self):
        return format_html_join(
            "\n",
            '<div class="govuk-summary-list__row">'
            '<dt class="govuk-summary-list__key">{}</dt>'
            '<dd class="govuk-summary-list__value">{}</dd></div>',
            ((row.label, row.value) for row in self),
        )

    __str__ = __html__


def _record(related):
    """A related record: a link to its page, if it has one."""
    if hasattr(related, "get_absolute_url"):
        return format_html(
            '<a class="govuk-link" href="{}">{}</a>',
            related.get_absolute_url(),
            related,
        )
    return conditional_escape(related)


# How much of an ISO date each precision keeps: 2022-05-23, 2022-05, 2022.
ISO_LENGTHS = {"day": 10, "month": 7, "year": 4}


def _precision(record, name):
    """How precise a date is: its own `<name>_precision` field (due_on:
    due_precision), else the record's `date_precision`, else a day."""
    for partner in (f"{name.removesuffix('_on')}_precision", "date_precision"):
        if hasattr(record, partner):
            return getattr(record, partner)
    return "day"


def display(record, field):
    """The field's value as its row shows it, or "" for nothing to show."""
    if field.many_to_many:
        related = getattr(record, field.name).all()
        if not related:
            return ""
        return format_html(
            '<ul class="govuk-list govuk-!-margin-bottom-0">{}</ul>',
            format_html_join("", "<li>{}</li>", ((_record(r),) for r in related)),
        )
    value = getattr(record, field.name)
    if value is None or value == "" or value is False:
        return ""
    if field.is_relation:
        return _record(value)
    if field.choices:
        return conditional_escape(getattr(record, f"get_{field.name}_display")())
    if value is True:
        # A box's help text says what ticking it means.
        return field.help_text or "Yes"
    if isinstance(field, models.URLField):
        return format_html(
            '<a class="govuk-link" href="{}" rel="noreferrer">{}</a>', value, value
        )
    if isinstance(field, models.DateField):
        precision = _precision(record, field.name)
        return format_html(
            '<time datetime="{}">{}</time>',
            value.isoformat()[: ISO_LENGTHS[precision]],
            precise_date(value, precision),
        )
    if isinstance(field, models.TextField):
        return linebreaksbr(value, autoescape=True)
    return conditional_escape(value)


@register.simple_tag
def public_rows(record, exclude=""):
    model = type(record)
    left_out = exclude.split()
    unknown = [name for name in left_out if name not in model.public_fields]
    if unknown:
        raise ImproperlyConfigured(
            f"public_rows cannot leave out {', '.join(unknown)}: not among the "
            f"public fields of {model.__name__}."
        )
    rows = Rows()
    for name in model.public_fields:
        if name == IN_THE_ADDRESS or name in left_out:
            continue
        value = display(record, model._meta.get_field(name))
        if value:
            rows.append(Row(field_label(model, name), value))
    return rows
