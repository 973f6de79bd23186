"""Site-wide pages: home, the health probe."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from organizations import access

from .health import broker_check, database_check
from .home import home_page


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The signed-in person's to-do list; the welcome and a sign-in link for anyone else."""
    if not request.user.is_authenticated:
        return render(request, "pages/home.html")
    page = home_page(user=access.signed_in(request), membership=access.current_membership(request))
    return render(request, "pages/home.html", {"page": page})


@require_GET
def accessibility(request: HttpRequest) -> HttpResponse:
    """The accessibility statement: open to everyone, signed in or not."""
    return render(request, "pages/accessibility.html")


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database and the broker answer; 503 naming what failed otherwise."""
    checks = {"database": database_check(), "broker": broker_check()}
    ok = all(c.ok for c in checks.values())
    body = {
        "status": "ok" if ok else "fail",
        "checks": {name: {"ok": c.ok, "detail": c.detail} for name, c in checks.items()},
        "failed": [name for name, c in checks.items() if not c.ok],
    }
    return JsonResponse(body, status=200 if ok else 503)
