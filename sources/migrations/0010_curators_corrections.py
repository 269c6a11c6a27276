"""Let the Curators group work the queue of corrections from the public: view them and
change their status and note (0002's ACTIONS), never add nor delete them."""

from importlib import import_module

from django.db import migrations

curators = import_module("sources.migrations.0002_curators_group")


class Migration(migrations.Migration):
    dependencies = [
        ("sources", "0009_needs_review_correction"),
    ]

    operations = [
        migrations.RunPython(curators.create_curators, migrations.RunPython.noop),
    ]
