"""Organization pages: which one I work in, its members, invitations, and staff management."""

import copy
from typing import Any

from allauth.account.views import LoginView
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessments.organization_data import organization_archive
from lhs_assess.forms import form_add_errors

from . import access, selectors, services, sso
from .adapters import LOCKOUT_MESSAGE
from .forms import (
    AcceptWithPasswordForm,
    InvitationForm,
    OrganizationForm,
    RoleForm,
    SSOStartForm,
    SwitchForm,
)
from .models import User


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    memberships = selectors.memberships_of(user=access.signed_in(request))
    return render(request, "organizations/index.html", {"memberships": memberships})


@login_required
@require_POST
def switch(request: HttpRequest) -> HttpResponse:
    form = SwitchForm(request.POST)
    if not form.is_valid():  # not a number, or none a row could have: no such organization
        raise Http404
    membership = access.own_membership_access(
        user=request.user, organization_id=form.cleaned_data["organization"]
    )
    request.session[access.CURRENT_ORGANIZATION_SESSION_KEY] = membership.organization_id
    messages.success(request, f"You are now working in {membership.organization.name}.")
    return redirect("organizations:detail", slug=membership.organization.slug)


@login_required
@require_GET
def detail(request: HttpRequest, slug: str) -> HttpResponse:
    acc = access.organization_access(user=request.user, slug=slug)
    context = {
        "organization": acc.organization,
        "role": acc.role,
        "may_export": acc.may_manage_members,
    }
    return render(request, "organizations/detail.html", context)


def _members_page(
    request: HttpRequest,
    acc: access.OrganizationAccess,
    invite_form: InvitationForm | None = None,
    status: int = 200,
    role_error: tuple[int, str, str] | None = None,
) -> HttpResponse:
    organization, may_manage = acc.organization, acc.may_manage_members
    context = {
        "organization": organization,
        "members": selectors.members_list(organization=organization),
        "invitations": selectors.invitations_pending(organization=organization)
        if may_manage
        else [],
        "may_manage": may_manage,
        "invite_form": invite_form or InvitationForm(),
        "roles": RoleForm.base_fields["role"].choices,  # type: ignore[attr-defined]
        "role_error": role_error,
    }
    return render(request, "organizations/members.html", context, status=status)


@login_required
@require_GET
def members(request: HttpRequest, slug: str) -> HttpResponse:
    return _members_page(request, access.organization_access(user=request.user, slug=slug))


@login_required
@require_POST
def invite(request: HttpRequest, slug: str) -> HttpResponse:
    acc = access.organization_access(user=request.user, slug=slug, need_manage=True)
    organization = acc.organization
    form = InvitationForm(request.POST)
    if form.is_valid():
        try:
            services.invitation_create(
                organization=organization,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                by=access.signed_in(request),
                request=request,
            )
        except ValidationError as e:
            form_add_errors(form, e)
        else:
            messages.success(request, f"Invitation sent to {form.cleaned_data['email']}.")
            return redirect("organizations:members", slug=slug)
    return _members_page(request, acc, invite_form=form, status=400)


