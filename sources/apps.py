from django.apps import AppConfig
from django.apps import apps as global_apps
from django.db.models.signals import post_migrate

from review_portal.lib import versions
from review_portal.lib.search import reinstall_search_index_if_needed
from sources.curators import restore_curators


def reinstall_search_triggers(sender, using, **kwargs):
    """Put back the search triggers that a migration dropped by remaking a searched
    table, or that an older declaration wrote (see review_portal/lib/search.py)."""
    reinstall_search_index_if_needed(using)


def restore_curators_group(sender, using, apps=global_apps, plan=None, **kwargs):
    """Put back the Curators group that a flush deleted with every other row (the
    permissions it needs come back by django.contrib.auth's handler, run first).
    Only after a flush, which sends no migration plan: after `migrate` the data
    migrations have said what the group is, and a reversed one must stay reversed."""
    if plan is None:
        restore_curators(apps, using)


class SourcesConfig(AppConfig):
    name = "sources"
    verbose_name = "Sources and responses"

    def ready(self):
        post_migrate.connect(reinstall_search_triggers, sender=self)
        post_migrate.connect(restore_curators_group, sender=self)
        # An accepted correction shows on the record's public history page.
        versions.track(self.get_model("Correction"), "updated_at")
