"""The Curators group: staff who curate the review's data in the admin.

They may add, change, view and delete every content model of both apps, except
that source documents cannot be deleted (the quotations rest on them), the reload
command's bookkeeping (LoadedRecord) is view-only and corrections from the public
can be worked but never invented or deleted. They get nothing on auth: users and
groups stay with superusers.

The rules are kept here, not in a migration, because two callers need them: the
data migrations that create the group (0002, and 0010 and 0014 when new models
arrive) with their historical models, and the post_migrate handler (sources.apps)
that puts the group back after a flush, which deletes every row data migrations
made while the permissions come back by Django's own post_migrate handler."""

GROUP_NAME = "Curators"
APP_LABELS = ["recommendations", "sources"]
ALL_ACTIONS = ["add", "change", "delete", "view"]
ACTIONS = {
    "sourcedocument": ["add", "change", "view"],
    "loadedrecord": ["view"],
    "correction": ["change", "view"],
}


def grant_curators(apps, using):
    """Create the group if needed and give it exactly the permissions above, for
    the models `apps` holds (a migration's historical models or the real ones)."""
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


def restore_curators(apps, using):
    """Put the group back if it is missing (after a flush); a group that exists,
    perhaps adjusted by a superuser, is left exactly as it is."""
    Group = apps.get_model("auth", "Group")
    if not Group.objects.using(using).filter(name=GROUP_NAME).exists():
        grant_curators(apps, using)
