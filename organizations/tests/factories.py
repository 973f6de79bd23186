import factory
from django.contrib.auth.models import Group

from organizations.models import (
    ADMIN_GROUP,
    STAFF_GROUP,
    Membership,
    Organization,
    User,
)

DEFAULT_PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def _save(obj: User, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            obj.save()


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Organization {n}")
    slug = factory.Sequence(lambda n: f"org-{n}")
    type = Organization.Type.COMMUNITY_HOSPITAL
    region = Organization.Region.MIDWEST
    size_band = Organization.SizeBand.MEDIUM


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Membership.Role.CONTRIBUTOR


def with_totp(user: User) -> User:
    """Give a person an authenticator app, as if they had set one up."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    TOTP.activate(user, generate_totp_secret())
    return user


def ensure_groups() -> None:
    """The staff and admin groups as their data migrations make them. A transactional test's
    flush empties every table, data migrations' rows included; this puts them back."""
    from importlib import import_module

    from django.contrib.auth.models import Permission

    if Group.objects.filter(name__in=[STAFF_GROUP, ADMIN_GROUP]).count() == 2:
        return
    groups = import_module("organizations.migrations.0003_consortium_groups")
    cycles = import_module("organizations.migrations.0005_cycle_managers")
    sso = import_module("organizations.migrations.0009_administrators_configure_sso")
    admin_permissions = groups.ADMIN_PERMISSIONS + sso.SSO_PERMISSIONS
    for name, codenames in ((STAFF_GROUP, groups.STAFF_PERMISSIONS),
                            (ADMIN_GROUP, admin_permissions)):  # fmt: skip
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(
            Permission.objects.filter(
                content_type__app_label="organizations", codename__in=codenames
            )
        )
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="assessments", codename__in=cycles.CYCLE_PERMISSIONS
            )
        )


def staff_user(**kwargs: object) -> User:
    """A member of the consortium staff group, with two factors set up."""
    ensure_groups()
    user = UserFactory(**kwargs)
    user.groups.add(Group.objects.get(name=STAFF_GROUP))
    return with_totp(user)


def admin_user(**kwargs: object) -> User:
    """An administrator: the group, Django admin access, two factors set up."""
    ensure_groups()
    user = UserFactory(is_staff=True, **kwargs)
    user.groups.add(Group.objects.get(name=ADMIN_GROUP))
    return with_totp(user)


def organization_with_lead(**kwargs: object) -> tuple[Organization, User]:
    """An organization (`kwargs` go to its factory) and the lead who is its one member."""
    organization = OrganizationFactory(**kwargs)
    lead = UserFactory()
    MembershipFactory(organization=organization, user=lead, role=Membership.Role.LEAD)
    return organization, lead
