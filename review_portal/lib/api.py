"""The base of the public, read-only JSON API under /api/ (see review_portal/api.py):
pagination, the fields every record has, and the viewset every model's API uses.

Unlike the site's pages, which drop what they cannot use and say so, the API is
strict: a bad filter value answers 400 naming the parameter, and an invalid or
out-of-range `page` answers 404 saying why (DRF's convention). Unknown parameters
are ignored. Lists are ordered as on the site, ties broken by slug, so pages never
overlap.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination

from review_portal.lib.lists import MAX_VALUE_LENGTH, in_stable_order


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    page_size_query_description = "Results per page: 50 unless given, at most 200."
    invalid_page_message = "Invalid page: {message}."


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
        return in_stable_order(super().filter_queryset(queryset), "slug")

    @property
    def is_detail(self):
        return self.action == "retrieve"
