"""What each person wants mailed, and every mail: the outbox and the sent-log in one table.

A mail is a row first, written in the same transaction as the event it tells of; Celery sends
it after the commit, and a sweep sends again whatever stayed unsent (the broker was down), so
an outage delays mail and never loses it. A reminder carries a unique key, so running the
reminders twice never mails the same reminder twice.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Kind(models.TextChoices):
    ASSIGNED = "assigned", "Something is assigned to you"
    RETURNED = "returned", "An assessment is returned with comments"
    ACCEPTED = "accepted", "An assessment is accepted"
    THREAD = "thread", "Replies and mentions in comment threads"
    CYCLE_DUE = "cycle_due", "A cycle is due and the assessment is not submitted"
    PLAN_DUE = "plan_due", "Improvement plan items due soon or overdue"
    REVIEW_WAITING = "review_waiting", "Submissions waiting for review"
    RATING = "rating", "Invitations to rate, and reminders before a rating round closes"


class Delivery(models.TextChoices):
    NOW = "now", "Right away"
    DIGEST = "digest", "In a daily digest"
    NEVER = "never", "Never"


class Preference(models.Model):
    """How one person wants one kind of mail; no row means right away."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mail_preferences"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    delivery = models.CharField(max_length=8, choices=Delivery.choices, default=Delivery.NOW)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="preference_one_per_kind"),
            models.CheckConstraint(
                condition=Q(delivery__in=["now", "digest", "never"]),
                name="preference_delivery_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.kind}: {self.delivery}"


class Mail(models.Model):
    """One message to one person, sent (sent_at) or still waiting in the outbox."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mails"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    path = models.CharField(max_length=300, blank=True, help_text="The page to act on.")
    # A reminder's identity (kind, thing, day, person): the database refuses it twice.
    key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    digest = models.BooleanField(default=False, help_text="Waits for the daily digest.")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(
                fields=["digest", "created_at"],
                condition=Q(sent_at__isnull=True),
                name="mail_unsent",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.recipient}: {self.subject}"
