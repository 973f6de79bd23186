"""Demo data for `make demo`: people to sign in as. Later issues add organizations and cycles."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from organizations.models import User

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - demo data, refused outside DEBUG
DEMO_PEOPLE = [
    # email, first name, last name, is_staff, is_superuser
    ("admin@demo.lhs.test", "Ada", "Admin", True, True),
]


class Command(BaseCommand):
    help = "Create demo sign-ins (local and demo environments only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--allow-without-debug",
            action="store_true",
            help="Run even though DEBUG is off (for a demo server, never production).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["allow_without_debug"]:
            raise CommandError("seed_demo creates known passwords; it runs only with DEBUG on.")
        for email, first, last, is_staff, is_superuser in DEMO_PEOPLE:
            user, created = User.objects.get_or_create(
                email=email,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "is_staff": is_staff,
                    "is_superuser": is_superuser,
                },
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
        self.stdout.write(f"Demo sign-ins (password for all: {DEMO_PASSWORD}):")
        for email, _first, _last, is_staff, is_superuser in DEMO_PEOPLE:
            role = "admin" if is_superuser else "staff" if is_staff else "member"
            self.stdout.write(f"  {email:<32} {role}")
