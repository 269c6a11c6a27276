"""What's changed: the public change log and each record's history, from the
registry of what the portal publishes (the engine is review_portal/lib/history.py)."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, replace

from django import forms
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404, HttpResponsePermanentRedirect, QueryDict
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.views.generic import DetailView

from recommendations.filters import RecommendationFilter
from recommendations.models import (
    TRACKING_REASON,
    Chapter,
    Discrepancy,
    GovernmentUpdate,
    KeyFigure,
    Mission,
    Recommendation,
    TimelineEvent,
)
from review_portal.lib.dates import precise_date
from review_portal.lib.history import (
    Tracked,
    change_keys,
    day_start,
    format_day,
    load_changes,
)
from review_portal.lib.lists import Problem, applied, applied_query, bind, get_page
from sources.corrections import accepted_corrections
from sources.models import (
    CITATION_TARGETS,
    Citation,
    Commitment,
    Organisation,
    Publication,
    SourceDocument,
    StakeholderResponse,
)
from sources.rereads import Reread

PAGE_SIZE = 25
HISTORY_PAGE_SIZE = 50


def _address(name, *args):
    # Empty while the page is not published (no URL of that name), as for a record
    # since removed: the change is listed, unlinked.
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _page(name):
    return lambda slug, parent: _address(name, slug)


def _anchor(name):
    return lambda slug, parent: _address(name) and f"{_address(name)}#{slug}"


def _anchor_in(name):
    # A record shown on its parent's page: the parent's slug, then the record's anchor.
    return lambda slug, parent: parent and f"{_address(name, parent)}#{slug}"


def _recommendation_of(citation):
    """The recommendation a (historical) citation concerns, directly or through the
    government update it supports; None if it concerns none."""
    if citation.recommendation:
        return citation.recommendation
    update = citation.government_update
    return update.recommendation if update else None


# Feed titles (Change.headline) name the recommendation first, in plain words.
GONE = "A recommendation since removed"


def _recommendation_title(record):
    return record.recommendation.title if record.recommendation else GONE


def _recommendation_url(record):
    recommendation = record.recommendation
    return recommendation.get_absolute_url() if recommendation else ""


def _short(text, length=80):
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def _citation_subject(citation):
    recommendation = _recommendation_of(citation)
    if recommendation is not None:
        return recommendation.title
    target = next(
        (
            getattr(citation, name)
            for name in CITATION_TARGETS
            if getattr(citation, f"{name}_id") and getattr(citation, name)
        ),
        None,
    )
    if target is None:
        return "A record since removed"
    tracked = TRACKED_BY_MODEL.get(type(target))
    if tracked is None:  # the review itself
        return str(target)
    return (tracked.subject(target) if tracked.subject else "") or tracked.title(target)


def _citation_noun(citation):
    source = citation.source
    return (
        f"quotation from {source.publisher or source.title}" if source else "quotation"
    )


def _update_words(update):
    """E.g. "Government position: Accepted. Delivery status: In progress. <detail>"."""
    parts = []
    if update.position:
        parts.append(f"Government position: {update.get_position_display()}.")
    if update.delivery_status:
        parts.append(f"Delivery status: {update.get_delivery_status_display()}.")
    return " ".join([*parts, update.detail])


def _reread_subject(reread):
    """What a re-reading concerns, in plain words: its recommendation, or the
    response or record it changed."""
    if reread.recommendation:
        return reread.recommendation.title
    if reread.response:
        return _responder(reread.response)
    return reread.record


def _responder(response):
    return response.organisation.name if response.organisation else "An organisation"


def _commitment_date(commitment):
    update = commitment.government_update
    return update.date if update else None


TRACKED = [
    Tracked(
        "recommendation",
        Recommendation,
        title=lambda r: r.title,
        url=_page("recommendations:recommendation_detail"),
        describe=lambda r: r.summary,
        phrases=(
            ("position", "the government's position"),
            ("delivery_status", "the delivery status"),
        ),
    ),
    Tracked(
        "chapter",
        Chapter,
        title=lambda r: f"Chapter {r.number}: {r.title}",
        url=_page("recommendations:chapter_detail"),
        subject=lambda r: f"Chapter {r.number}, {r.title}",
    ),
    Tracked(
        "mission",
        Mission,
        title=lambda r: r.title,
        url=_page("recommendations:mission_detail"),
    ),
    Tracked(
        "keyfigure",
        KeyFigure,
        title=lambda r: r.measures,
        url=_anchor("recommendations:keyfigure_list"),
        subject=lambda r: r.recommendation.title if r.recommendation else "",
        subject_url=_recommendation_url,
        noun=lambda r: f"key figure ({_short(r.measures)})" if r.recommendation else "",
    ),
    Tracked(
        "timelineevent",
        TimelineEvent,
        title=lambda r: r.title,
        url=_anchor("recommendations:timelineevent_list"),
        happened_on=lambda r: r.date,
    ),
    Tracked(
        "governmentupdate",
        GovernmentUpdate,
        title=lambda r: (
            f"Government update of {format_day(r.date)}"
            + (f" on “{r.recommendation.title}”" if r.recommendation else "")
        ),
        url=_anchor_in("recommendations:recommendation_detail"),
        parent="recommendation",
        subject=_recommendation_title,
        noun=lambda r: f"government update ({precise_date(r.date, r.date_precision)})",
        happened_on=lambda r: r.date,
        describe=_update_words,
    ),
    Tracked(
        "discrepancy",
        Discrepancy,
        title=lambda r: r.topic,
        url=_anchor("recommendations:discrepancy_list"),
        subject=lambda r: r.recommendation.title if r.recommendation else "",
        subject_url=_recommendation_url,
        noun=lambda r: (
            f"disagreement between sources ({_short(r.topic)})"
            if r.recommendation
            else ""
        ),
        describe=lambda r: r.summary,
    ),
    Tracked(
        "stakeholderresponse",
        StakeholderResponse,
        title=lambda r: f"{_responder(r)} on the {r.get_moment_display().lower()}",
        url=_page("sources:stakeholderresponse_detail"),
        # Named after the recommendations it speaks to where it speaks to any:
        # see name_responses().
        subject=_responder,
        noun=lambda r: f"response on the {r.get_moment_display().lower()}",
        happened_on=lambda r: r.responded_on,
        describe=lambda r: r.summary,
    ),
    Tracked(
        "organisation",
        Organisation,
        title=lambda r: r.name,
        url=_page("sources:organisation_detail"),
    ),
    Tracked(
        "sourcedocument",
        SourceDocument,
        title=lambda r: r.title,
        url=_page("sources:sourcedocument_detail"),
        happened_on=lambda r: r.published_on,
    ),
    Tracked(
        "publication",
        Publication,
        title=lambda r: r.title,
        url=_anchor("sources:publication_list"),
        happened_on=lambda r: r.published_on,
    ),
    Tracked(
        "citation",
        Citation,
        # Named after the recommendation it concerns, when it concerns one.
        title=lambda r: (
            f"A source's words on “{_recommendation_of(r).title}”"
            if _recommendation_of(r)
            else f"Quotation from “{r.source.title}”"
            if r.source
            else "Quotation"
        ),
        url=_anchor_in("sources:sourcedocument_detail"),
        parent="source",
        # The label of a government update names its recommendation.
        extra_related=("government_update__recommendation",),
        subject=_citation_subject,
        subject_url=lambda r: (
            _recommendation_of(r).get_absolute_url() if _recommendation_of(r) else ""
        ),
        noun=_citation_noun,
        describe=lambda r: f"“{r.excerpt}”",
    ),
    Tracked(
        "commitment",
        Commitment,
        title=lambda r: (
            f"Promised date: {r.promise}"
            + (f" (“{r.recommendation.title}”)" if r.recommendation else "")
        ),
        url=_anchor_in("recommendations:recommendation_detail"),
        parent="recommendation",
        subject=_recommendation_title,
        noun=lambda r: f"promised date ({precise_date(r.due_on, r.due_precision)})",
        happened_on=_commitment_date,
        describe=lambda r: r.promise,
    ),
    Tracked(
        "reread",
        Reread,
        title=_reread_subject,
        url=lambda slug, parent: (
            parent
            and f"{_address('recommendations:recommendation_detail', parent)}#how-re-read"
        ),
        parent="recommendation",
        extra_related=("response__organisation",),
        subject=_reread_subject,
        subject_url=lambda r: (
            r.recommendation.get_absolute_url() if r.recommendation else ""
        ),
        happened_on=lambda r: r.made_on,
        sentence=lambda r: r.instance.sentence,
        event=lambda r: r.instance.event,
        who="Re-read under our published rules",
        first_load_is_news=True,
    ),
]
TRACKED_BY_KIND = {tracked.kind: tracked for tracked in TRACKED}
TRACKED_BY_MODEL = {tracked.model: tracked for tracked in TRACKED}


def public_changes(keys):
    """The Changes for `keys`, (kind, history_id) pairs, in their order, each
    position or status change told as the event it is: what changed, on what date,
    from which source. One more query when the keys hold such changes."""
    changes = load_changes(keys, TRACKED_BY_KIND)
    slugs = {
        change.reason.removeprefix(TRACKING_REASON)
        for change in changes
        if change.reason.startswith(TRACKING_REASON)
    }
    updates = {}
    if slugs:
        updates = {
            update.slug: update
            for update in GovernmentUpdate.objects.filter(
                slug__in=slugs
            ).prefetch_related(Prefetch("citations", Citation.objects.with_source()))
        }
    return [
        replace(
            change,
            event=tracking_event(change, updates),
            happened_on=_update_date(change, updates),
        )
        if change.reason.startswith(TRACKING_REASON.strip()) and change.fields
        else change
        for change in changes
    ]


def _update_date(change, updates):
    # When the change happened: the date of the update that made it.
    update = updates.get(change.reason.removeprefix(TRACKING_REASON))
    return update.date if update is not None else None


def tracking_event(change, updates):
    """E.g. "Position changed: Partially accepted → Rejected, on 2 February 2023,
    source GOV.UK"."""
    parts = [
        f"{field.label} changed: {field.old or 'none'} → {field.new}"
        for field in change.fields
    ]
    text = "; ".join(parts)
    update = updates.get(change.reason.removeprefix(TRACKING_REASON))
    if update is not None:
        text += f", on {precise_date(update.date, update.date_precision)}"
        publishers = list(
            dict.fromkeys(
                citation.source.publisher for citation in update.citations.all()
            )
        )
        if publishers:
            text += ", source " + "; ".join(publishers)
    return text


