"""Site-wide pages: home, the health probe, and the error page for a database outage."""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views import defaults
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


DATABASE_DOWN = (
    "The site cannot reach its database for a moment, so this was not saved. "
    "Nothing you saved before is lost. Try again in a minute."
)
logger = logging.getLogger(__name__)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a database that does not answer is a 503 saying so in plain words (JSON for
    the scoring page's script, a page without queries otherwise); anything else is Django's 500.
    Django calls this inside its `except`, so the exception is at hand."""
    exc = sys.exc_info()[1]
    if not isinstance(exc, OperationalError | InterfaceError):
        response: HttpResponse = defaults.server_error(request)
        return response
    logger.warning("database unavailable: %s", type(exc).__name__)
    if "application/json" in request.headers.get("Accept", "") or request.content_type == (
        "application/json"
    ):
        answer: HttpResponse = JsonResponse({"unavailable": DATABASE_DOWN}, status=503)
    else:
        body = render_to_string("503.html", {"message": DATABASE_DOWN})
        answer = HttpResponseServerError(body, status=503)
    answer["Retry-After"] = "30"
    return answer
