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
from django.db.models import Case, Count, F, When
from django.http import QueryDict
from django.urls import reverse
from django_filters import OrderingFilter
from django_filters.views import FilterView

# No filter needs a long value; anything longer is typing gone wrong, or an attack.
MAX_VALUE_LENGTH = 1000
# Facets with more options than this are folded into a <details> until one is chosen.
LONG_FACET = 8
# A capped facet's options shown until the reader asks for all (Datasette shows 30).
CAPPED_OPTIONS = 30
# The query parameter that asks a capped facet for all its options.
ALL_OPTIONS = "all_options"


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
    need none. A `capped` facet (organisations: thousands of them in a large data
    set) shows only its CAPPED_OPTIONS options with most results, and any chosen,
    until the reader asks for all of them (?all_options=<name>)."""

    name: str
    path_to_listed: str = ""
    capped: bool = False


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
    # Set when a capped facet leaves options out: the address that shows them all.
    show_all_url: str = ""

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
    # Valid now: whatever was left of each failing field is known to be good. Validated
    # here, so that callers can read form.cleaned_data (applied()) before .qs.
    filterset = filterset_class(data, **kwargs)
    filterset.is_valid()
    return filterset, problems


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


def count_facets(filterset, facets, show_all=(), show_all_url=None):
    """For each facet, its options with the number of results that choosing each
    alone would give, given the other active filters. Each count is one grouped
    query that starts from those results (a subquery in the WHERE clause), so it
    costs what the filtered set costs, not what the table does; a facet on a short
    list of related records (chapters) adds one query for its options with none.

    `show_all` names the capped facets to show whole; `show_all_url(name)` gives
    the address that does so for one."""
    return [
        _count_facet(filterset, facet, facet.name in show_all, show_all_url)
        for facet in facets
    ]


def _count_facet(filterset, facet, show_all, show_all_url):
    filter_ = filterset.filters[facet.name]
    # The results with every other filter applied.
    others = filtered_except(filterset, facet.name)
    cleaned = filterset.form.cleaned_data.get(facet.name)
    multiple = is_multiple(filter_)
    chosen = (cleaned if multiple else [cleaned]) if cleaned else []
    label = filter_.label or facet.name
    if not facet.path_to_listed:
        options = _count_choices(filterset, facet, others, chosen)
        return FacetCounts(facet.name, label, multiple, options)
    if facet.capped and not show_all:
        options, more = _count_top_related(filterset, facet, others, chosen)
        url = show_all_url(facet.name) if more and show_all_url else ""
        return FacetCounts(facet.name, label, multiple, options, url)
    options = _count_related(filterset, facet, others, chosen)
    return FacetCounts(facet.name, label, multiple, options)


def _each_once(queryset):
    """Whether `queryset` lists each record once. Only filters across a
    many-to-many or reverse relation can repeat a record, and those ask for
    DISTINCT (they must, or the list itself would repeat it)."""
    return not queryset.query.distinct


def _is_foreign_key(model, field_name):
    """Whether `field_name` is a foreign key of `model` itself (not a path)."""
    return "__" not in field_name and model._meta.get_field(field_name).many_to_one


def _grouped(queryset, column, counted):
    """{value of `column`: count} over `queryset`, grouped in one query."""
    return dict(queryset.order_by().values_list(column).annotate(n=counted))


def _counted_related(filter_, path, others):
    """The related records that some of `others` link to, each with how many: the
    join runs from the filtered results outwards."""
    # One hop (a chapter's recommendations, a mission's) links each pair once; over
    # two (an organisation's responses' recommendations) a result can be reached
    # twice and is counted once.
    return filter_.queryset.filter(**{f"{path}__in": others.values("pk")}).annotate(
        facet_count=Count(path, distinct="__" in path)
    )


def _option(filter_, record, count, selected):
    key = filter_.extra.get("to_field_name") or "pk"
    value = str(getattr(record, key))
    return Option(value, str(record), count, value in selected)


def _selected(filter_, chosen):
    key = filter_.extra.get("to_field_name") or "pk"
    return {str(getattr(item, key)) for item in chosen}


def _count_related(filterset, facet, others, chosen):
    """Every related record (chapters, missions...), in its own order, with the
    number of results linked to it: two queries, the counts and the options."""
    filter_ = filterset.filters[facet.name]
    selected = _selected(filter_, chosen)
    if _is_foreign_key(others.model, filter_.field_name) and _each_once(others):
        # A foreign key of the results (their chapter): grouped on its column, with
        # no join and no second pass over the results.
        counts = _grouped(others, filter_.field_name, Count("pk"))
    else:
        counted = _counted_related(filter_, facet.path_to_listed, others)
        counts = dict(counted.order_by().values_list("pk", "facet_count"))
    ordering = filter_.queryset.model._meta.ordering
    return [
        _option(filter_, record, counts.get(record.pk, 0), selected)
        for record in filter_.queryset.order_by(*ordering)
    ]


def _count_top_related(filterset, facet, others, chosen):
    """Any chosen related records, then the CAPPED_OPTIONS others with most
    results, each with its count; and whether others were left out. One query."""
    filter_ = filterset.filters[facet.name]
    selected = _selected(filter_, chosen)
    chosen_pks = [item.pk for item in chosen]
    ordering = filter_.queryset.model._meta.ordering
    ranked = (
        _counted_related(filter_, facet.path_to_listed, others)
        .annotate(
            is_chosen=Case(When(pk__in=chosen_pks, then=1), default=0),
        )
        .order_by("-is_chosen", "-facet_count", *ordering)
    )
    limit = CAPPED_OPTIONS + len(chosen_pks)
    top = list(ranked[: limit + 1])
    options = [
        _option(filter_, record, record.facet_count, selected) for record in top[:limit]
    ]
    # A chosen record that none of the results link to: listed, so it can be
    # unticked, with its count of 0.
    counted = {record.pk for record in top}
    options[:0] = [
        _option(filter_, item, 0, selected) for item in chosen if item.pk not in counted
    ]
    return options, len(top) > limit


def _count_choices(filterset, facet, others, chosen):
    """A choice field of the listed records, or of records related to them
    (field_name "responses__stance"). One grouped query over the filtered results:
    on their own column without DISTINCT; on a related record's, from that record's
    table, counting the distinct results each choice is linked to, so that no
    listed record is joined at all."""
    filter_ = filterset.filters[facet.name]
    selected = {str(item) for item in chosen}
    model = filterset.queryset.model
    relation, _, column = filter_.field_name.rpartition("__")
    if relation:
        field = model._meta.get_field(relation)
        back = field.field.name if field.auto_created else field.related_query_name()
        rows = field.related_model.objects.filter(
            **{f"{back}__in": others.values("pk")}
        )
        counts = _grouped(rows, column, Count(back, distinct=True))
    elif _each_once(others):
        # The results' own column: grouped in the one pass that filters them.
        counts = _grouped(others, column, Count("pk"))
    else:
        counts = _grouped(
            model.objects.filter(pk__in=others.values("pk")), column, Count("pk")
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
            "facets": count_facets(
                filterset,
                self.facets,
                show_all=self.request.GET.getlist(ALL_OPTIONS),
                show_all_url=lambda name: _href(path, _with(query, ALL_OPTIONS, name)),
            ),
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


def _with(query, name, value):
    query = query.copy()
    query.appendlist(name, value)
    return query


def _only(name, value):
    query = QueryDict(mutable=True)
    query[name] = value
    return query


def _href(path, query):
    return f"{path}?{query.urlencode()}" if query else path
