"""Demo data for `make demo`: organizations, their members, consortium staff and an admin."""

from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from organizations.models import ADMIN_GROUP, STAFF_GROUP, Membership, Organization, User

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - demo data, refused outside DEBUG

T, R, S = Organization.Type, Organization.Region, Organization.SizeBand
DEMO_ORGANIZATIONS = [
    # slug, name, type, region, size band
    ("northlake", "Northlake University Medical Center", T.ACADEMIC_MEDICAL_CENTER, R.MIDWEST,
     S.VERY_LARGE),
    ("riverbend", "Riverbend Community Hospital", T.COMMUNITY_HOSPITAL, R.SOUTH, S.MEDIUM),
    ("cascade", "Cascade Integrated Health", T.INTEGRATED_HEALTH_SYSTEM, R.WEST, S.LARGE),
    ("harbor", "Harbor Street Health Center", T.FQHC, R.NORTHEAST, S.SMALL),
    ("keystone", "Keystone Health Plan", T.PAYER, R.NORTHEAST, S.LARGE),
    ("prairie", "Prairie County Public Health", T.PUBLIC_HEALTH_AGENCY, R.MIDWEST, S.SMALL),
]  # fmt: skip
ROLES = [Membership.Role.LEAD, Membership.Role.CONTRIBUTOR, Membership.Role.VIEWER]
CONSORTIUM = [
    # email, first name, last name, group, Django admin access
    ("admin@demo.lhs.test", "Ada", "Admin", ADMIN_GROUP, True),
    ("staff@demo.lhs.test", "Sam", "Staff", STAFF_GROUP, False),
]


def member_email(role: str, slug: str) -> str:
    return f"{role}@{slug}.demo.lhs.test"


class Command(BaseCommand):
    help = "Create demo organizations and sign-ins (local and demo environments only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--allow-without-debug",
            action="store_true",
            help="Run even though DEBUG is off (for a demo server, never production).",
        )

    def _person(self, email: str, first: str, last: str, **extra: Any) -> User:
        user, created = User.objects.get_or_create(
            email=email, defaults={"first_name": first, "last_name": last, **extra}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        return user

    @transaction.atomic
    def _seed(self) -> None:
        for email, first, last, group, is_admin in CONSORTIUM:
            user = self._person(email, first, last, is_staff=is_admin, is_superuser=is_admin)
            user.groups.add(Group.objects.get(name=group))
        for slug, name, type_, region, size in DEMO_ORGANIZATIONS:
            organization, _ = Organization.objects.get_or_create(
                slug=slug,
                defaults={"name": name, "type": type_, "region": region, "size_band": size},
            )
            for role in ROLES:
                user = self._person(member_email(role, slug), role.label, name.split()[0])
                Membership.objects.get_or_create(
                    user=user, organization=organization, defaults={"role": role}
                )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["allow_without_debug"]:
            raise CommandError("seed_demo creates known passwords; it runs only with DEBUG on.")
        self._seed()
        self.stdout.write(f"Demo sign-ins (password for all: {DEMO_PASSWORD}):")
        for email, _first, _last, group, _admin in CONSORTIUM:
            self.stdout.write(f"  {email:<40} {group} (sets up two factors at first sign-in)")
        for slug, name, *_ in DEMO_ORGANIZATIONS:
            for role in ROLES:
                self.stdout.write(f"  {member_email(role, slug):<40} {role.label}, {name}")
