"""Faceted lists: filtered, sorted, paginated lists with counts beside every
option (the recommendations and responses lists), and the binding their downloads
and feeds share.

- `bind()` binds a FilterSet to the query string, leaving out (and explaining) the
  values it cannot use, so a stale or mistyped link still shows a useful list.
- `count_facets()` says how many results each option of each filter would give with
  the other active filters: one grouped COUNT(DISTINCT) query per facet, whatever
  the number of rows.
- `applied()` is what is filtered, by slug: the tags, the clear link, the download
  links and the download's filename are all built from it.
"""

from dataclasses import dataclass

from django import forms
from django.db.models import Count, F, Q
from django.http import QueryDict
from django.urls import reverse
from django_filters import OrderingFilter
from django_filters.views import FilterView

# No filter needs a long value; anything longer is typing gone wrong, or an attack.
MAX_VALUE_LENGTH = 1000
# Facets with more options than this are folded into a <details> until one is chosen.
LONG_FACET = 8


@dataclass(frozen=True)
class Problem:
    """A value from the query string that the list could not use, and why."""

    name: str
    label: str
    reason: str


@dataclass(frozen=True)
class Facet:
    """A filter whose options are shown with counts.

    `path_to_listed` is, for a filter on related records, the lookup path from those
    records back to the listed ones (Mission -> "recommendations"); choice filters
    need none."""

    name: str
    path_to_listed: str = ""


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    count: int
    is_selected: bool


@dataclass(frozen=True)
class FacetCounts:
    name: str
    label: str
    is_multiple: bool
    options: list[Option]

    @property
    def is_long(self):
        return len(self.options) > LONG_FACET

    @property
    def selected(self):
        return [option for option in self.options if option.is_selected]


@dataclass(frozen=True)
class AppliedValue:
    """One value of one active filter, e.g. mission=stable-homes, "Stable homes"."""

    name: str
    filter_label: str
    value: str
    label: str


def bind(filterset_class, data=None, **kwargs):
    """The filterset bound to `data` without the values it cannot use, and a list of
    Problems saying what was left out. Valid values are kept: a link with one unknown
    mission among three still filters by the other two."""
    data = (data or QueryDict()).copy()
    names = set(filterset_class.base_filters)
    problems = []
    for name in names & set(data):
        values = data.getlist(name)
        usable = [v for v in values if len(v) <= MAX_VALUE_LENGTH and "\x00" not in v]
        if usable != values:
            data.setlist(name, usable)
            label = filterset_class.base_filters[name].label or name
            problems.append(
                Problem(name, label, "a value was too long or unreadable to use")
            )
    filterset = filterset_class(data, **kwargs)
    if filterset.is_valid():
        return filterset, problems
    for name, errors in filterset.form.errors.as_data().items():
        field = filterset.form.fields.get(name)
        if field is None:  # a form-wide error; FilterSets have none of their own
            continue
        values = data.getlist(name)
        usable = _known_values(field, values)
        data.setlist(name, usable)
        unknown = list(dict.fromkeys(v for v in values if v not in usable))
        label = filterset.filters[name].label or name
        if unknown and all(error.code in CHOICE_ERRORS for error in errors):
            listed = ", ".join(f"“{quoted(value)}”" for value in unknown[:5])
            if len(unknown) > 5:
                listed += f" and {len(unknown) - 5} more"
            reason = f"{listed} {'is' if len(unknown) == 1 else 'are'} not one of the options"
        else:
            reason = " ".join(message for error in errors for message in error)
        problems.append(Problem(name, label, reason))
    # Valid now: whatever was left of each failing field is known to be good.
    return filterset_class(data, **kwargs), problems


CHOICE_ERRORS = {"invalid_choice", "invalid_pk_value", "invalid_list"}


def quoted(value, limit=40):
    """A value from the query string, short and printable enough to quote back."""
    value = "".join(c if c.isprintable() else "\ufffd" for c in value[: limit + 1])
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _known_values(field, values):
    """The values of a multiple-choice field that are among its options; a field of
    any other kind keeps none."""
    if isinstance(field, forms.ModelMultipleChoiceField):
        key = field.to_field_name or "pk"
        try:
            known = field.queryset.filter(**{f"{key}__in": set(values)})
            known = {str(v) for v in known.values_list(key, flat=True)}
        except (ValueError, TypeError):
            return []
        return [value for value in values if value in known]
    if isinstance(field, forms.MultipleChoiceField):
        return [value for value in values if field.valid_value(value)]
    return []


