"""Site-wide pages: home, the health probe."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .health import broker_check, database_check


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/home.html")


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
