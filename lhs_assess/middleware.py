"""Headers every answer of the application carries."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control, patch_vary_headers

NO_STORE = "private, no-store"


class NoStoreMiddleware:
    """No browser or proxy keeps what the site answers: a shared computer on a ward, or a
    hospital's caching proxy, must not hand one person's candid assessment to the next.

    Every page, download and JSON answer of the application is marked `private, no-store`;
    static files never reach here (WhiteNoise answers them earlier, with their own long cache).
    Public pages (sign-in, the invitation page) carry a CSRF token or an organization's name,
    so they are not stored either.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # Merged with what a view set (never_cache's no-cache stays); "private" drops "public".
        patch_cache_control(response, private=True, no_store=True)
        patch_vary_headers(response, ["Cookie"])
        return response
