"""Admin for the rubric: text edits on published versions, structure only on drafts."""

from datetime import timedelta
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from lhs_assess.history import RecordOnlyHistoryAdmin
from organizations.models import User

from .models import (
    STRUCTURE_FIELDS,
    Commitment,
    Criterion,
    LevelDescriptor,
    MaturityLevel,
    Rubric,
)
from .selectors import descriptor_history, descriptors_as_of
from .services import rubric_clone, rubric_publish, rubric_retire

LOCKED_NOTE = (
    "This rubric is {status}: its text can be edited (every edit is kept in History), "
    "but criteria, levels, codes, orders and weights cannot. Use the 'Clone into a new draft "
    "version' action on the rubric list to change its structure."
)


def _rubric_of(obj: Any) -> Rubric | None:
    if isinstance(obj, Rubric):
        return obj
    if isinstance(obj, Commitment):
        return obj.rubric
    if isinstance(obj, Criterion):
        return obj.commitment.rubric
    return None


def _locked(obj: Any) -> bool:
    rubric = _rubric_of(obj)
    return rubric is not None and rubric.is_structure_locked


class LockedStructureInline(admin.TabularInline):
    """An inline whose rows cannot be added, removed or restructured once published."""

    extra = 0

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        if _locked(obj):
            fields += [
                f
                for f in STRUCTURE_FIELDS[self.model]
                if f not in ("rubric", "commitment", "criterion")
            ]
        return fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not _locked(obj) and super().has_add_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not _locked(obj) and super().has_delete_permission(request, obj)


class MaturityLevelInline(LockedStructureInline):
    model = MaturityLevel
    fields = ("level", "name", "description", "evidence")


class CommitmentInline(LockedStructureInline):
    model = Commitment
    fields = ("order", "code", "name", "definition")
    show_change_link = True


class CriterionInline(LockedStructureInline):
    model = Criterion
    fields = ("order", "code", "prompt", "weight")
    show_change_link = True


class LevelDescriptorInline(LockedStructureInline):
    model = LevelDescriptor
    fields = ("level", "text")


class LockedStructureAdmin(RecordOnlyHistoryAdmin):
    """Structure fields are read-only on published rubrics, and objects cannot be deleted."""

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        if _locked(obj):
            fields += list(STRUCTURE_FIELDS[self.model])
        return fields

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not _locked(obj) and super().has_delete_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        # Saving an unchanged parent (the admin does, when only an inline row changed) would
        # write a "Changed" history row with nothing changed in it.
        if change and not form.has_changed():
            return
        super().save_model(request, obj, form, change)

    def has_add_permission(self, request: HttpRequest) -> bool:
        # New commitments and criteria go through a draft's own page (inlines), where the
        # lock is known; the top-level "add" would let one pick a published parent.
        return self.model is Rubric and super().has_add_permission(request)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> Any:
        obj = self.get_object(request, object_id)
        rubric = _rubric_of(obj)
        if rubric is not None and rubric.is_structure_locked and request.method == "GET":
            messages.info(request, LOCKED_NOTE.format(status=rubric.get_status_display().lower()))
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(Rubric)
class RubricAdmin(LockedStructureAdmin):
    list_display = ("name", "version", "status", "published_at", "created_at")
    list_filter = ("status",)
    search_fields = ("name", "version", "description")
    readonly_fields = ("status", "published_at", "created_at")
    inlines = (MaturityLevelInline, CommitmentInline)
    actions = ("clone_action", "publish_action", "retire_action")

    @admin.action(description="Clone into a new draft version", permissions=["add"])
    def clone_action(self, request: HttpRequest, queryset: QuerySet[Rubric]) -> None:
        for rubric in queryset:
            by = request.user if isinstance(request.user, User) else None
            clone = rubric_clone(rubric=rubric, by=by)
            self.message_user(request, f"Cloned {rubric.version} into draft {clone.version}.")

    @admin.action(description="Publish (checks the draft is complete)", permissions=["change"])
    def publish_action(self, request: HttpRequest, queryset: QuerySet[Rubric]) -> None:
        self._transition(request, queryset, rubric_publish, "Published")

    @admin.action(description="Retire (no new cycles may use it)", permissions=["change"])
    def retire_action(self, request: HttpRequest, queryset: QuerySet[Rubric]) -> None:
        self._transition(request, queryset, rubric_retire, "Retired")

    def _transition(
        self, request: HttpRequest, queryset: QuerySet[Rubric], service: Any, done: str
    ) -> None:
        for rubric in queryset:
            try:
                service(rubric=rubric, by=request.user)
            except ValidationError as exc:
                self.message_user(
                    request, f"{rubric}: {' '.join(exc.messages)}", level=messages.ERROR
                )
            else:
                self.message_user(request, f"{done} {rubric.name} {rubric.version}.")


@admin.register(Commitment)
class CommitmentAdmin(LockedStructureAdmin):
    list_display = ("name", "code", "order", "rubric")
    list_filter = ("rubric",)
    search_fields = ("name", "code", "definition", "guidance")
    list_select_related = ("rubric",)
    inlines = (CriterionInline,)


@admin.register(Criterion)
class CriterionAdmin(LockedStructureAdmin):
    list_display = ("code", "commitment", "order", "weight")
    list_filter = ("commitment__rubric", "commitment__name")
    search_fields = ("code", "prompt", "guidance", "evidence_hint", "descriptors__text")
    list_select_related = ("commitment__rubric",)
    inlines = (LevelDescriptorInline,)
    # History pages that show the descriptors too: their edits (before and after) on the
    # criterion's history, and their text then on an old version of the criterion.
    object_history_template = "admin/commitments/criterion/object_history.html"
    object_history_form_template = "admin/commitments/criterion/object_history_form.html"

    def history_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> Any:
        extra = {"descriptor_changes": descriptor_history(criterion_id=int(object_id))}
        return super().history_view(request, object_id, {**(extra_context or {}), **extra})

    def history_form_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context: Any = None
    ) -> Any:
        version = Criterion.history.filter(id=object_id, history_id=version_id).first()
        extra: dict[str, Any] = {}
        if version is not None:
            # The descriptors as they stood while this version was current: until the next
            # version replaced it (or now, for the latest).
            replaced = version.next_record.history_date if version.next_record else None
            at = replaced - timedelta(microseconds=1) if replaced else timezone.now()
            extra = {
                "descriptors_then": descriptors_as_of(criterion_id=int(object_id), at=at),
                "replaced_at": replaced,
            }
        return super().history_form_view(
            request, object_id, version_id, {**(extra_context or {}), **extra}
        )
