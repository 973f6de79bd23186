"""Personal access tokens: how a health system's own tools reach the API as one person."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

TOKEN_NAME_MAX_LENGTH = 100


class AccessTokenQuerySet(models.QuerySet["AccessToken"]):
    def live(self) -> "AccessTokenQuerySet":
        """Neither revoked nor expired, now."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


class AccessToken(models.Model):
    """A secret that stands for its person in API requests, with less power than a session.

    Only a SHA-256 digest of the secret is stored: the secret is shown once, when it is made.
    The prefix (random, not secret) finds the row; the digest is then compared in constant time.
    SHA-256 suffices because the secret is 256 random bits, not a password a person chose.
    """

    class Scope(models.TextChoices):
        READ = "read", "Read only"
        WRITE = "write", "Read and write"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=TOKEN_NAME_MAX_LENGTH, help_text="What uses it.")
    prefix = models.CharField(max_length=16, unique=True)
    digest = models.CharField(max_length=64)
    scope = models.CharField(max_length=8, choices=Scope.choices, default=Scope.READ)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects = AccessTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(scope__in=["read", "write"]), name="access_token_scope_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def may_write(self) -> bool:
        return self.scope == self.Scope.WRITE

    def refusal(self) -> str | None:
        """Why the token may not be used now, or None when it may."""
        if self.revoked_at is not None:
            return "This token was revoked."
        if self.expires_at <= timezone.now():
            return "This token has expired."
        return None
