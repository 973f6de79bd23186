"""People, organizations, memberships, invitations and the audit log."""

from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower


class UserManager(DjangoUserManager["User"]):
    """Users are known by email; there is no username."""

    use_in_migrations = True

    def _create_user_by_email(self, email: str, password: str | None, **extra: Any) -> "User":
        if not email:
            raise ValueError("Every user needs an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(  # type: ignore[override]
        self, email: str, password: str | None = None, **extra: Any
    ) -> "User":
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user_by_email(email, password, **extra)

    def create_superuser(  # type: ignore[override]
        self, email: str, password: str | None = None, **extra: Any
    ) -> "User":
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user_by_email(email, password, **extra)


class User(AbstractUser):
    """A person who signs in with an email address."""

    username = None  # type: ignore[assignment]
    email = models.EmailField("email address", unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects: ClassVar[UserManager] = UserManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_unique_ci"),
        ]
        indexes = [
            # The few superusers among tens of thousands of people, for the reviewer list.
            models.Index(
                fields=["is_superuser"], condition=Q(is_superuser=True), name="user_superusers"
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.email


class Organization(models.Model):
    """A health-system organization that assesses itself; type, region and size make peers."""

    class Type(models.TextChoices):
        ACADEMIC_MEDICAL_CENTER = "amc", "Academic medical center"
        COMMUNITY_HOSPITAL = "community_hospital", "Community hospital"
        INTEGRATED_HEALTH_SYSTEM = "integrated_system", "Integrated health system"
        FQHC = "fqhc", "Federally qualified health center"
        PAYER = "payer", "Payer"
        PUBLIC_HEALTH_AGENCY = "public_health", "Public health agency"
        OTHER = "other", "Other"

    class Region(models.TextChoices):
        NORTHEAST = "northeast", "Northeast"
        MIDWEST = "midwest", "Midwest"
        SOUTH = "south", "South"
        WEST = "west", "West"
        NATIONAL = "national", "National / multi-region"

    class SizeBand(models.TextChoices):
        SMALL = "small", "Small (under 500 staff)"
        MEDIUM = "medium", "Medium (500 to 4,999 staff)"
        LARGE = "large", "Large (5,000 to 19,999 staff)"
        VERY_LARGE = "very_large", "Very large (20,000 staff or more)"

    class PaperSize(models.TextChoices):
        # The values are CSS page sizes: the report's @page rule uses them as they are.
        LETTER = "letter", "US Letter (8.5 by 11 inches)"
        A4 = "A4", "A4 (210 by 297 mm)"

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    type = models.CharField(max_length=32, choices=Type.choices)
    region = models.CharField(max_length=32, choices=Region.choices)
    size_band = models.CharField(max_length=32, choices=SizeBand.choices)
    is_active = models.BooleanField(default=True)
    paper_size = models.CharField(
        "paper size of reports",
        max_length=8,
        choices=PaperSize.choices,
        default=PaperSize.LETTER,
        # In the database too: code that predates the column (a server not yet upgraded,
        # a migration test's historical model) still inserts organizations.
        db_default=PaperSize.LETTER,
        help_text="The page size of the organization's PDF reports.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # When it was last made inactive: its data may be deleted ORGANIZATION_RETENTION_DAYS later.
    deactivated_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(paper_size__in=["letter", "A4"]),
                name="organization_paper_size_valid",
            ),
        ]
        permissions = [
            ("view_all_organizations", "Can see aggregate and submitted data of all organizations"),
            ("review_assessments", "Can review submitted assessments"),
            ("manage_organizations", "Can create and edit organizations"),
            ("manage_all_memberships", "Can manage the members of any organization"),
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A person's role in one organization; one per person and organization."""

    class Role(models.TextChoices):
        LEAD = "lead", "Lead"
        CONTRIBUTOR = "contributor", "Contributor"
        VIEWER = "viewer", "Viewer"
        # Patient, family or community partners: they rate what they are invited to rate in a
        # rating round and see nothing else of the organization.
        PARTNER = "partner", "Partner"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organization__name", "user__email"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization"], name="membership_one_per_pair"
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=["lead", "contributor", "viewer", "partner"]),
                name="membership_role_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.organization} ({self.get_role_display()})"


