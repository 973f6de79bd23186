"""The published OpenAPI schema and the page that presents it.

Neither holds any organization's data (the schema describes the API, it lists nothing), so
both are open without a token: a developer reads them before making one.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from drf_spectacular.views import SpectacularAPIView
from rest_framework.permissions import AllowAny


class Schema(SpectacularAPIView):
    """OpenAPI 3 as JSON (?format=yaml for YAML)."""

    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_classes = ()


@require_GET
def docs(request: HttpRequest) -> HttpResponse:
    """Swagger UI from our own static files (drf-spectacular-sidecar), started by our own script
    file: the site's CSP (scripts from 'self' only, no inline script, no eval) holds unchanged."""
    return render(request, "api/docs.html")
