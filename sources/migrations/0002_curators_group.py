"""The Curators group: staff who curate the review's data in the admin (the rules are
in sources/curators.py)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from sources.curators import APP_LABELS, GROUP_NAME, grant_curators


def create_curators(apps, schema_editor):
    using = schema_editor.connection.alias
    # Permissions are normally created by a post_migrate handler, after every
    # migration has run, so on a fresh database they do not exist yet.
    # create_permissions() skips app configs without a models module, which the
    # migration state's app configs never have.
    for label in APP_LABELS:
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, using=using, apps=apps)
        app_config.models_module = None

    grant_curators(apps, using)


def delete_curators(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.using(schema_editor.connection.alias).filter(name=GROUP_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("recommendations", "0001_initial"),
        ("sources", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_curators, delete_curators),
    ]