class Invitation(models.Model):
    """A single-use, expiring invitation; only a hash of its token is stored."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField()
    role = models.CharField(max_length=16, choices=Membership.Role.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation of {self.email} to {self.organization}"


class IdentityProvider(models.Model):
    """An organization's own OpenID Connect provider (Entra ID, Okta, Google...): one at most.

    Its client secret is stored encrypted (organizations.sso.secret_encrypt) with a key from
    the environment, so that a database dump alone does not reveal it.
    """

    class Admission(models.TextChoices):
        INVITATION = "invitation", "Only people with a pending invitation"
        DOMAIN = "domain", "Anyone the provider signs in with an address in its domains"

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="identity_provider"
    )
    name = models.CharField(
        "name shown to people",
        max_length=100,
        help_text="For example: Contoso Health sign-in.",
    )
    issuer_url = models.URLField(
        "issuer URL",
        max_length=500,
        help_text=(
            "The provider's issuer; its /.well-known/openid-configuration is read from here. "
            "Entra ID: https://login.microsoftonline.com/<tenant id>/v2.0; Okta: "
            "https://<your domain>.okta.com; Google: https://accounts.google.com."
        ),
    )
    client_id = models.CharField("client ID", max_length=255)
    client_secret_encrypted = models.TextField(blank=True, editable=False)
    admission = models.CharField(
        "who may join on first sign-in",
        max_length=16,
        choices=Admission.choices,
        default=Admission.INVITATION,
    )
    default_role = models.CharField(
        "role of people admitted by domain",
        max_length=16,
        # Partners are invited one by one to rate, never admitted by their e-mail's domain.
        choices=[(r.value, r.label) for r in Membership.Role if r != Membership.Role.PARTNER],
        default=Membership.Role.VIEWER,
    )
    sso_required = models.BooleanField(
        "single sign-on required",
        default=True,
        help_text=(
            "People with an address in these domains cannot sign in with a password: someone "
            "the provider deactivates then loses access at their next sign-in."
        ),
    )
    accept_provider_mfa = models.BooleanField(
        "accept the provider's multi-factor sign-in in place of ours",
        default=False,
        help_text=(
            "Staff and administrators skip our authenticator code when the provider says they "
            "used several factors (amr containing mfa, otp, hwk, sc or sms, or an accepted acr)."
        ),
    )
    accepted_acr_values = models.CharField(
        "accepted acr values",
        max_length=500,
        blank=True,
        help_text="Comma-separated acr values that mean multi-factor at this provider.",
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["organization__name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(admission__in=["invitation", "domain"]),
                name="identity_provider_admission_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(default_role__in=["lead", "contributor", "viewer"]),
                name="identity_provider_default_role_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.organization})"

    @property
    def provider_id(self) -> str:
        """allauth's provider id: its sign-in and callback addresses carry it."""
        return f"oidc-{self.organization.slug}"


class SignInDomain(models.Model):
    """An e-mail domain whose people sign in through one provider; a domain has one provider."""

    provider = models.ForeignKey(IdentityProvider, on_delete=models.CASCADE, related_name="domains")
    domain = models.CharField(max_length=253, unique=True)

    class Meta:
        ordering = ["domain"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(domain=Lower("domain")),
                name="sign_in_domain_lowercase",
            ),
        ]

    def __str__(self) -> str:
        return self.domain


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("Audit events cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("Audit events cannot be deleted.")


class AuditEvent(models.Model):
    """Who did what, when, from where. Append-only: rows are never changed or deleted."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=64, db_index=True)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    # The trail outlives the organization: deleting one leaves its id here (no constraint, no
    # cascade; rows are never changed), and its name in the "organization.delete" row.
    organization = models.ForeignKey(
        Organization,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    ip = models.GenericIPAddressField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("Audit events cannot be deleted.")


STAFF_GROUP = "Consortium staff"
ADMIN_GROUP = "Administrators"
