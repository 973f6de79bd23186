"""Demo data for `make demo`: organizations, their members, consortium staff and an admin.

With `--organizations N --cycles K` it also generates a synthetic consortium around the named
organizations (lhs_assess/seeding.py): N organizations in all, K cycles of assessments.
"""

import time
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from commitments.selectors import earlier_published, published_rubric
from lhs_assess.seeding import DEFAULT_SEED, SeedCounts, consortium_generate, consortium_is_seeded
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
        parser.add_argument(
            "--organizations",
            type=int,
            help=f"Generate a consortium of this many organizations, the {len(DEMO_ORGANIZATIONS)} "
            "named ones included (needs a published rubric).",
        )
        parser.add_argument(
            "--cycles", type=int, default=3, help="Cycles of assessments, the last one open."
        )
        parser.add_argument(
            "--seed", type=int, default=DEFAULT_SEED, help="The same seed gives the same data."
        )

    def _person(self, email: str, first: str, last: str, password: str, **extra: Any) -> User:
        # `password` is a hash made once: hashing each demo password would take a second apiece.
        user, _ = User.objects.get_or_create(
            email=email,
            defaults={"first_name": first, "last_name": last, "password": password, **extra},
        )
        return user

    def _seed(self, password: str) -> tuple[list[Organization], User]:
        """The named organizations and people (kept if they exist), and the staff reviewer."""
        people = {}
        for email, first, last, group, is_admin in CONSORTIUM:
            user = self._person(
                email, first, last, password, is_staff=is_admin, is_superuser=is_admin
            )
            user.groups.add(Group.objects.get(name=group))
            people[group] = user
        organizations = []
        for slug, name, type_, region, size in DEMO_ORGANIZATIONS:
            organization, _ = Organization.objects.get_or_create(
                slug=slug,
                defaults={"name": name, "type": type_, "region": region, "size_band": size},
            )
            organizations.append(organization)
            for role in ROLES:
                user = self._person(member_email(role, slug), role.label, name.split()[0], password)
                Membership.objects.get_or_create(
                    user=user, organization=organization, defaults={"role": role}
                )
        return organizations, people[STAFF_GROUP]

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["allow_without_debug"]:
            raise CommandError("seed_demo creates known passwords; it runs only with DEBUG on.")
        size: int | None = options["organizations"]
        cycles: int = options["cycles"]
        rubric = published_rubric()
        if size is not None:
            if size < len(DEMO_ORGANIZATIONS):
                raise CommandError(
                    f"--organizations counts the {len(DEMO_ORGANIZATIONS)} named demo "
                    f"organizations: give at least {len(DEMO_ORGANIZATIONS)}."
                )
            if not 1 <= cycles <= 20:
                raise CommandError("--cycles is 1 to 20.")
            if rubric is None:
                raise CommandError(
                    "There is no published rubric to assess against: run "
                    "`manage.py load_rubric --publish` first."
                )
        start = time.perf_counter()
        counts: SeedCounts | None = None
        with transaction.atomic():
            password_hash = make_password(DEMO_PASSWORD)
            named, reviewer = self._seed(password_hash)
            seeded = consortium_is_seeded()
            if size is not None and rubric is not None and not seeded:
                counts = consortium_generate(
                    organizations=size,
                    cycles=cycles,
                    rubric=rubric,
                    named=named,
                    reviewer=reviewer,
                    password_hash=password_hash,
                    seed=options["seed"],
                    earlier_rubric=earlier_published(rubric=rubric),
                )
        elapsed = time.perf_counter() - start
        self.stdout.write(f"Demo sign-ins (password for all: {DEMO_PASSWORD}):")
        for email, _first, _last, group, _admin in CONSORTIUM:
            self.stdout.write(f"  {email:<40} {group} (sets up two factors at first sign-in)")
        for slug, name, *_ in DEMO_ORGANIZATIONS:
            for role in ROLES:
                self.stdout.write(f"  {member_email(role, slug):<40} {role.label}, {name}")
        partners = Membership.objects.filter(role=Membership.Role.PARTNER).select_related(
            "user", "organization"
        )
        for p in partners.order_by("organization__name", "user__email"):
            self.stdout.write(
                f"  {p.user.email:<40} Partner invited to rate Engaged and Fair, "
                f"{p.organization.name}"
            )
        if size is not None and counts is None:
            self.stdout.write(
                "The database already holds cycles: nothing generated (it would clash with "
                "them). Use a fresh database to seed a consortium."
            )
        if counts is not None:
            self.stdout.write(
                "Every other organization has lead@, contributor@ and viewer@<slug>.demo.lhs.test."
            )
            self.stdout.write(
                f"Seeded {counts.organizations:,} organizations, {counts.people:,} people, "
                f"{counts.cycles} cycles, {counts.assessments:,} assessments, "
                f"{counts.answers:,} answers, {counts.scores:,} commitment scores, "
                f"{counts.action_items:,} action items, {counts.review_comments:,} review "
                f"comments, {counts.rating_rounds} rating rounds with {counts.ratings} ratings "
                f"in {elapsed:.1f} s."
            )
