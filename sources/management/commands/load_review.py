"""Load the captured source documents and fixtures/ into the database.

Idempotent (a second run changes nothing and says so) and all or nothing (any bad input
stops it with an error naming file, record and field, and the database as it was).
Records edited by staff since the last load are kept unless --force; records gone from
the fixtures are removed only with --prune.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from sources.loading import WAITING, FixtureError, load


class Command(BaseCommand):
    help = "Load the source documents and fixtures/ into the database (idempotent, all or nothing)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--fixtures",
            type=Path,
            default=Path(settings.FIXTURE_DIRS[0]),
            help="Folder of fixture files (default: the project's fixtures/).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Show what would change; write nothing.",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Overwrite records staff edited in the admin.",
        )
        parser.add_argument(
            "--prune",
            action="store_true",
            help="Delete records no longer in the fixtures.",
        )

    def handle(self, *args, fixtures, dry_run, force, prune, verbosity, **options):
        def on_wait():
            self.stderr.write(f"{WAITING}, then loading on top of what it wrote.")

        try:
            report = load(
                fixtures, force=force, prune=prune, dry_run=dry_run, on_wait=on_wait
            )
        except FixtureError as exc:
            raise CommandError(f"Nothing was loaded. {exc}") from None
        except DatabaseError as exc:
            # E.g. SQLite's "database is locked" after its busy timeout, when another
            # writer holds the database too long: no traceback, nothing written.
            raise CommandError(
                f"Nothing was loaded. The database refused the load: {exc}"
            ) from None

        if verbosity == 0:
            return
        self.stdout.write(report.as_table())
        for model_report in report.models:
            # Kept, removed and overwritten records always get a line; -v 2 lists the rest.
            lines = model_report.notes + (
                model_report.details if verbosity >= 2 else []
            )
            for line in lines:
                self.stdout.write(f"{model_report.label}: {line}")
        if dry_run:
            self.stdout.write(self.style.WARNING("Dry run: nothing was written."))
        elif report.has_changes:
            self.stdout.write(self.style.SUCCESS("Loaded."))
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    "No changes: the database already matches the fixtures."
                )
            )
