from django import forms
from django.contrib import admin
from django.db import transaction
from simple_history.admin import SimpleHistoryAdmin

from recommendations.models import (
    Chapter,
    Discrepancy,
    GovernmentUpdate,
    KeyFigure,
    Mission,
    Recommendation,
    Review,
    TimelineEvent,
)
from review_portal.lib.admin import CuratedAdminMixin, count_column, save_by
from sources.admin import (
    ChapterTitleInline,
    CitationInline,
    ClaimsCheckedRecordsFormSet,
)


@admin.register(Review)
class ReviewAdmin(CuratedAdminMixin, SimpleHistoryAdmin):
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

    chapter_count = count_column("chapters", "Chapters")
    recommendation_count = count_column("recommendations", "Recommendations")


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
class ChapterAdmin(CuratedAdminMixin, SimpleHistoryAdmin):
    list_display = ["number", "title", "review", "recommendation_count"]
    list_display_links = ["number", "title"]
    list_filter = ["review"]
    search_fields = ["title", "slug", "summary"]
    list_select_related = ["review"]
    autocomplete_fields = ["review"]
    prepopulated_fields = {"slug": ["title"]}
    fields = ["review", "number", "title", "slug", "summary"]
    inlines = [RecommendationInline, ChapterTitleInline, CitationInline]

    recommendation_count = count_column("recommendations", "Recommendations")


@admin.register(Mission)
class MissionAdmin(CuratedAdminMixin, SimpleHistoryAdmin):
    list_display = ["number", "title", "review", "recommendation_count"]
    list_display_links = ["number", "title"]
    list_filter = ["review"]
    search_fields = ["title", "slug", "summary"]
    list_select_related = ["review"]
    autocomplete_fields = ["review"]
    prepopulated_fields = {"slug": ["title"]}
    fields = ["review", "number", "title", "slug", "summary"]

    recommendation_count = count_column("recommendations", "Recommendations")


class GovernmentUpdateInline(admin.TabularInline):
    """A recommendation's dated updates; their sources are added on each update's page."""

    model = GovernmentUpdate
    formset = ClaimsCheckedRecordsFormSet
    fields = ["date", "date_precision", "position", "delivery_status", "detail", "slug"]
    extra = 0
    show_change_link = True


class MissionChoiceForm(forms.Form):
    mission = forms.ModelChoiceField(
        Mission.objects.all(), help_text="Added to each recommendation listed below."
    )


class ChapterChoiceForm(forms.Form):
    chapter = forms.ModelChoiceField(
        Chapter.objects.all(),
        help_text="Each recommendation listed below moves to this chapter; its "
        "chapter basis and note stay as they are.",
    )


