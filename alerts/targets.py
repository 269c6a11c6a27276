"""What a subscription watches: its title and page, and which changes are about it.

A subscription names a recommendation, a chapter or an organisation by slug, or a
filtered recommendations list by its query string (the list's own filters,
recommendations/filters.py, so the list and its alerts always agree)."""

from dataclasses import dataclass

from django.db.models import Q
from django.http import QueryDict
from django.urls import reverse

from alerts.models import Scope
from recommendations.filters import RecommendationFilter
from recommendations.models import Chapter, GovernmentUpdate, Recommendation
from review_portal.lib.lists import applied, applied_query, bind
from sources.models import Organisation, StakeholderResponse


@dataclass(frozen=True)
class Target:
    title: str  # e.g. "the recommendation “Family Help”"
    path: str  # its page on the portal
    # {kind: Q on that kind's historical records}, for history.change_keys(scope=).
    scope: dict


def _about_recommendations(ids):
    """The changes about these recommendations: their own edits, their government
    updates (and the quotations supporting those), and responses to them."""
    ids = list(ids)
    updates = list(
        GovernmentUpdate.objects.filter(recommendation__in=ids).values_list(
            "pk", flat=True
        )
    )
    responses = list(
        StakeholderResponse.objects.filter(recommendations__in=ids).values_list(
            "pk", flat=True
        )
    )
    return {
        "recommendation": Q(id__in=ids),
        "governmentupdate": Q(recommendation_id__in=ids),
        "citation": Q(recommendation_id__in=ids) | Q(government_update_id__in=updates),
        "stakeholderresponse": Q(id__in=responses),
        "commitment": Q(recommendation_id__in=ids),
    }


def list_query(data: QueryDict) -> str:
    """The canonical query string of a recommendations list's usable filters (no
    page, no sort, bad values dropped); "" if nothing is filtered."""
    filterset, _ = bind(
        RecommendationFilter, data, queryset=Recommendation.objects.all()
    )
    query = applied_query(filterset)
    query.pop("sort", None)
    return query.urlencode()


def list_title(query: str) -> str:
    filterset, _ = bind(
        RecommendationFilter, QueryDict(query), queryset=Recommendation.objects.all()
    )
    labels = [f"{value.filter_label}: {value.label}" for value in applied(filterset)]
    return (
        "recommendations filtered by " + "; ".join(labels)
        if labels
        else ("all recommendations")
    )


def _recommendation_target(record):
    return Target(
        f"the recommendation “{record.title}”",
        record.get_absolute_url(),
        _about_recommendations([record.pk]),
    )


def _chapter_target(record):
    """A chapter's changes: those about its recommendations, the responses to the
    chapter itself, any recommendation's edit made while in it, and its own."""
    recommendation_ids = record.recommendations.values_list("pk", flat=True)
    about = _about_recommendations(recommendation_ids)
    chapter_responses = StakeholderResponse.objects.filter(chapters=record)
    about["stakeholderresponse"] |= Q(
        id__in=list(chapter_responses.values_list("pk", flat=True))
    )
    about["recommendation"] |= Q(chapter_id=record.pk)
    about["chapter"] = Q(id=record.pk)
    return Target(
        f"chapter {record.number}, “{record.title}”",
        record.get_absolute_url(),
        about,
    )


def _organisation_target(record):
    return Target(
        f"the organisation {record.name}",
        record.get_absolute_url(),
        {
            "organisation": Q(id=record.pk),
            "stakeholderresponse": Q(organisation_id=record.pk),
        },
    )


def _list_target(query):
    """The list's Target, or None if a value it was signed up with is no longer an
    option (a mission removed or renamed): the list would silently widen."""
    filterset, problems = bind(
        RecommendationFilter,
        QueryDict(query),
        queryset=Recommendation.objects.all(),
    )
    if problems:
        return None
    ids = filterset.qs.values_list("pk", flat=True)
    path = reverse("recommendations:recommendation_list")
    return Target(
        list_title(query),
        f"{path}?{query}" if query else path,
        _about_recommendations(ids),
    )


# The scopes that name a record by slug: its model, and the Target of a record.
RECORD_TARGETS = {
    Scope.RECOMMENDATION: (Recommendation, _recommendation_target),
    Scope.CHAPTER: (Chapter, _chapter_target),
    Scope.ORGANISATION: (Organisation, _organisation_target),
}


def target_of(scope: str, slug: str = "", query: str = "") -> Target | None:
    """The Target of a subscription's fields, or None if its record is gone."""
    if scope == Scope.LIST:
        return _list_target(query)
    if scope not in RECORD_TARGETS:
        return None
    model, target = RECORD_TARGETS[scope]
    record = model.objects.filter(slug=slug).first()
    return None if record is None else target(record)