def shown_changes(keys):
    """The shown Changes of a slice of a `change_keys()` queryset."""
    window = [(key["record_type"], key["history_id"]) for key in keys]
    return [change for change in public_changes(window) if change.is_shown]


def name_responses(changes, recommendations=None):
    """`changes` with each change to a response that speaks to recommendations
    named after them ("Family Help: new response from NSPCC"): those of
    `recommendations` (a queryset) only, if given. One query, if any is a response.

    The recommendations it speaks to now: a response is usually added first and
    linked to them in a second save."""
    ids = {
        change.record_id
        for change in changes
        if change.tracked.kind == "stakeholderresponse"
    }
    if not ids:
        return changes
    links = Recommendation.responses.through.objects.filter(
        stakeholderresponse_id__in=ids
    )
    if recommendations is not None:
        links = links.filter(recommendation__in=recommendations)
    titles = defaultdict(list)
    for response_id, title in links.order_by("recommendation__title").values_list(
        "stakeholderresponse_id", "recommendation__title"
    ):
        titles[response_id].append(title)
    return [
        replace(
            change,
            subject=_names(titles[change.record_id]),
            noun=f"response from {change.subject}",
        )
        if change.tracked.kind == "stakeholderresponse" and titles[change.record_id]
        else change
        for change in changes
    ]