@admin.register(Recommendation)
class RecommendationAdmin(CuratedAdminMixin, SimpleHistoryAdmin):
    list_display = [
        "title",
        "number",
        "chapter",
        "confidence",
        "position",
        "delivery_status",
        "is_headline",
        "response_count",
        "citation_count",
    ]
    list_filter = [
        "confidence",
        "position",
        "delivery_status",
        "chapter_basis",
        "is_headline",
        "chapter",
        "missions",
    ]
    search_fields = ["title", "slug", "number", "summary", "addressed_to"]
    list_select_related = ["chapter"]
    autocomplete_fields = ["review", "chapter", "missions", "parts"]
    prepopulated_fields = {"slug": ["title"]}
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "review",
                    "kind",
                    "title",
                    "slug",
                    "number",
                    "summary",
                    "addressed_to",
                    "is_headline",
                    "missions",
                    "parts",
                    "former_slugs",
                ]
            },
        ),
        ("Chapter", {"fields": ["chapter", "chapter_basis", "chapter_note"]}),
        ("Provenance", {"fields": ["confidence", "note", "inference"]}),
        (
            "Government response",
            {
                "fields": ["position", "delivery_status"],
                "description": "Derived from the latest dated government update on each axis.",
            },
        ),
    ]
    readonly_fields = ["position", "delivery_status"]
    inlines = [GovernmentUpdateInline, CitationInline]
    actions = [*CuratedAdminMixin.actions, "add_mission", "set_chapter"]

    response_count = count_column("responses", "Responses")
    citation_count = count_column("citations", "Citations")

    # Bulk changes go through each record, so that each has its own history entry
    # naming the curator, and is flagged as needing review like any admin edit.

    @admin.action(description="Add a mission…", permissions=["change"])
    def add_mission(self, request, queryset):
        form = MissionChoiceForm(request.POST if "apply" in request.POST else None)
        if not form.is_valid():
            return self.action_form_response(
                request,
                queryset,
                form,
                action="add_mission",
                title="Add a mission to recommendations",
                submit="Add the mission",
            )
        mission = form.cleaned_data["mission"]
        reason = f"Added the mission {mission.slug}"[:100]
        with transaction.atomic():
            changed = list(queryset.exclude(missions=mission))
            for recommendation in changed:
                Recommendation.objects.filter(pk=recommendation.pk).update(
                    needs_review=True
                )
                # The many-to-many change writes the history entry, from these.
                recommendation.needs_review = True
                recommendation._history_user = request.user
                recommendation._change_reason = reason
                recommendation.missions.add(mission)
        self.message_user(
            request,
            f"Added the mission “{mission}” to {len(changed)} "
            f"{self.verbose_name_for(changed)}.",
        )

    @admin.action(description="Set the chapter…", permissions=["change"])
    def set_chapter(self, request, queryset):
        form = ChapterChoiceForm(request.POST if "apply" in request.POST else None)
        if not form.is_valid():
            return self.action_form_response(
                request,
                queryset,
                form,
                action="set_chapter",
                title="Set the chapter of recommendations",
                submit="Set the chapter",
            )
        chapter = form.cleaned_data["chapter"]
        with transaction.atomic():
            changed = list(queryset.exclude(chapter=chapter))
            for recommendation in changed:
                recommendation.chapter = chapter
                recommendation.needs_review = True
                save_by(request, recommendation, f"Moved to the chapter {chapter.slug}")
        self.message_user(
            request,
            f"Moved {len(changed)} {self.verbose_name_for(changed)} to the chapter "
            f"“{chapter}”.",
        )


@admin.register(KeyFigure)
class KeyFigureAdmin(CuratedAdminMixin, SimpleHistoryAdmin):
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
        "inference",
    ]
    inlines = [CitationInline]


@admin.register(TimelineEvent)
class TimelineEventAdmin(CuratedAdminMixin, SimpleHistoryAdmin):
    list_display = ["date", "date_precision", "title", "review"]
    list_display_links = ["date", "title"]
    list_filter = ["date_precision", "review"]
    search_fields = ["title", "slug", "description"]
    list_select_related = ["review"]
    autocomplete_fields = ["review"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "date"
    fields = [
        "review",
        "title",
        "slug",
        ("date", "date_precision"),
        "description",
        "inference",
    ]
    inlines = [CitationInline]


@admin.register(GovernmentUpdate)
class GovernmentUpdateAdmin(CuratedAdminMixin, SimpleHistoryAdmin):
    list_display = ["date", "recommendation", "position", "delivery_status"]
    list_filter = ["position", "delivery_status", "date_precision"]
    search_fields = ["slug", "detail", "recommendation__title"]
    list_select_related = ["recommendation"]
    autocomplete_fields = ["recommendation"]
    date_hierarchy = "date"
    fields = [
        "recommendation",
        "slug",
        ("date", "date_precision"),
        ("position", "delivery_status"),
        "detail",
        "inference",
    ]
    inlines = [CitationInline]


@admin.register(Discrepancy)
class DiscrepancyAdmin(CuratedAdminMixin, SimpleHistoryAdmin):
    list_display = ["topic", "recommendation", "citation_count"]
    list_filter = ["review"]
    search_fields = ["topic", "slug", "summary"]
    list_select_related = ["recommendation"]
    autocomplete_fields = ["review", "recommendation"]
    prepopulated_fields = {"slug": ["topic"]}
    fields = ["review", "topic", "slug", "summary", "inference", "recommendation"]
    inlines = [CitationInline]

    citation_count = count_column("citations", "Sources")
