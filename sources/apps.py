from django.apps import AppConfig
from django.db.models.signals import post_migrate

from review_portal.lib.search import reinstall_sqlite_index_if_needed


def reinstall_search_triggers(sender, using, **kwargs):
    """Put back the SQLite search triggers that a migration dropped by remaking a
    searched table (see review_portal/lib/search.py)."""
    reinstall_sqlite_index_if_needed(using)


class SourcesConfig(AppConfig):
    name = "sources"
    verbose_name = "Sources and responses"

    def ready(self):
        post_migrate.connect(reinstall_search_triggers, sender=self)