def _names(titles):
    if len(titles) == 1:
        return titles[0]
    if len(titles) == 2:
        return f"{titles[0]} and {titles[1]}"
    return f"{titles[0]} and {len(titles) - 1} other recommendations"


# The kinds that concern recommendations, and how each is tied to them: the kinds
# of the recommendations' feed, and of the change log filtered like their list.
RECOMMENDATION_KINDS = {
    "recommendation": "id",
    "governmentupdate": "recommendation_id",
    "citation": "recommendation_id",
    "keyfigure": "recommendation_id",
    "discrepancy": "recommendation_id",
    "commitment": "recommendation_id",
    "reread": "recommendation_id",
    "stakeholderresponse": None,  # many-to-many: see recommendation_scope()
}


def recommendation_scope(recommendations):
    """{kind: Q} narrowing each kind's history to what concerns `recommendations`,
    a queryset of them, or to anything about a recommendation if it is None.

    Historical records keep the foreign keys they had; responses are matched on
    the recommendations they speak to now. A quotation behind a government update
    is not matched: it is part of that update, whose entry names its source."""
    scope = {}
    for kind, column in RECOMMENDATION_KINDS.items():
        if kind == "recommendation":
            scope[kind] = Q() if recommendations is None else Q(id__in=recommendations)
        elif kind == "stakeholderresponse":
            links = Recommendation.responses.through.objects.all()
            if recommendations is not None:
                links = links.filter(recommendation__in=recommendations)
            scope[kind] = Q(id__in=links.values("stakeholderresponse_id"))
        elif recommendations is None:
            scope[kind] = Q(**{f"{column}__isnull": False})
        else:
            scope[kind] = Q(**{f"{column}__in": recommendations})
    return scope