def applied(filterset):
    """Every value of every active filter, in the filterset's order, with labels."""
    values = []
    for name, cleaned in filterset.form.cleaned_data.items():
        filter_ = filterset.filters[name]
        if isinstance(filter_, OrderingFilter) or not cleaned:
            continue
        items = cleaned if is_multiple(filter_) else [cleaned]
        labels = dict(filter_.extra.get("choices") or [])
        key = filter_.extra.get("to_field_name") or "pk"
        for item in items:
            if hasattr(item, "_meta"):  # a model instance
                value, label = str(getattr(item, key)), str(item)
            else:
                value, label = str(item), str(labels.get(item, item))
            values.append(AppliedValue(name, filter_.label or name, value, label))
    return values


def applied_query(filterset, values=None, without=None) -> QueryDict:
    """The query string of what is applied (and the sort), canonical: bad values,
    repeats and the page number are gone. `without` leaves out one AppliedValue."""
    query = QueryDict(mutable=True)
    for value in applied(filterset) if values is None else values:
        if value != without:
            query.appendlist(value.name, value.value)
    for name, filter_ in filterset.filters.items():
        if isinstance(filter_, OrderingFilter) and filterset.form.cleaned_data.get(
            name
        ):
            query[name] = ",".join(filterset.form.cleaned_data[name])
    return query


def is_multiple(filter_):
    return issubclass(
        filter_.field_class,
        (forms.MultipleChoiceField, forms.ModelMultipleChoiceField),
    )


def filtered_except(filterset, name):
    """The filterset's queryset with every active filter but `name` (and no sort)."""
    queryset = filterset.queryset.all()
    for other, value in filterset.form.cleaned_data.items():
        filter_ = filterset.filters[other]
        if other != name and not isinstance(filter_, OrderingFilter):
            queryset = filter_.filter(queryset, value)
    return queryset


def count_facets(filterset, facets):
    """For each facet, every option with the number of results that choosing it
    alone would give, given the other active filters. One query per facet."""
    return [_count_facet(filterset, facet) for facet in facets]


def _count_facet(filterset, facet):
    filter_ = filterset.filters[facet.name]
    # The pks of the results with every other filter applied, as a subquery.
    others = filtered_except(filterset, facet.name).values("pk")
    cleaned = filterset.form.cleaned_data.get(facet.name)
    multiple = is_multiple(filter_)
    chosen = (cleaned if multiple else [cleaned]) if cleaned else []
    count = _count_related if facet.path_to_listed else _count_choices
    options = count(filterset, facet, others, chosen)
    return FacetCounts(facet.name, filter_.label or facet.name, multiple, options)


def _count_related(filterset, facet, others, chosen):
    """One query lists the related records (chapters, missions...) and counts the
    distinct results linked to each."""
    filter_ = filterset.filters[facet.name]
    key = filter_.extra.get("to_field_name") or "pk"
    selected = {str(getattr(item, key)) for item in chosen}
    path = facet.path_to_listed
    related = filter_.queryset.annotate(
        facet_count=Count(path, filter=Q(**{f"{path}__in": others}), distinct=True)
    ).order_by(*filter_.queryset.model._meta.ordering)
    return [
        Option(
            str(getattr(r, key)),
            str(r),
            r.facet_count,
            str(getattr(r, key)) in selected,
        )
        for r in related
    ]


def _count_choices(filterset, facet, others, chosen):
    """A choice field of the listed records, or of records related to them."""
    filter_ = filterset.filters[facet.name]
    selected = {str(item) for item in chosen}
    counts = dict(
        filterset.queryset.model.objects.filter(pk__in=others)
        .values_list(filter_.field_name)
        .annotate(n=Count("pk", distinct=True))
        .order_by()
    )
    return [
        Option(str(value), str(label), counts.get(value, 0), str(value) in selected)
        for value, label in filter_.extra["choices"]
        if value != ""
    ]


