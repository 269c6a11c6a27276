from importlib import import_module

from django.apps import AppConfig
from django.apps import apps as global_apps
from django.db import connections
from django.db.models.signals import post_migrate


def reinstall_search_triggers(sender, using, apps=global_apps, **kwargs):
    """SQLite remakes a table for most schema changes, which drops the triggers that
    keep the full-text index in step with it; put back any that a migration dropped.
    A no-op when they are all there, and on other databases."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    search_indexes = import_module("sources.migrations.0004_search_indexes")
    with connection.cursor() as cursor:
        search_indexes.reinstall_sqlite_index_if_needed(apps, cursor)


class SourcesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "sources"
    verbose_name = "Sources and responses"

    def ready(self):
        post_migrate.connect(reinstall_search_triggers, sender=self)
