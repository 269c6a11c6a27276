"""The admin half of the curated models (review_portal.lib.curation.Curated)."""

from django.contrib import admin
from django.contrib.admin import helpers
from django.db import transaction
from django.db.models import Count
from django.template.response import TemplateResponse

from review_portal.lib.curation import MARKED_REVIEWED, Curated


def save_by(request, obj, reason: str, **kwargs):
    """Save `obj` so that its history names the curator and says why."""
    obj._history_user = request.user
    obj._change_reason = reason[:100]  # the history's change reason column
    obj.save(**kwargs)


class CuratedAdminMixin:
    """The admin of every curated model (recommendations.models.Curated).

    A record that changes here needs review, until a curator marks it reviewed or
    `export_review` writes it out: the changelist shows it in a column and a filter."""

    actions = ["mark_reviewed"]

    def get_queryset(self, request):
        # The counts that count_column() columns show; distinct, since two joins
        # would multiply each other's rows.
        counted = {
            getattr(self, name).counted_relation
            for name in self.list_display
            if isinstance(name, str)
            and hasattr(getattr(self, name, None), "counted_relation")
        }
        queryset = super().get_queryset(request)
        if counted:
            queryset = queryset.annotate(
                **{f"n_{rel}": Count(rel, distinct=True) for rel in sorted(counted)}
            )
        return queryset

    def get_list_display(self, request):
        return [*super().get_list_display(request), "needs_review"]

    def get_list_filter(self, request):
        return [*super().get_list_filter(request), "needs_review"]

    def save_model(self, request, obj, form, change):
        if not change or form.has_changed():
            obj.needs_review = True
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        # Inline rows are curated records of their own: flag those that changed.
        for inline_form in formset.forms:
            if isinstance(inline_form.instance, Curated) and inline_form.has_changed():
                inline_form.instance.needs_review = True
        super().save_formset(request, form, formset, change)

    @admin.action(description="Mark reviewed", permissions=["change"])
    def mark_reviewed(self, request, queryset):
        with transaction.atomic():
            records = list(queryset.filter(needs_review=True))
            for obj in records:
                obj.needs_review = False
                save_by(request, obj, MARKED_REVIEWED, update_fields=["needs_review"])
        self.message_user(
            request, f"Marked {len(records)} {self.verbose_name_for(records)} reviewed."
        )

    def verbose_name_for(self, records) -> str:
        opts = self.model._meta
        return opts.verbose_name if len(records) == 1 else opts.verbose_name_plural

    def action_form_response(self, request, queryset, form, *, action, title, submit):
        """The intermediate page of a bulk action that needs a choice: it posts the
        action again, for the same records, with "apply" and the form's fields."""
        request.current_app = self.admin_site.name
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            "queryset": queryset,
            "form": form,
            "action": action,
            "submit_label": submit,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/curation_action.html", context)


def count_column(relation, description):
    """A changelist column counting a record's `relation` (e.g. "citations"),
    sortable; CuratedAdminMixin annotates the counts its list_display shows."""

    @admin.display(description=description, ordering=f"n_{relation}")
    def column(model_admin, obj):
        return getattr(obj, f"n_{relation}")

    column.counted_relation = relation
    return column
