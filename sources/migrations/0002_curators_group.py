"""The Curators group: staff who curate the review's data in the admin.

They may add, change, view and delete every content model of both apps, except
that source documents cannot be deleted (the quotations rest on them) and the
reload command's bookkeeping (LoadedRecord) is view-only. They get nothing on
auth: users and groups stay with superusers."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_NAME = "Curators"
APP_LABELS = ["recommendations", "sources"]
ALL_ACTIONS = ["add", "change", "delete", "view"]
ACTIONS = {
    "sourcedocument": ["add", "change", "view"],
    "loadedrecord": ["view"],
    # Corrections come from the public (0009): curators handle them, never invent them.
    "correction": ["change", "view"],
}


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

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = []
    for label in APP_LABELS:
        for model in apps.get_app_config(label).get_models():
            name = model._meta.model_name
            if name.startswith("historical"):
                continue  # history is read through its model's own admin
            codenames = [
                f"{action}_{name}" for action in ACTIONS.get(name, ALL_ACTIONS)
            ]
            found = list(
                Permission.objects.using(using).filter(
                    content_type__app_label=label,
                    content_type__model=name,
                    codename__in=codenames,
                )
            )
            if len(found) != len(codenames):
                raise RuntimeError(
                    f"Missing permissions for {label}.{name}: {codenames}"
                )
            permissions += found
    group, _ = Group.objects.using(using).get_or_create(name=GROUP_NAME)
    group.permissions.set(permissions)


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
