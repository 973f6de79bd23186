"""A person's mail settings, and the unsubscribe link that works without signing in."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from organizations.models import User

from . import services
from .forms import PreferencesForm
from .models import Kind


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not isinstance(user, User):  # login_required let only a signed-in person through
        raise PermissionDenied
    form = PreferencesForm(request.POST or None, current=services.deliveries(user=user))
    if request.method == "POST":
        if form.is_valid():
            changed = services.preferences_save(user=user, choices=form.choices())
            messages.success(
                request,
                f"Saved your choices for {len(changed)} kind{'s' if len(changed) != 1 else ''} "
                "of mail."
                if changed
                else "Nothing had changed.",
            )
            return redirect("notifications:preferences")
        return render(request, "notifications/preferences.html", {"form": form}, status=400)
    return render(request, "notifications/preferences.html", {"form": form, "kinds": Kind})


# The signed token is the authority (no session): a mail client's one-click unsubscribe
# (RFC 8058) posts without our CSRF cookie.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    target = services.unsubscription(token)
    if target is None:
        return render(request, "notifications/unsubscribe.html", {"invalid": True}, status=404)
    if request.method == "POST":
        services.unsubscribe(target)
        return render(request, "notifications/unsubscribe.html", {"target": target, "done": True})
    return render(request, "notifications/unsubscribe.html", {"target": target})
