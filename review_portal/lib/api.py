"""The base of the public, read-only JSON API under /api/ (see review_portal/api.py):
pagination, the fields every record has, and the viewset every model's API uses.

Unlike the site's pages, which drop what they cannot use and say so, the API is
strict: a bad filter value answers 400 naming the parameter, and an invalid or
out-of-range `page` answers 404 saying why (DRF's convention). Unknown parameters
are ignored. Lists are ordered as on the site, ties broken by slug, so pages never
overlap.
"""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, viewsets
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination

from review_portal.lib.lists import MAX_VALUE_LENGTH, in_stable_order


class ErrorItemSerializer(serializers.Serializer):
    parameter = serializers.CharField(
        allow_null=True,
        help_text="The query-string parameter at fault; null for the request as a whole.",
    )
    message = serializers.CharField(help_text="What was wrong.")
    valid = serializers.ListField(
        child=serializers.CharField(),
        allow_null=True,
        help_text="The values the parameter accepts, when they are a closed set; "
        "null when any text will do.",
    )


class ErrorSerializer(serializers.Serializer):
    """The one error shape of the API and the downloads (review_portal/lib/errors.py)."""

    errors = ErrorItemSerializer(many=True)


class PublicSchema(AutoSchema):
    """Each operation's schema with the errors it can answer: a list 400 (a
    filter value it cannot use) and 404 (a page that does not exist), a detail
    404; all in the shared error shape. Every operation is anonymous."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if self.method != "GET":
            return responses
        codes = ["404"] if "{" in self.path else ["400", "404"]
        for code in codes:
            responses.setdefault(
                code,
                self._get_response_for_code(ErrorSerializer, code, direction=direction),
            )
        return responses

    def get_auth(self):
        return []


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    page_size_query_description = "Results per page: 50 unless given, at most 200."
    invalid_page_message = "Invalid page: {message}."

    def get_page_number(self, request, paginator):
        # An empty page= is no page number (the schema says integer): 404 as for
        # page=abc, rather than silently the first page.
        if request.query_params.get(self.page_query_param, None) == "":
            raise NotFound(self.invalid_page_message.format(message="no page number"))
        return super().get_page_number(request, paginator)

    def get_page_size(self, request):
        # Strict, as the schema says: a page_size that is not a whole number of at
        # least 1 is a 400, not silently the default. Above the maximum is capped.
        value = request.query_params.getlist(self.page_size_query_param)
        if not value:
            return self.page_size
        if len(value) > 1 or not value[0].isdigit() or int(value[0]) < 1:
            raise ValidationError(
                {self.page_size_query_param: "Give one whole number of at least 1."}
            )
        return min(int(value[0]), self.max_page_size)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
        return parameters


@extend_schema_field(OpenApiTypes.URI)
class PageURLField(serializers.Field):
    """The record's page on the site, as an absolute URL."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "The record's page on the site.")
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, value):
        url = value.get_absolute_url()
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class PublicSerializer(serializers.ModelSerializer):
    """A model's serializer in which unknown is null, as the downloads and the
    Data page say: a text field that may be blank is given as null when it is,
    and the schema says so (so that, say, a missing address is not "" where the
    schema promises a URI)."""

    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if getattr(model_field, "blank", False) and model_field.get_internal_type() in {
            "CharField",
            "TextField",
            "URLField",
            "SlugField",
        }:
            kwargs["allow_null"] = True
        return field_class, kwargs

    def to_representation(self, instance):
        data = super().to_representation(instance)
        for field in self._readable_fields:
            if getattr(field, "allow_null", False) and data.get(field.field_name) == "":
                data[field.field_name] = None
        return data


def api_url(basename):
    return serializers.HyperlinkedIdentityField(
        view_name=f"api:{basename}-detail",
        lookup_field="slug",
        help_text="This record in the API.",
    )


def slug_of(**kwargs):
    """A related record (or, with many=True, records) given by slug."""
    return serializers.SlugRelatedField(slug_field="slug", read_only=True, **kwargs)


def api_fields(model, *extra, exclude=()):
    """A serializer's fields: the slug, then the model's public fields (as its
    pages show them; `url`, the external address, is `external_url` here since
    `url` is the record's page), then `extra`, then `url` and `api_url`."""
    public = [
        "external_url" if name == "url" else name
        for name in model.public_fields
        if name != "slug" and name not in exclude
    ]
    return ["slug", *public, *extra, "url", "api_url"]


class PublicViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_field = "slug"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"  # as Django's <slug:...> converter
    pagination_class = Pagination
    detail_serializer_class = None

    def get_serializer_class(self):
        if self.is_detail and self.detail_serializer_class:
            return self.detail_serializer_class
        return self.serializer_class

    def filter_queryset(self, queryset):
        # Filters belong to lists: a detail is found by its slug alone.
        if self.is_detail:
            return queryset
        # No filter needs a long value; a huge one only costs the database (SQLite
        # refuses LIKE patterns over 50 kB with an error).
        too_long = {
            name: f"Ensure this value has at most {MAX_VALUE_LENGTH} characters."
            for name, values in self.request.query_params.lists()
            if any(len(value) > MAX_VALUE_LENGTH for value in values)
        }
        if too_long:
            raise ValidationError(too_long)
        # An empty value is no value the schema allows (an enum, a date, a slug):
        # leave the parameter out not to filter by it.
        filters = self._filter_names(queryset)
        empty = {
            name: "A value is needed; leave the parameter out not to filter by it."
            for name, values in self.request.query_params.lists()
            if name in filters and "" in values
        }
        if empty:
            raise ValidationError(empty)
        return in_stable_order(super().filter_queryset(queryset), "slug")

    def _filter_names(self, queryset):
        names = set()
        for backend in self.filter_backends:
            get_class = getattr(backend(), "get_filterset_class", None)
            filterset_class = get_class(self, queryset) if get_class else None
            if filterset_class is not None:
                names.update(filterset_class.base_filters)
        return names

    @property
    def is_detail(self):
        return self.action == "retrieve"
