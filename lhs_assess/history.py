"""Writes whose history rows name their author (django-simple-history reads `_history_user`)."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from simple_history.admin import SimpleHistoryAdmin

from organizations.models import User


def save_with_author(
    instance: Model, by: User | None, update_fields: list[str] | None = None
) -> None:
    """Save `instance`; its history row records `by` as the one who changed it."""
    # simple-history reads this undeclared attribute; models do not declare it, hence ignore.
    instance._history_user = by  # type: ignore[attr-defined]
    instance.save(update_fields=update_fields)


def delete_with_author(instance: Model, by: User | None) -> None:
    """Delete `instance`; the history row of the deletion records `by`."""
    # simple-history reads this undeclared attribute; models do not declare it, hence ignore.
    instance._history_user = by  # type: ignore[attr-defined]
    instance.delete()


class RecordOnlyHistoryAdmin(SimpleHistoryAdmin):
    """The admin's history pages as a record to read: a historical version can be looked at
    but never saved back, which would bypass the services' rules (a published rubric's
    structure, an assessment's state). SIMPLE_HISTORY_REVERT_DISABLED only hides the button."""

    def history_form_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context: Any = None
    ) -> HttpResponse:
        if request.method != "GET":
            raise PermissionDenied
        response: HttpResponse = super().history_form_view(
            request, object_id, version_id, extra_context
        )
        return response
