from django.contrib import admin
from django.db.models import Count

from recommendations.models import (
    Chapter,
    KeyFigure,
    Mission,
    Recommendation,
    Review,
    TimelineEvent,
)
from sources.admin import ChapterTitleInline, CitationInline


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "chair",
        "published_on",
        "chapter_count",
        "recommendation_count",
    ]
    list_filter = ["published_on"]
    search_fields = ["title", "slug", "chair"]
    prepopulated_fields = {"slug": ["title"]}
    fieldsets = [
        (None, {"fields": ["title", "slug", "chair", "summary"]}),
        (
            "Dates and numbers",
            {
                "fields": [
                    "launched_on",
                    "published_on",
                    "page_count",
                    "stated_recommendation_count",
                ]
            },
        ),
    ]
    inlines = [CitationInline]

    def get_queryset(self, request):
        # distinct: the two joins multiply each other's rows.
        return (
            super()
            .get_queryset(request)
            .annotate(
                n_chapters=Count("chapters", distinct=True),
                n_recommendations=Count("recommendations", distinct=True),
            )
        )

    @admin.display(description="Chapters", ordering="n_chapters")
    def chapter_count(self, obj):
        return obj.n_chapters

    @admin.display(description="Recommendations", ordering="n_recommendations")
    def recommendation_count(self, obj):
        return obj.n_recommendations


class RecommendationInline(admin.TabularInline):
    """A chapter's recommendations at a glance. New ones need a summary and more,
    so they are added on the recommendation page, not here."""

    model = Recommendation
    fields = ["number", "title", "chapter_basis", "confidence", "is_headline"]
    extra = 0
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Chapter)
class ChapterAdmin(admin.ModelAdmin):
    list_display = ["number", "title", "review", "recommendation_count"]
    list_display_links = ["number", "title"]
    list_filter = ["review"]
    search_fields = ["title", "slug", "summary"]
    list_select_related = ["review"]
    autocomplete_fields = ["review"]
    prepopulated_fields = {"slug": ["title"]}
    fields = ["review", "number", "title", "slug", "summary"]
    inlines = [RecommendationInline, ChapterTitleInline, CitationInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(n_recommendations=Count("recommendations"))
        )

    @admin.display(description="Recommendations", ordering="n_recommendations")
    def recommendation_count(self, obj):
        return obj.n_recommendations


@admin.register(Mission)
class MissionAdmin(admin.ModelAdmin):
    list_display = ["number", "title", "review", "recommendation_count"]
    list_display_links = ["number", "title"]
    list_filter = ["review"]
    search_fields = ["title", "slug", "summary"]
    list_select_related = ["review"]
    autocomplete_fields = ["review"]
    prepopulated_fields = {"slug": ["title"]}
    fields = ["review", "number", "title", "slug", "summary"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(n_recommendations=Count("recommendations"))
        )

    @admin.display(description="Recommendations", ordering="n_recommendations")
    def recommendation_count(self, obj):
        return obj.n_recommendations


@admin.register(Recommendation)
class RecommendationAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "number",
        "chapter",
        "confidence",
        "is_headline",
        "response_count",
        "citation_count",
    ]
    list_filter = ["confidence", "chapter_basis", "is_headline", "chapter", "missions"]
    search_fields = ["title", "slug", "number", "summary", "addressed_to"]
    list_select_related = ["chapter"]
    autocomplete_fields = ["review", "chapter", "missions"]
    prepopulated_fields = {"slug": ["title"]}
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "review",
                    "title",
                    "slug",
                    "number",
                    "summary",
                    "addressed_to",
                    "is_headline",
                    "missions",
                ]
            },
        ),
        ("Chapter", {"fields": ["chapter", "chapter_basis", "chapter_note"]}),
        ("Provenance", {"fields": ["confidence"]}),
    ]
    inlines = [CitationInline]

    def get_queryset(self, request):
        # distinct: the two joins multiply each other's rows.
        return (
            super()
            .get_queryset(request)
            .annotate(
                n_responses=Count("responses", distinct=True),
                n_citations=Count("citations", distinct=True),
            )
        )

    @admin.display(description="Responses", ordering="n_responses")
    def response_count(self, obj):
        return obj.n_responses

    @admin.display(description="Citations", ordering="n_citations")
    def citation_count(self, obj):
        return obj.n_citations


@admin.register(KeyFigure)
class KeyFigureAdmin(admin.ModelAdmin):
    list_display = ["measures", "qualifier", "value", "unit", "year", "recommendation"]
    list_filter = ["qualifier", "year", "review"]
    search_fields = ["measures", "unit", "slug"]
    list_select_related = ["recommendation"]
    autocomplete_fields = ["review", "recommendation"]
    prepopulated_fields = {"slug": ["measures"]}
    fields = [
        "review",
        "measures",
        "slug",
        ("qualifier", "value", "unit"),
        "year",
        "recommendation",
    ]
    inlines = [CitationInline]


@admin.register(TimelineEvent)
class TimelineEventAdmin(admin.ModelAdmin):
    list_display = ["date", "date_precision", "title", "review"]
    list_display_links = ["date", "title"]
    list_filter = ["date_precision", "review"]
    search_fields = ["title", "slug", "description"]
    list_select_related = ["review"]
    autocomplete_fields = ["review"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "date"
    fields = ["review", "title", "slug", ("date", "date_precision"), "description"]
    inlines = [CitationInline]
