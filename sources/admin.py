import copy
import re

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import actions as admin_actions
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.db import models
from django.forms.models import BaseInlineFormSet, construct_instance
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from simple_history.admin import SimpleHistoryAdmin

from recommendations.models import Review
from review_portal.lib.admin import CuratedAdminMixin, count_column
from sources.claims import check_record, people_from
from sources.models import (
    CITATION_TARGETS,
    ChapterTitle,
    Citation,
    Commitment,
    Correction,
    CorrectionStatus,
    LoadedRecord,
    Organisation,
    Publication,
    SourceDocument,
    StakeholderResponse,
)
from sources.rereads import Reread

# Tabular inlines show text as short boxes; the full text is on the record's own page.
COMPACT_TEXT = {
    models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 50})}
}
# A URL typed without a scheme gets https://, the default from Django 6.0 on.
HTTPS_URLS = {models.URLField: {"assume_scheme": "https"}}


def admin_link(obj):
    opts = obj._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    return format_html('<a href="{}">{}</a>', url, obj)


class QuotationStatusMixin:
    """A read-only "Verified" field: is the saved quotation in its captured source?

    clean() already refuses a quotation that is not found; this shows curators where
    it was found, and says plainly when a cited source cannot be checked."""

    quotation_field: str

    @admin.display(description="Verified")
    def verified(self, obj):
        if obj is None or obj.pk is None or obj.source_id is None:
            return "Checked when saved"
        source = obj.source
        text = getattr(obj, self.quotation_field)
        if not source.is_captured:
            return "Not checked: cited source"
        if not text:
            return "Nothing to check"
        position = source.locate(text)
        if position is None:
            return f"Not found word for word in the captured source “{source.slug}”"
        return f"Found word for word at character {position + 1:,}"


class QuotationInlineMixin(QuotationStatusMixin):
    def get_queryset(self, request):
        # One join rather than a query per row for the "Verified" column. Not on
        # the ModelAdmins: a select_related() in get_queryset() makes the changelist
        # ignore list_select_related.
        return super().get_queryset(request).select_related("source")


def known_people():
    return people_from(
        StakeholderResponse.objects.only("person"),
        Review.objects.values_list("chair", flat=True),
    )


def claim_errors(obj, citations=None, fields=None):
    """The claims check (sources.claims) of `obj` as it would be saved, as messages
    naming the field; only of `fields`, if given: an edit is refused for what it
    changes, not for what it leaves as it was."""
    return [
        f"{violation.field}: {violation.message}"
        for violation in check_record(obj, citations, known_people())
        if fields is None or violation.field in fields
    ]


def unbacked_without(removed, added=()):
    """The claims left unbacked once the saved citations `removed` are gone and the
    citations `added` (as they would be saved) are in: the claims check of each
    record they support, as messages naming the record and the field. Only what
    the change breaks counts; a claim that was already unbacked is left to its
    record's own admin."""
    gone = {citation.pk for citation in removed}
    targets = {}
    for citation in [*removed, *added]:
        if citation.target is not None:
            targets.setdefault(
                (type(citation.target), citation.target.pk), citation.target
            )
    people = known_people()
    errors = []
    for target in targets.values():
        now = list(target.citations.select_related("source"))
        then = [c for c in now if c.pk not in gone]
        then += [c for c in added if c.target == target]
        before = set(check_record(target, now, people))
        errors += [
            f"{target._meta.verbose_name.capitalize()} “{target}”, field "
            f"'{violation.field}': {violation.message}"
            for violation in check_record(target, then, people)
            if violation not in before
        ]
    return errors


def edited_fields(obj):
    """The fields of `obj` that differ from its saved row; None for a new record,
    all of whose fields are new."""
    if obj.pk is None:
        return None
    saved = type(obj)._default_manager.filter(pk=obj.pk).values().first() or {}
    return {
        f.name
        for f in obj._meta.concrete_fields
        if getattr(obj, f.attname) != saved.get(f.attname)
    }


