"""Send each confirmed subscription a digest of what changed since its last one.

Run it from cron or a systemd timer (see the README, "Email alerts"). A subscription
with nothing new gets no email. Unconfirmed sign-ups whose link has expired are
deleted, so an address that never confirmed is not kept."""

import datetime
import smtplib

from django.core.mail import get_connection
from django.core.management.base import BaseCommand
from django.utils import timezone

from alerts.digests import entries_for
from alerts.messages import CONFIRM_MAX_AGE, digest_message
from alerts.models import Subscription
from alerts.targets import target_of


class Command(BaseCommand):
    help = "Email each confirmed alert a digest of the changes since its last one."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Say what would be sent; send nothing and change nothing.",
        )

    def handle(self, *args, dry_run=False, **options):
        now = timezone.now()
        expired = Subscription.objects.filter(
            confirmed_at__isnull=True,
            created_at__lt=now - datetime.timedelta(seconds=CONFIRM_MAX_AGE),
        )
        if not dry_run:
            deleted, _ = expired.delete()
            if deleted:
                self.stdout.write(f"Deleted {deleted} unconfirmed sign-ups.")
        sent = 0
        connection = get_connection()
        for subscription in Subscription.objects.filter(confirmed_at__isnull=False):
            target = target_of(
                subscription.scope, subscription.slug, subscription.query
            )
            if target is None:
                continue  # its record is gone; the digest would be empty forever
            since = subscription.last_sent_at or subscription.confirmed_at
            entries = entries_for(target, since, now)
            if not entries:
                continue
            if dry_run:
                self.stdout.write(f"Would send {len(entries)} changes to one address.")
                continue
            try:
                connection.send_messages(
                    [digest_message(subscription, target, entries)]
                )
            except (smtplib.SMTPException, OSError) as error:
                # Not marked as sent: its changes go out on the next run.
                self.stderr.write(f"Could not send alert {subscription.pk}: {error}")
                continue
            Subscription.objects.filter(pk=subscription.pk).update(last_sent_at=now)
            sent += 1
        self.stdout.write(f"Sent {sent} digests.")
