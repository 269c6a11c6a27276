"""One shape for a request's errors, shared by the downloads and the API:

    {"errors": [{"parameter": "position",
                 "message": "“Rejected” is not one of the options",
                 "valid": ["accepted", "accepted_in_principle", ...]}]}

`parameter` is the query-string parameter at fault (null for an error of the
request as a whole, e.g. a page that does not exist); `valid` lists the values it
accepts when they are a closed set (a choice, or the slug of a record), and is
null when any text will do.
"""

from django_filters import OrderingFilter
from django_filters.filters import QuerySetRequestMixin
from rest_framework.exceptions import ValidationError
from rest_framework.views import exception_handler

# A parameter that names records lists at most this many of their slugs.
MAX_VALID = 500


def valid_values(filter_) -> list[str] | None:
    """The values a django-filter filter accepts, or None if it takes any text."""
    if filter_ is None:
        return None
    if isinstance(filter_, OrderingFilter):
        return [str(value) for value, _ in filter_.extra["choices"]]
    if isinstance(filter_, QuerySetRequestMixin):
        queryset = filter_.queryset
        if callable(queryset):
            return None
        field = filter_.extra.get("to_field_name") or "pk"
        return [str(value) for value in queryset.values_list(field, flat=True)][
            :MAX_VALID
        ]
    choices = filter_.extra.get("choices")
    if choices is not None:
        if callable(choices):
            choices = choices()
        return [str(value) for value, _ in choices if value not in ("", None)]
    return None


def error(parameter, message, filterset_class=None) -> dict:
    filters = filterset_class.base_filters if filterset_class is not None else {}
    return {
        "parameter": parameter,
        "message": message,
        "valid": valid_values(filters.get(parameter)) if parameter else None,
    }


def problems_body(problems, filterset_class) -> dict:
    """The error body for review_portal.lib.lists.Problems."""
    return {
        "errors": [
            error(problem.name, problem.reason, filterset_class) for problem in problems
        ]
    }


def api_exception_handler(exc, context):
    """DRF's handler, answering in the shape above (REST_FRAMEWORK's
    EXCEPTION_HANDLER)."""
    response = exception_handler(exc, context)
    if response is None:
        return None
    view = context.get("view")
    filterset_class = getattr(view, "filterset_class", None)
    data = response.data
    if isinstance(exc, ValidationError) and isinstance(data, dict):
        errors = [
            error(name, " ".join(_messages(messages)), filterset_class)
            for name, messages in data.items()
        ]
    elif isinstance(data, dict) and "detail" in data:
        errors = [error(None, str(data["detail"]))]
    else:
        errors = [error(None, " ".join(_messages(data)))]
    response.data = {"errors": errors}
    return response


def _messages(messages):
    if isinstance(messages, list | tuple):
        return [str(message) for message in messages]
    return [str(messages)]