class ClaimsCheckedFormSet(BaseInlineFormSet):
    """A record's citations, refused together with the record when what it says
    is not backed by them: the same check as load_review's, on the record as edited
    and the citations as they would be saved."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        deleted = [
            form
            for form in self.forms
            if self.can_delete and self._should_delete_form(form)
        ]
        kept = [
            form.instance
            for form in self.forms
            if (form.has_changed() or form.instance.pk)
            and form not in deleted
            and getattr(form.instance, "source_id", None)
        ]
        # A citation removed or changed can take away what any claim rests on; one
        # added only adds support.
        cited_anew = deleted or any(
            form.instance.pk and form.has_changed() for form in self.forms
        )
        fields = None if cited_anew else edited_fields(self.instance)
        errors = claim_errors(self.instance, kept, fields)
        if errors:
            raise ValidationError(errors)


class ClaimsCheckedRecordsFormSet(BaseInlineFormSet):
    """Inline records that cite sources of their own (a recommendation's government
    updates): each changed one is checked against the citations it has."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        errors = [
            f"{form.instance}: {message}"
            for form in self.forms
            if form.has_changed()
            and not (self.can_delete and self._should_delete_form(form))
            for message in claim_errors(form.instance, None if form.instance.pk else [])
        ]
        if errors:
            raise ValidationError(errors)


class ClaimsCheckedForm(forms.ModelForm):
    """A record that cites no sources of its own (a stakeholder response, checked
    against its quotation), refused when a claim is not backed."""

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            record = construct_instance(self, copy.copy(self.instance))
            fields = set(self.changed_data) if self.instance.pk else None
            for message in claim_errors(record, fields=fields):
                self.add_error(None, message)
        return cleaned


class CitationForm(forms.ModelForm):
    """A citation on its own page: refused when the edit takes away what a claim of
    the record it supported (or now supports) rests on, e.g. a blanked `supports`
    or a rewritten excerpt. The check compares with the saved row, not with the
    form's instance, which on a revert page is the old version."""

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            edited = construct_instance(self, copy.copy(self.instance))
            saved = (
                Citation.objects.filter(pk=self.instance.pk) if self.instance.pk else []
            )
            for message in unbacked_without(list(saved), [edited]):
                self.add_error(None, message)
        return cleaned


class CitationInline(QuotationInlineMixin, admin.TabularInline):
    """The sources of a record. Citation has one key per kind of record it can
    support, so Django finds the key to the parent whichever record it is. Saving
    runs the claims check over the record and these citations."""

    model = Citation
    formset = ClaimsCheckedFormSet
    fields = ["slug", "source", "excerpt", "supports", "verified"]
    readonly_fields = ["verified"]
    autocomplete_fields = ["source"]
    formfield_overrides = COMPACT_TEXT
    quotation_field = "excerpt"
    extra = 0
    show_change_link = True


class ChapterTitleInline(QuotationInlineMixin, admin.TabularInline):
    model = ChapterTitle
    fields = ["title", "slug", "source", "verified"]
    readonly_fields = ["verified"]
    autocomplete_fields = ["source"]
    prepopulated_fields = {"slug": ["title"]}
    quotation_field = "title"
    extra = 0
    show_change_link = True


class StakeholderResponseInline(QuotationInlineMixin, admin.StackedInline):
    """An organisation's responses; what each is about is set on its own page."""

    model = StakeholderResponse
    fields = [
        ("slug", "moment", "stance"),
        ("person", "role"),
        ("responded_on", "is_date_approximate"),
        "summary",
        ("source", "verified"),
        "quotation",
    ]
    readonly_fields = ["verified"]
    autocomplete_fields = ["source"]
    formfield_overrides = COMPACT_TEXT
    quotation_field = "quotation"
    extra = 0
    show_change_link = True


