"""Writes whose history rows name their author (django-simple-history reads `_history_user`)."""

from django.db.models import Model

from organizations.models import User


def save_with_author(
    instance: Model, by: User | None, update_fields: list[str] | None = None
) -> None:
    """Save `instance`; its history row records `by` as the one who changed it."""
    instance._history_user = by  # type: ignore[attr-defined]
    instance.save(update_fields=update_fields)


def delete_with_author(instance: Model, by: User | None) -> None:
    """Delete `instance`; the history row of the deletion records `by`."""
    instance._history_user = by  # type: ignore[attr-defined]
    instance.delete()
