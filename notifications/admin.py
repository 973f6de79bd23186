from django.contrib import admin

from .models import Mail


@admin.register(Mail)
class MailAdmin(admin.ModelAdmin):
    """The outbox, read-only: what was mailed to whom and when, and what still waits."""

    list_display = ("created_at", "kind", "recipient", "subject", "digest", "sent_at", "attempts")
    list_filter = ("kind", "digest", ("sent_at", admin.EmptyFieldListFilter))
    search_fields = ("recipient__email", "subject")

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
