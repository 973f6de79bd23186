"""Forms for organization pages; services do the validation that needs the database."""

from django import forms
from django.contrib.auth.password_validation import validate_password

from lhs_assess.forms import id_field, max_length_of

from .models import Invitation, Membership, Organization, User

# allauth and Django bound nothing below this; a longer password is a pasted file, not a secret.
PASSWORD_MAX_LENGTH = 1_000

# Words used by the organization pages' own addresses.
RESERVED_SLUGS = frozenset({"switch", "manage", "audit-log", "invitations"})


class SSOStartForm(forms.Form):
    """The address whose domain finds the organization's own sign-in."""

    sso_email = forms.EmailField(
        label="Work email address",
        max_length=max_length_of(User, "email"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class SwitchForm(forms.Form):
    """Which of the person's organizations to work in."""

    organization = id_field()


class InvitationForm(forms.Form):
    # The form allows 320 characters by default; the column holds 254 (RFC 5321's path limit).
    email = forms.EmailField(
        label="Colleague's email address", max_length=max_length_of(Invitation, "email")
    )
    role = forms.ChoiceField(label="Role", choices=Membership.Role.choices, initial="contributor")


class RoleForm(forms.Form):
    role = forms.ChoiceField(
        label="Role",
        choices=Membership.Role.choices,
        error_messages={
            "required": "Choose a role.",
            "invalid_choice": "Choose one of the roles in the list.",
        },
    )


class OrganizationForm(forms.ModelForm):
    class Meta:
        model = Organization
        fields = ["name", "slug", "type", "region", "size_band", "paper_size", "is_active"]
        labels = {"slug": "Short name in web addresses", "is_active": "Active"}

    def clean_slug(self) -> str:
        slug: str = self.cleaned_data["slug"]
        if slug in RESERVED_SLUGS:
            raise forms.ValidationError("This short name is reserved; choose another.")
        return slug


class AcceptWithPasswordForm(forms.Form):
    """For someone without an account: choose a password to create one."""

    password1 = forms.CharField(
        label="Choose a password",
        max_length=PASSWORD_MAX_LENGTH,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 12 characters; not a common password.",
    )
    password2 = forms.CharField(
        label="Password again",
        max_length=PASSWORD_MAX_LENGTH,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: object, email: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.email = email

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", "The two passwords differ.")
        elif isinstance(p1, str):
            try:
                validate_password(p1, user=User(email=self.email))
            except forms.ValidationError as e:
                self.add_error("password1", e)
        return data
