"""Email alerts: "Tell me when this changes", with no account.

An address is kept only to send the alerts it asked for: it is confirmed by a signed,
expiring link (double opt-in), never shown anywhere, and deleted on unsubscribe. An
address that never confirms is deleted by `send_alerts` once its link has expired."""

import secrets

from django.db import models

from review_portal.lib.curation import choices_constraint


class Scope(models.TextChoices):
    RECOMMENDATION = "recommendation", "Recommendation"
    CHAPTER = "chapter", "Chapter"
    ORGANISATION = "organisation", "Organisation"
    LIST = "list", "Filtered list of recommendations"


def new_key():
    return secrets.token_urlsafe(24)


class Subscription(models.Model):
    email = models.EmailField(max_length=254)
    scope = models.CharField(max_length=20, choices=Scope)
    # The record's slug (recommendation, chapter, organisation), or "" for a list.
    slug = models.CharField(max_length=100, blank=True)
    # A list's filters, as a canonical query string; "" for a record.
    query = models.CharField(max_length=1000, blank=True)
    # The secret in the unsubscribe link; the confirmation link signs it too.
    key = models.CharField(max_length=64, unique=True, default=new_key)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # Changes after this moment go into the next digest.
    last_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["email", "scope", "slug", "query"],
                name="alerts_subscription_unique",
            ),
            choices_constraint("scope", Scope),
        ]

    def __str__(self):
        return f"Alert on {self.get_scope_display().lower()} {self.slug or self.query}"

    @property
    def is_confirmed(self):
        return self.confirmed_at is not None
