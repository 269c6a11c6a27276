"""Let the Curators group curate re-readings under our rules (Reread, 0018) like
every other content model: 0002's rules, run again now that the model exists."""

from importlib import import_module

from django.db import migrations

curators = import_module("sources.migrations.0002_curators_group")


class Migration(migrations.Migration):
    dependencies = [
        ("sources", "0019_facet_indexes"),
    ]

    operations = [
        migrations.RunPython(curators.create_curators, migrations.RunPython.noop),
    ]
