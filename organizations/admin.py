from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import transaction
from django.forms import ModelForm
from django.http import HttpRequest

from .models import AuditEvent, Invitation, Membership, Organization, User
from .services import audit_log, user_end_sessions


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ("email",)
    list_display = ("email", "first_name", "last_name", "is_staff", "is_active", "last_login")
    search_fields = ("email", "first_name", "last_name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Personal info", {"fields": ("first_name", "last_name")}),
        (
            "Permissions",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    PRIVILEGE_FIELDS = ("is_staff", "is_superuser", "groups", "user_permissions")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # Only a superuser hands out privileges: an administrator who may change people must
        # not be able to make themselves (or anyone) superuser or give out groups.
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += [f for f in self.PRIVILEGE_FIELDS if f not in fields]
        return fields

    def save_model(self, request: HttpRequest, obj: User, form: ModelForm, change: bool) -> None:
        deactivated = change and "is_active" in form.changed_data and not obj.is_active
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            if deactivated:
                audit_log(action="user.deactivate", actor=request.user, target=obj, request=request)
                transaction.on_commit(lambda: user_end_sessions(user=obj))


class ReadOnlyAdmin:
    """Shown in the admin, changed only through the services (and the audit log never)."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class MembershipInline(ReadOnlyAdmin, admin.TabularInline):
    """Shown, not edited: members change on the members page, whose services keep a lead and
    write the audit log (admins may use it for any organization)."""

    model = Membership
    extra = 0
    fields = ("user", "role", "created_at")
    readonly_fields = fields


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "type", "region", "size_band", "is_active")
    list_filter = ("type", "region", "size_band", "is_active")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    inlines = (MembershipInline,)

    def save_model(
        self, request: HttpRequest, obj: Organization, form: ModelForm, change: bool
    ) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            audit_log(
                action="organization.update" if change else "organization.create",
                actor=request.user,
                target=obj,
                organization=obj,
                request=request,
                detail={"fields": sorted(form.changed_data), "via": "admin"},
            )


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("email", "organization", "role", "created_at", "expires_at", "accepted_at")
    list_select_related = ("organization",)
    exclude = ("token_hash",)
    readonly_fields = (
        "organization",
        "email",
        "role",
        "invited_by",
        "created_at",
        "expires_at",
        "accepted_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # invitations are sent from the members page, which emails the link


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Readable by those allowed to view it; no one may add, change or delete a row."""

    list_display = ("created_at", "action", "actor", "organization", "ip")
    list_filter = ("action",)
    list_select_related = ("actor", "organization")
    search_fields = ("action", "actor__email", "target_id")
    date_hierarchy = "created_at"
