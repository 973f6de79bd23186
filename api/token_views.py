"""Personal access tokens on the Security page: made (shown once), listed, revoked."""

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from organizations.access import signed_in

from . import selectors, services
from .forms import TokenForm


@login_required
@require_http_methods(["GET", "POST"])
# A token outlives the session (up to a year): making one asks for the password again unless
# given in the last few minutes, as changing the email address or two factors does.
@reauthentication_required(allow_get=True)
def create(request: HttpRequest) -> HttpResponse:
    """The form; once valid, the new token's secret, shown this once and never again."""
    form = TokenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid():
            token, secret = services.token_create(
                user=signed_in(request),
                name=form.cleaned_data["name"],
                scope=form.cleaned_data["scope"],
                days=form.cleaned_data["days"],
            )
            return render(request, "api/token_created.html", {"token": token, "secret": secret})
        return render(request, "api/token_form.html", {"form": form}, status=400)
    return render(request, "api/token_form.html", {"form": form})


@login_required
@require_POST
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in(request)
    token = selectors.token_of(user=user, pk=pk)
    services.token_revoke(token=token, by=user)
    messages.success(request, f"The token “{token.name}” is revoked: it no longer works.")
    return redirect("mfa_index")
