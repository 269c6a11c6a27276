"""Let the Curators group work the queue of corrections from the public: view them
and change their status and note. Not add (they come from the public form only) nor
delete (the queue is the record of what was reported)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_NAME = "Curators"
CODENAMES = ["view_correction", "change_correction"]


def grant(apps, schema_editor):
    using = schema_editor.connection.alias
    # As in 0002: on a fresh database the permissions do not exist yet.
    app_config = apps.get_app_config("sources")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, using=using, apps=apps)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = list(
        Permission.objects.using(using).filter(
            content_type__app_label="sources",
            content_type__model="correction",
            codename__in=CODENAMES,
        )
    )
    if len(permissions) != len(CODENAMES):
        raise RuntimeError(f"Missing permissions for sources.correction: {CODENAMES}")
    group, _ = Group.objects.using(using).get_or_create(name=GROUP_NAME)
    group.permissions.add(*permissions)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    using = schema_editor.connection.alias
    group = Group.objects.using(using).filter(name=GROUP_NAME).first()
    if group is not None:
        group.permissions.remove(
            *Permission.objects.using(using).filter(
                content_type__app_label="sources", codename__in=CODENAMES
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("sources", "0009_needs_review_correction"),
    ]

    operations = [
        migrations.RunPython(grant, revoke),
    ]
