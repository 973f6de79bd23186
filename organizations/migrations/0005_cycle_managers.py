"""Consortium staff and administrators open and close cycles: give both groups the permission."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUPS = ["Consortium staff", "Administrators"]
CYCLE_PERMISSIONS = ["view_cycle", "add_cycle", "change_cycle"]


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations; they are needed now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = Permission.objects.filter(
        content_type__app_label="assessments", codename__in=CYCLE_PERMISSIONS
    )
    for group in Group.objects.filter(name__in=GROUPS):
        group.permissions.add(*perms)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = Permission.objects.filter(
        content_type__app_label="assessments", codename__in=CYCLE_PERMISSIONS
    )
    for group in Group.objects.filter(name__in=GROUPS):
        group.permissions.remove(*perms)


class Migration(migrations.Migration):
    dependencies = [
        ("organizations", "0004_audit_append_only_trigger"),
        ("assessments", "0001_initial"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
