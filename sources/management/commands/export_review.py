"""Write the database, staff edits included, back to the fixture files.

The inverse of load_review: load -> export reproduces the fixtures byte for byte, and
export -> load on a fresh database reproduces the records. Review the diff, commit it,
and reload elsewhere. It takes load_review's lock: while a load or another export
runs, it says so and waits.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from sources.exporting import export
from sources.loading import WAITING


class Command(BaseCommand):
    help = "Write the current database back to the fixture files (default: fixtures/)."

    def add_arguments(self, parser):
        parser.add_argument(
            "target",
            nargs="?",
            type=Path,
            default=Path(settings.FIXTURE_DIRS[0]),
            help="Folder to write (default: the project's fixtures/).",
        )

    def handle(self, *args, target, verbosity, **options):
        def on_wait():
            self.stderr.write(f"{WAITING}, then exporting what it leaves.")

        try:
            written = export(target, on_wait=on_wait)
        except DatabaseError as exc:
            # E.g. SQLite's "database is locked" after its busy timeout.
            raise CommandError(
                f"Nothing was exported. The database refused: {exc}"
            ) from None
        changed = [f for f in written if f.changed]
        if verbosity >= 2:
            for exported in written:
                state = "changed" if exported.changed else "unchanged"
                self.stdout.write(
                    f"{exported.path}: {exported.records} records, {state}"
                )
        elif verbosity >= 1:
            for exported in changed:
                self.stdout.write(f"wrote {exported.path}")
        if verbosity >= 1:
            self.stdout.write(
                self.style.SUCCESS(
                    f"{len(changed)} of {len(written)} files changed in {target}."
                )
            )
