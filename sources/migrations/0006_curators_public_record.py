"""Give the Curators group the permissions on the government updates and
discrepancies added in 0002_public_record of recommendations."""

from importlib import import_module

from django.db import migrations

curators = import_module("sources.migrations.0002_curators_group")


class Migration(migrations.Migration):
    dependencies = [
        ("recommendations", "0002_public_record"),
        ("sources", "0005_public_record"),
    ]

    operations = [
        migrations.RunPython(curators.create_curators, migrations.RunPython.noop),
    ]