@dataclass
class Selection:
    """What a change log or feed address asks for: the changes (`keys`, a
    change_keys() queryset to slice), the canonical query string of the filters it
    could use, and what it could not."""

    keys: QuerySet
    query: QueryDict
    problems: list[Problem]
    form: "ChangeFilterForm"
    # The recommendation list's filters applied, and the recommendations they
    # match (None without any).
    recommendation_filters: list
    recommendations: QuerySet | None


def select_changes(data, *, recommendations_only=False, fold_quotations=False):
    """The changes that the query string `data` asks for: the change log's filters
    (type, since, until) and the recommendations list's (chapter, mission,
    organisation…). With any of the latter, or `recommendations_only`, only the
    changes that concern recommendations (RECOMMENDATION_KINDS), those matching.

    `fold_quotations`: leave out the quotations behind government updates (as the
    feeds do: the update's entry names its sources)."""
    form = ChangeFilterForm(data)
    form.is_valid()
    problems = form.problems()
    filterset, bad = bind(
        RecommendationFilter, data, queryset=Recommendation.objects.all()
    )
    filterset.is_valid()  # bind() left out what is invalid: this is True
    # One anchor for them on the change log, which has no form field for them.
    problems += [Problem("recommendations", p.label, p.reason) for p in bad]
    values = applied(filterset)
    selection = form.selection()
    query = form.applied_query()
    recommendations = None
    if values or recommendations_only:
        recommendations = filterset.qs.order_by().values("pk") if values else None
        selection["trackeds"] = _recommendation_kinds(
            selection["trackeds"], form, query, problems
        )
        selection["scope"] = recommendation_scope(recommendations)
        recommendation_query = applied_query(filterset, values)
        recommendation_query.pop("sort", None)
        for name in recommendation_query:
            query.setlist(name, recommendation_query.getlist(name))
    elif fold_quotations:
        selection["scope"] = {"citation": Q(government_update__isnull=True)}
    return Selection(
        keys=change_keys(**selection),
        query=query,
        problems=problems,
        form=form,
        recommendation_filters=values,
        recommendations=recommendations,
    )


def _recommendation_kinds(trackeds, form, query, problems):
    """Those of `trackeds` that concern recommendations; if none does, all the kinds
    that do, the type filter left out of `query` and a problem saying so."""
    kinds = [t for t in trackeds if t.kind in RECOMMENDATION_KINDS]
    if kinds:
        return kinds
    problems.append(
        Problem(
            "type",
            form.fields["type"].label,
            "only changes that concern recommendations can be shown with "
            "the recommendations' filters, so this was left out",
        )
    )
    query.pop("type", None)
    return [TRACKED_BY_KIND[kind] for kind in RECOMMENDATION_KINDS]


