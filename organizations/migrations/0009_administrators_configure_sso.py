"""Administrators configure their organizations' single sign-on in the admin; staff do not."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

SSO_PERMISSIONS = [
    f"{action}_{model}"
    for model in ("identityprovider", "signindomain")
    for action in ("view", "add", "change", "delete")
]


def _perms(apps):
    Permission = apps.get_model("auth", "Permission")
    return Permission.objects.filter(
        content_type__app_label="organizations", codename__in=SSO_PERMISSIONS
    )


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations; they are needed now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name="Administrators"):
        group.permissions.add(*_perms(apps))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name="Administrators"):
        group.permissions.remove(*_perms(apps))


class Migration(migrations.Migration):
    dependencies = [("organizations", "0008_identity_providers")]

    operations = [migrations.RunPython(grant, revoke)]