@login_required
@require_POST
def member_role(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    membership = access.membership_access(user=request.user, slug=slug, pk=pk)
    form = RoleForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError([m for errors in form.errors.values() for m in errors])
        services.membership_change_role(
            membership=membership,
            role=form.cleaned_data["role"],
            by=access.signed_in(request),
            request=request,
        )
    except ValidationError as e:
        acc = access.organization_access(user=request.user, slug=slug)
        return _members_page(
            request,
            acc,
            status=400,
            role_error=(pk, " ".join(e.messages), f"Role of {membership.user.email}"),
        )
    messages.success(request, f"{membership.user.email} is now {membership.get_role_display()}.")
    return redirect("organizations:members", slug=slug)


@login_required
@require_http_methods(["GET", "POST"])
def member_remove(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    membership = access.membership_access(user=request.user, slug=slug, pk=pk)
    if request.method == "POST":
        try:
            services.membership_remove(
                membership=membership, by=access.signed_in(request), request=request
            )
        except ValidationError as e:
            messages.error(request, " ".join(e.messages))
        else:
            messages.success(request, f"{membership.user.email} is no longer a member.")
        return redirect("organizations:members", slug=slug)
    return render(request, "organizations/member_remove.html", {"membership": membership})


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = services.invitation_for_token(token)
    if invitation is None:
        raise Http404("This invitation link is not valid.")
    problem = services.invitation_problem(invitation)
    user = request.user if isinstance(request.user, User) else None
    has_account = selectors.account_exists(email=invitation.email)
    form = AcceptWithPasswordForm(request.POST or None, email=invitation.email)
    context: dict[str, object] = {
        "invitation": invitation,
        "problem": problem,
        "has_account": has_account,
    }
    if user is not None and user.email.lower() != invitation.email.lower():
        # Neither the organization nor the address it was sent to: a forwarded link, or a
        # shared computer, must not tell who is invited where. The audit log says who tried.
        services.invitation_opened_by_another_account(
            invitation=invitation, user=user, request=request
        )
        return render(
            request,
            "organizations/invitation_accept.html",
            {"neutral": services.INVITATION_NOT_FOR_YOU},
            status=403,
        )
    if problem:
        return render(request, "organizations/invitation_accept.html", context, status=410)
    if request.method == "POST" and (user is not None or (not has_account and form.is_valid())):
        try:
            membership = services.invitation_accept(
                invitation=invitation,
                user=user,
                password=form.cleaned_data.get("password1") if user is None else None,
                request=request,
            )
        except ValidationError as e:
            context["problem"] = " ".join(e.messages)
            return render(request, "organizations/invitation_accept.html", context, status=400)
        if user is None:
            login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
        request.session[access.CURRENT_ORGANIZATION_SESSION_KEY] = membership.organization_id
        messages.success(request, f"Welcome to {membership.organization.name}.")
        return redirect("organizations:detail", slug=membership.organization.slug)
    context["form"] = form
    return render(request, "organizations/invitation_accept.html", context)


@login_required
@require_GET
def staff_list(request: HttpRequest) -> HttpResponse:
    access.require(request.user, access.Right.MANAGE_ORGANIZATIONS)
    organizations = selectors.organizations_for_staff()
    return render(request, "organizations/staff_list.html", {"organizations": organizations})


@login_required
@require_http_methods(["GET", "POST"])
def staff_create(request: HttpRequest) -> HttpResponse:
    access.require(request.user, access.Right.MANAGE_ORGANIZATIONS)
    form = OrganizationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        organization = services.organization_create(
            by=access.signed_in(request), request=request, **form.cleaned_data
        )
        messages.success(request, f"{organization.name} created.")
        return redirect("organizations:staff_list")
    return render(
        request,
        "organizations/staff_form.html",
        {"form": form, "organization": None},
        status=400 if form.is_bound else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def staff_edit(request: HttpRequest, slug: str) -> HttpResponse:
    organization = access.managed_organization_access(user=request.user, slug=slug)
    # The form writes onto its own copy; the service compares it with `organization` as
    # stored, so that the audit row names the fields that changed.
    form = OrganizationForm(request.POST or None, instance=copy.copy(organization))
    if request.method == "POST" and form.is_valid():
        services.organization_update(
            organization=organization,
            by=access.signed_in(request),
            request=request,
            **form.cleaned_data,
        )
        messages.success(request, f"{organization.name} saved.")
        return redirect("organizations:staff_list")
    return render(
        request,
        "organizations/staff_form.html",
        {
            "form": form,
            "organization": organization,
            "may_delete": access.user_is_admin(request.user),
        },
        status=400 if form.is_bound else 200,
    )


@login_required
@require_GET
def data_export(request: HttpRequest, slug: str) -> FileResponse:
    """Everything the organization entered, zipped: for its lead (and administrators)."""
    acc = access.organization_access(user=request.user, slug=slug, need_manage=True)
    archive = organization_archive(organization=acc.organization)
    name = f"{acc.organization.slug}-data-{timezone.localdate():%Y-%m-%d}.zip"
    services.download_record(
        by=access.signed_in(request),
        what="organization_data",
        target=acc.organization,
        organization=acc.organization,
        request=request,
        detail={"name": name},
    )
    return FileResponse(archive, as_attachment=True, filename=name, content_type="application/zip")


@login_required
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    access.require(request.user, access.Right.READ_AUDIT)
    return render(
        request, "organizations/audit_log.html", {"events": selectors.audit_events_recent()}
    )


class SignInView(LoginView):
    """allauth's sign-in page, answering 429 Too Many Requests while signing in is paused for
    the account or the address, so that clients and monitoring see the pause for what it is;
    beside it, an address whose domain has an organization's own sign-in is sent there."""

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        kwargs.setdefault("sso_form", SSOStartForm())
        if "sso_offered" not in kwargs:
            kwargs["sso_offered"] = sso.single_sign_on_offered()
        context: dict[str, Any] = super().get_context_data(**kwargs)
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if "sso_email" not in request.POST:
            response: HttpResponse = super().post(request, *args, **kwargs)
            return response
        sso_form = SSOStartForm(request.POST)
        if sso_form.is_valid():
            email = sso_form.cleaned_data["sso_email"].strip().lower()
            provider = sso.provider_for_email(email)
            if provider is not None:
                redirect_response: HttpResponse = sso.start_sign_in(
                    request, provider=provider, email=email
                )
                return redirect_response
            sso_form.add_error("sso_email", sso.NO_PROVIDER_FOR_DOMAIN)
        typed = request.POST.get("sso_email", "")[:254]
        form = self.get_form_class()(request=request, initial={"login": typed})
        context = self.get_context_data(form=form, sso_form=sso_form, sso_offered=True)
        return self.render_to_response(context, status=400)

    def form_invalid(self, form: Any) -> HttpResponse:
        response: HttpResponse = super().form_invalid(form)
        if LOCKOUT_MESSAGE in form.non_field_errors():
            response.status_code = 429
        return response


def too_many_requests(request: HttpRequest) -> HttpResponse:
    """allauth's other rate limits (handler429): the same words as the sign-in pause."""
    return render(request, "429.html", {"message": LOCKOUT_MESSAGE}, status=429)
