"""The consortium's groups and their named permissions; code checks permissions, never flags."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

STAFF = "Consortium staff"
ADMINS = "Administrators"

STAFF_PERMISSIONS = [
    "view_all_organizations",
    "review_assessments",
    "manage_organizations",
    "view_organization",
    "view_membership",
]
ADMIN_PERMISSIONS = STAFF_PERMISSIONS + [
    "manage_all_memberships",
    "add_organization",
    "change_organization",
    "add_membership",
    "change_membership",
    "delete_membership",
    "view_invitation",
    "view_auditevent",
    "view_user",
    "change_user",
]


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations; they are needed now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    def perms(codenames):
        return Permission.objects.filter(
            content_type__app_label="organizations", codename__in=codenames
        )

    staff, _ = Group.objects.get_or_create(name=STAFF)
    staff.permissions.set(perms(STAFF_PERMISSIONS))
    admins, _ = Group.objects.get_or_create(name=ADMINS)
    admins.permissions.set(perms(ADMIN_PERMISSIONS))


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=[STAFF, ADMINS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("organizations", "0002_organizations_memberships_audit"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