@admin.register(SourceDocument)
class SourceDocumentAdmin(CuratedAdminMixin, SimpleHistoryAdmin):
    list_display = [
        "title",
        "publisher",
        "kind",
        "capture",
        "published_on",
        "citation_count",
        "response_count",
    ]
    list_filter = ["capture", "kind", "date_precision"]
    search_fields = ["title", "slug", "publisher", "url", "description"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["cleaned_text", "cited_by"]
    formfield_overrides = HTTPS_URLS
    fieldsets = [
        (
            None,
            {"fields": ["title", "slug", "publisher", "kind", "url", "description"]},
        ),
        ("Date", {"fields": ["published_on", "date_precision"]}),
        (
            "Text",
            {
                "fields": ["capture", "raw_text", "cleaned_text"],
                "description": "Quotations are checked against the cleaned text, "
                "which is derived from the raw text when the document is saved.",
            },
        ),
        ("Records citing this source", {"fields": ["cited_by"]}),
    ]

    citation_count = count_column("citations", "Citations")
    response_count = count_column("responses", "Responses")

    @admin.display(description="Cited by")
    def cited_by(self, obj):
        if obj.pk is None:
            return "—"
        items = [
            format_html(
                "Citation {} supports the {} {}",
                admin_link(citation),
                citation.target._meta.verbose_name,
                admin_link(citation.target),
            )
            for citation in obj.citations.select_related(*CITATION_TARGETS)
        ]
        items += [
            format_html("Response {}", admin_link(response))
            for response in obj.responses.select_related("organisation")
        ]
        items += [
            format_html(
                "Chapter title {} of chapter {}",
                admin_link(title),
                admin_link(title.chapter),
            )
            for title in obj.chapter_titles.select_related("chapter")
        ]
        if not items:
            return "Nothing cites this source yet."
        return format_html(
            "<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((i,) for i in items))
        )


@admin.register(Organisation)
class OrganisationAdmin(CuratedAdminMixin, SimpleHistoryAdmin):
    list_display = ["name", "kind", "response_count"]
    list_filter = ["kind"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}
    formfield_overrides = HTTPS_URLS
    inlines = [StakeholderResponseInline]

    response_count = count_column("responses", "Responses")


@admin.register(StakeholderResponse)
class StakeholderResponseAdmin(
    CuratedAdminMixin, QuotationStatusMixin, SimpleHistoryAdmin
):
    form = ClaimsCheckedForm
    list_display = [
        "__str__",
        "organisation",
        "moment",
        "stance",
        "responded_on",
        "source",
    ]
    list_filter = ["moment", "stance", "organisation__kind", "is_date_approximate"]
    search_fields = ["slug", "person", "organisation__name", "summary", "quotation"]
    list_select_related = ["organisation", "source"]
    autocomplete_fields = [
        "organisation",
        "source",
        "recommendations",
        "chapters",
        "missions",
    ]
    readonly_fields = ["verified"]
    quotation_field = "quotation"
    fieldsets = [
        (None, {"fields": ["slug", "organisation", "person", "role"]}),
        (
            "Response",
            {
                "fields": [
                    "moment",
                    "stance",
                    "responded_on",
                    "is_date_approximate",
                    "summary",
                    "inference",
                ]
            },
        ),
        ("Source", {"fields": ["source", "quotation", "verified"]}),
        ("About", {"fields": ["recommendations", "chapters", "missions"]}),
    ]


@admin.register(Publication)
class PublicationAdmin(CuratedAdminMixin, SimpleHistoryAdmin):
    list_display = ["title", "publisher", "citation_count"]
    list_filter = ["publisher"]
    search_fields = ["title", "slug", "publisher", "findings"]
    prepopulated_fields = {"slug": ["title"]}
    formfield_overrides = HTTPS_URLS
    inlines = [CitationInline]

    citation_count = count_column("citations", "Citations")


@admin.register(Commitment)
class CommitmentAdmin(CuratedAdminMixin, SimpleHistoryAdmin):
    """Promised dates. Enter one only with the source's words that give the date;
    set when it was met only with the words of a source that says so."""

    list_display = ["promise", "recommendation", "due_on", "due_precision", "met_on"]
    list_filter = ["due_precision"]
    search_fields = ["promise", "slug", "excerpt", "recommendation__title"]
    list_select_related = ["recommendation"]
    autocomplete_fields = ["recommendation", "source", "met_source"]
    raw_id_fields = ["government_update"]
    prepopulated_fields = {"slug": ["promise"]}


@admin.register(Reread)
class RereadAdmin(CuratedAdminMixin, SimpleHistoryAdmin):
    """Changes our published rules made to a record: the old value, the new one,
    the reason and the day. They come from fixtures/rereads.json; copy old values and
    reasons from docs/public-record-coverage.md, never from memory."""

    list_display = ["__str__", "recommendation", "made_on"]
    list_filter = ["field", "made_on"]
    search_fields = ["slug", "record", "reason", "recommendation__title"]
    list_select_related = ["recommendation"]
    autocomplete_fields = ["recommendation", "response"]


@admin.register(ChapterTitle)
class ChapterTitleAdmin(CuratedAdminMixin, QuotationStatusMixin, SimpleHistoryAdmin):
    list_display = ["title", "chapter", "source"]
    list_filter = ["chapter"]
    search_fields = ["title", "slug", "chapter__title", "source__title"]
    list_select_related = ["chapter", "source"]
    autocomplete_fields = ["chapter", "source"]
    prepopulated_fields = {"slug": ["title"]}
    fields = ["chapter", "title", "slug", "source", "verified"]
    readonly_fields = ["verified"]
    quotation_field = "title"


class CitationTargetFilter(admin.SimpleListFilter):
    title = "supports"
    parameter_name = "supports"

    def lookups(self, request, model_admin):
        return [
            (
                name,
                Citation._meta.get_field(
                    name
                ).related_model._meta.verbose_name.capitalize(),
            )
            for name in CITATION_TARGETS
        ]

    def queryset(self, request, queryset):
        if self.value() in CITATION_TARGETS:
            return queryset.filter(**{f"{self.value()}__isnull": False})
        return queryset


@admin.register(Citation)
class CitationAdmin(CuratedAdminMixin, QuotationStatusMixin, SimpleHistoryAdmin):
    """Citations on their own. Changing or deleting one runs the claims check of the
    record it supports, as that record's own page does for its inline citations."""

    form = CitationForm
    # Its own "delete_selected" (below) replaces the admin site's.
    actions = [*CuratedAdminMixin.actions, "delete_selected"]
    list_display = ["slug", "source", "supports", "short_excerpt"]
    list_filter = [CitationTargetFilter, "source__capture", "source__kind"]
    search_fields = ["slug", "excerpt", "source__title"]
    # A government update's name includes its recommendation's.
    list_select_related = [
        "source",
        *CITATION_TARGETS,
        "government_update__recommendation",
    ]
    autocomplete_fields = ["source", *CITATION_TARGETS]
    readonly_fields = ["verified"]
    quotation_field = "excerpt"
    fieldsets = [
        (None, {"fields": ["slug", "source", "excerpt", "supports", "verified"]}),
        (
            "Supports",
            {"fields": CITATION_TARGETS, "description": "Set exactly one of these."},
        ),
    ]

    @admin.action(
        description="Delete selected %(verbose_name_plural)s", permissions=["delete"]
    )
    def delete_selected(self, request, queryset):
        """The admin's own bulk delete, once the claims check allows it."""
        errors = unbacked_without(list(queryset.select_related(*CITATION_TARGETS)))
        if errors:
            self.refuse_deletion(request, errors)
            return None
        return admin_actions.delete_selected(self, request, queryset)

    def delete_view(self, request, object_id, extra_context=None):
        citation = self.get_object(request, unquote(object_id))
        if citation is not None and self.has_delete_permission(request, citation):
            errors = unbacked_without([citation])
            if errors:
                self.refuse_deletion(request, errors)
                return HttpResponseRedirect(
                    reverse("admin:sources_citation_change", args=[citation.pk])
                )
        return super().delete_view(request, object_id, extra_context)

    def refuse_deletion(self, request, errors):
        for error in errors:
            self.message_user(request, f"Not deleted: {error}", messages.ERROR)

    @admin.display(description="Supports")
    def supports(self, obj):
        target = obj.target
        return f"{target._meta.verbose_name.capitalize()}: {target}" if target else "—"

    @admin.display(description="Excerpt")
    def short_excerpt(self, obj):
        return obj.excerpt if len(obj.excerpt) <= 80 else f"{obj.excerpt[:79]}…"


@admin.register(LoadedRecord)
class LoadedRecordAdmin(admin.ModelAdmin):
    """The reload command's bookkeeping: staff may look, only the command writes."""

    list_display = ["model", "key", "digest", "loaded_at"]
    list_filter = ["model"]
    search_fields = ["key"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Correction)
class CorrectionAdmin(admin.ModelAdmin):
    """The queue of problems the public reported. What they wrote is read-only;
    curators set the status and a note, and are recorded as handling it."""

    list_display = [
        "reference",
        "created_at",
        "status",
        "page_link",
        "record_link",
        "excerpt",
        "handled_by",
    ]
    list_filter = ["status", "record_model"]
    search_fields = ["message", "page", "record_slug", "source", "email"]
    list_select_related = ["handled_by"]
    date_hierarchy = "created_at"
    actions = ["mark_accepted", "mark_declined"]
    fieldsets = [
        (
            "Report",
            {
                "fields": [
                    "reference",
                    "page_link",
                    "record_link",
                    "message",
                    "source",
                    "email",
                ]
            },
        ),
        ("Handling", {"fields": ["status", "curator_note", "handled_by"]}),
        ("Dates", {"fields": ["created_at", "updated_at"]}),
    ]
    readonly_fields = [
        "reference",
        "page_link",
        "record_link",
        "message",
        "source",
        "email",
        "handled_by",
        "created_at",
        "updated_at",
    ]

    def has_add_permission(self, request):
        return False  # corrections come from the public form only

    @admin.display(description="Reference", ordering="id")
    def reference(self, obj):
        return obj.reference

    def get_search_results(self, request, queryset, search_term):
        # A reporter quoting their reference, "RP-000123", finds their report.
        match = re.fullmatch(r"\s*RP-?0*(\d+)\s*", search_term, flags=re.IGNORECASE)
        if match:
            return queryset.filter(pk=int(match.group(1))), False
        return super().get_search_results(request, queryset, search_term)

    def save_model(self, request, obj, form, change):
        if "status" in form.changed_data:
            obj.handled_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description="Page", ordering="page")
    def page_link(self, obj):
        if not obj.page:
            return "—"
        return format_html('<a href="{}">{}</a>', obj.page, obj.page)

    @admin.display(description="Record")
    def record_link(self, obj):
        url = obj.record_admin_url
        if not url:
            return "—"
        return format_html(
            '<a href="{}">{} {}</a>', url, obj.record_model, obj.record_slug
        )

    @admin.display(description="Message")
    def excerpt(self, obj):
        return obj.message if len(obj.message) <= 80 else f"{obj.message[:79]}…"

    def set_status(self, request, queryset, status):
        count = queryset.update(
            status=status, handled_by=request.user, updated_at=timezone.now()
        )
        noun = "correction" if count == 1 else "corrections"
        self.message_user(request, f"Marked {count} {noun} {status.label.lower()}.")

    @admin.action(description="Mark accepted", permissions=["change"])
    def mark_accepted(self, request, queryset):
        self.set_status(request, queryset, CorrectionStatus.ACCEPTED)

    @admin.action(description="Mark declined", permissions=["change"])
    def mark_declined(self, request, queryset):
        self.set_status(request, queryset, CorrectionStatus.DECLINED)
