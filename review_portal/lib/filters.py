"""Filters that address related records by slug, so that a filtered URL reads well
and survives a reload into another database."""

import django_filters


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


def by_slugs(model, label, field_name, *, distinct=True):
    """Any of several related records, by slug. `distinct=False` for a foreign key,
    which cannot list a record twice."""
    return RelatedSlugsFilter(
        field_name=field_name,
        queryset=model.objects.all(),
        to_field_name="slug",
        label=label,
        distinct=distinct,
    )
