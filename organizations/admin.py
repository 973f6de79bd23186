from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import transaction
from django.forms import ModelForm
from django.http import HttpRequest

from .models import (
    AuditEvent,
    IdentityProvider,
    Invitation,
    Membership,
    Organization,
    SignInDomain,
    User,
)
from .services import audit_log, user_end_sessions
from .sso import secret_encrypt


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


class SignInDomainForm(forms.ModelForm):
    class Meta:
        model = SignInDomain
        fields = ("domain",)

    def clean_domain(self) -> str:
        domain = str(self.cleaned_data["domain"]).strip().lower().lstrip("@")
        if "." not in domain or "@" in domain or " " in domain:
            raise forms.ValidationError("Enter a domain such as example.org, without the @.")
        return domain


class SignInDomainInline(admin.TabularInline):
    model = SignInDomain
    form = SignInDomainForm
    extra = 1
    verbose_name = "e-mail domain routed to this provider"
    verbose_name_plural = "e-mail domains routed to this provider"


class IdentityProviderForm(forms.ModelForm):
    """The client secret is written, never shown: left blank, the stored one stays."""

    issuer_url = forms.URLField(
        label="issuer URL",
        max_length=500,
        assume_scheme="https",
        help_text=IdentityProvider._meta.get_field("issuer_url").help_text,
    )

    client_secret = forms.CharField(
        label="client secret",
        required=False,
        max_length=2000,
        strip=True,
        widget=forms.PasswordInput(render_value=False),
        help_text=(
            "Stored encrypted with a key from the server's environment (DJANGO_SSO_SECRET_KEYS), "
            "so it is not readable in a database dump. Leave blank to keep the current one."
        ),
    )

    class Meta:
        model = IdentityProvider
        fields = (
            "organization",
            "name",
            "issuer_url",
            "client_id",
            "admission",
            "default_role",
            "sso_required",
            "accept_provider_mfa",
            "accepted_acr_values",
            "is_active",
        )

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        if not data.get("client_secret") and not (
            self.instance.pk and self.instance.client_secret_encrypted
        ):
            self.add_error("client_secret", "Enter the client secret the provider issued.")
        return data


@admin.register(IdentityProvider)
class IdentityProviderAdmin(admin.ModelAdmin):
    """An organization's single sign-on, configured by an administrator."""

    form = IdentityProviderForm
    inlines = (SignInDomainInline,)
    list_display = ("name", "organization", "issuer_url", "admission", "sso_required", "is_active")
    list_select_related = ("organization",)
    search_fields = ("name", "organization__name", "domains__domain")
    readonly_fields = ("callback_path",)

    @admin.display(description="redirect URI to register at the provider (path on this site)")
    def callback_path(self, obj: IdentityProvider | None) -> str:
        if obj is None or obj.pk is None:
            return "Shown once saved."
        from django.urls import reverse

        return reverse("openid_connect_callback", kwargs={"provider_id": obj.provider_id})

    def save_model(
        self, request: HttpRequest, obj: IdentityProvider, form: ModelForm, change: bool
    ) -> None:
        secret = form.cleaned_data.get("client_secret") or ""
        with transaction.atomic():
            if secret:
                obj.client_secret_encrypted = secret_encrypt(secret)
            super().save_model(request, obj, form, change)
            changed = sorted(set(form.changed_data) - {"client_secret"})
            audit_log(
                action="sso.provider_update" if change else "sso.provider_create",
                actor=request.user,
                target=obj,
                organization=obj.organization,
                request=request,
                detail={"fields": changed, "secret_changed": bool(secret), "via": "admin"},
            )