class ChangeFilterForm(forms.Form):
    type = forms.ChoiceField(
        required=False,
        label="Type of record",
        choices=[("", "All records")]
        + [(tracked.kind, tracked.plural_label) for tracked in TRACKED],
    )
    since = forms.DateField(required=False, label="From")
    until = forms.DateField(required=False, label="To")

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", "The end date is before the start date.")
        return cleaned

    def selection(self):
        """What change_keys() needs, from the valid fields only: a bad value is left
        out (and listed by `problems()`), never an error page."""
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        kind = data.get("type")
        since, until = data.get("since"), data.get("until")
        return {
            "trackeds": [TRACKED_BY_KIND[kind]] if kind else TRACKED,
            "since": day_start(since) if since else None,
            # The whole of the last day; date.max has no next day to stop before.
            "until": day_start(until + datetime.timedelta(days=1))
            if until and until < datetime.date.max
            else None,
        }

    def problems(self):
        return [
            Problem(name, self.fields[name].label, " ".join(errors))
            for name, errors in self.errors.items()
            if name in self.fields
        ]

    def applied_query(self):
        """The query string of the valid, non-empty filters: for the feed's link."""
        query = QueryDict(mutable=True)
        for name in self.fields:
            value = (
                self.cleaned_data.get(name) if hasattr(self, "cleaned_data") else None
            )
            if value:
                query[name] = value.isoformat() if name != "type" else value
        return query


def change_list(request):
    selection = select_changes(request.GET)
    problems = selection.problems
    paginator = Paginator(selection.keys, PAGE_SIZE)
    page, problem = get_page(paginator, request.GET.get("page"))
    if problem:
        problems.append(problem)
    without_recommendations = selection.form.applied_query().urlencode()
    return render(
        request,
        "changes.html",
        {
            "form": selection.form,
            "problems": problems,
            "page_obj": page,
            "page_range": paginator.get_elided_page_range(page.number),
            # A page can show fewer than PAGE_SIZE: saves that changed no public
            # field are counted by the paginator but not shown.
            "changes": shown_changes(page.object_list),
            "applied_query": selection.query.urlencode(),
            "recommendation_filters": selection.recommendation_filters,
            "recommendation_query": [
                (name, value)
                for name in selection.query
                if name not in selection.form.fields
                for value in selection.query.getlist(name)
            ],
            "without_recommendations": without_recommendations,
        },
    )


class RecordHistoryView(DetailView):
    """The versions of one public record, newest first: what changed in its public
    fields, and when. Give it the model: RecordHistoryView.as_view(model=Chapter)."""

    template_name = "history.html"

    def get(self, request, *args, **kwargs):
        try:
            return super().get(request, *args, **kwargs)
        except Http404:
            # A duplicate merged into another record: its history moved with it,
            # for good, as its page did (Recommendation.objects.absorbing()).
            absorbing = getattr(self.model._default_manager, "absorbing", None)
            absorbed = absorbing(kwargs["slug"]) if absorbing else None
            if absorbed is None:
                raise
            url = reverse(request.resolver_match.view_name, args=[absorbed.slug])
            query = request.META.get("QUERY_STRING", "")
            return HttpResponsePermanentRedirect(f"{url}?{query}" if query else url)

    def get_queryset(self):
        # The joins its name needs (a response is named after its organisation).
        tracked = TRACKED_BY_MODEL[self.model]
        return self.model._default_manager.select_related(*tracked.related)

    def get_context_data(self, **kwargs):
        tracked = TRACKED_BY_MODEL[self.model]
        versions = self.object.history.order_by("-history_date", "-history_id")
        paginator = Paginator(
            versions.values_list("history_id", flat=True), HISTORY_PAGE_SIZE
        )
        page, problem = get_page(paginator, self.request.GET.get("page"))
        keys = [(tracked.kind, history_id) for history_id in page.object_list]
        return super().get_context_data(
            record=self.object,
            tracked=tracked,
            changes=[change for change in public_changes(keys) if change.is_shown],
            page_obj=page,
            page_range=paginator.get_elided_page_range(page.number),
            problems=[problem] if problem else [],
            # Accepted reports from the public: their reference and date only.
            corrections=accepted_corrections(self.object),
            # Changes our published rules made to it (sources.rereads).
            rereads=self.object.rereads.all()
            if hasattr(self.object, "rereads")
            else [],
            **kwargs,
        )
