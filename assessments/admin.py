"""Read-mostly admin for assessments: answers change only through the product's pages."""

from django.contrib import admin
from django.http import HttpRequest

from lhs_assess.history import RecordOnlyHistoryAdmin

from .models import Assessment, Cycle, Extension


@admin.register(Cycle)
class CycleAdmin(admin.ModelAdmin):
    list_display = ("name", "rubric", "opens_on", "due_on", "closes_on", "status")
    list_filter = ("status",)
    search_fields = ("name",)


@admin.register(Assessment)
class AssessmentAdmin(RecordOnlyHistoryAdmin):
    list_display = ("organization", "cycle", "status", "submitted_at", "overall_score")
    list_filter = ("status", "cycle")
    search_fields = ("organization__name",)
    list_select_related = ("organization", "cycle")
    readonly_fields = [f.name for f in Assessment._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Extension)
class ExtensionAdmin(RecordOnlyHistoryAdmin):
    """Extensions to read: staff grant them on the cycle's page, which writes the audit row."""

    list_display = ("organization", "cycle", "until", "granted_by", "granted_at")
    list_filter = ("cycle",)
    search_fields = ("organization__name",)
    list_select_related = ("organization", "cycle", "granted_by")
    readonly_fields = [f.name for f in Extension._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