def in_stable_order(queryset, *tiebreak):
    """The queryset in its own order, with empty values (an undated response) last
    whichever way it is sorted, then by `tiebreak`, so that pages never overlap."""
    ordering = []
    for term in queryset.query.order_by or queryset.model._meta.ordering:
        if isinstance(term, str) and term != "?":
            field = F(term.removeprefix("-"))
            if term.startswith("-"):
                term = field.desc(nulls_last=True)
            else:
                term = field.asc(nulls_last=True)
        ordering.append(term)
    return queryset.order_by(*ordering, *tiebreak)


def get_page(paginator, number):
    """The page asked for, or the nearest one and a Problem saying so: a stale or
    mistyped page number shows results, not an error."""
    if number in (None, "", "last"):
        return paginator.get_page(paginator.num_pages if number else 1), None
    try:
        asked = int(number)
    except ValueError:
        reason = f"there is no page “{quoted(number)}”, so this is page 1"
        return paginator.page(1), Problem("page", "Page", reason)
    # Paginator.get_page() gives the last page for any number out of range; below
    # 1, the first is nearer.
    page = paginator.get_page(max(asked, 1))
    if page.number == asked:
        return page, None
    if asked < 1:
        reason = f"there is no page {number}, so this is page 1"
    elif paginator.num_pages == 1:
        reason = "there is only one page, so this is the last"
    else:
        reason = f"there are only {paginator.num_pages} pages, so this is the last"
    return page, Problem("page", "Page", reason)


class FacetedListView(FilterView):
    """A filtered, sorted, paginated list with counts beside every filter option.

    Bad values in the query string are left out and listed in `problems`, never an
    empty page or an error."""

    facets = []
    paginate_by = 25
    # Order among equals, so that pages never overlap.
    tiebreak = ["slug"]
    # bind() leaves out what is invalid: what remains can always be used.
    strict = False
    noun = ""  # e.g. "recommendation"
    noun_plural = ""
    # The URL names of its CSV and JSON downloads: <prefix>_csv and <prefix>_json.
    download_url_prefix = ""
    default_sort = ""

    def get_filterset(self, filterset_class):
        kwargs = self.get_filterset_kwargs(filterset_class)
        filterset, self.problems = bind(filterset_class, **kwargs)
        return filterset

    def paginate_queryset(self, queryset, page_size):
        queryset = in_stable_order(queryset, *self.tiebreak)
        paginator = self.get_paginator(queryset, page_size)
        page, problem = get_page(paginator, self.request.GET.get("page"))
        if problem:
            self.problems.append(problem)
        return paginator, page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        filterset = self.filterset
        page = context["page_obj"]
        values = applied(filterset)
        query = applied_query(filterset, values)
        sort = query.get("sort", "")
        path = self.request.path
        return {
            **context,
            "problems": self.problems,
            "facets": count_facets(filterset, self.facets),
            "query": filterset.form.cleaned_data.get("q") or "",
            # Each removes one value and keeps the rest.
            "active_filters": [
                (value, _href(path, applied_query(filterset, values, without=value)))
                for value in values
            ],
            # Clearing the filters keeps the sort.
            "clear_url": _href(path, _only("sort", sort) if sort else QueryDict()),
            "applied_query": query.urlencode(),
            "sort_options": self.get_sort_options(filterset, sort),
            "page_range": page.paginator.get_elided_page_range(page.number),
            "noun": self.noun,
            "noun_plural": self.noun_plural,
            "csv_url": reverse(f"{self.download_url_prefix}_csv"),
            "json_url": reverse(f"{self.download_url_prefix}_json"),
        }

    def get_sort_options(self, filterset, sort):
        """(value, label, is_selected) for the sort select. A search's results come
        best match first unless sorted; otherwise the list's own order is the same
        as one of the choices, `default_sort`."""
        filter_ = filterset.filters.get("sort")
        if filter_ is None:
            return []
        choices = list(filter_.extra["choices"])
        if filterset.form.cleaned_data.get("q"):
            choices.insert(0, ("", "Best match"))
        else:
            sort = sort or self.default_sort
        return [(value, label, value == sort) for value, label in choices]


def _only(name, value):
    query = QueryDict(mutable=True)
    query[name] = value
    return query


def _href(path, query):
    return f"{path}?{query.urlencode()}" if query else path
