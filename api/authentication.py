"""`Authorization: Bearer <token>` for the API; a session cookie does not reach it."""

import logging
from typing import Any

from redis.exceptions import RedisError
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from .models import AccessToken
from .services import TokenRefused, token_authenticate

logger = logging.getLogger(__name__)


class BearerTokenAuthentication(BaseAuthentication):
    """A personal access token stands for its person; unknown, revoked or expired ones are
    refused with 401. Without the header the request is anonymous (401 from IsAuthenticated,
    with this scheme's challenge)."""

    keyword = b"bearer"

    def authenticate(self, request: Request) -> tuple[Any, AccessToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2:
            raise AuthenticationFailed("Send the header as: Authorization: Bearer <token>.")
        try:
            token = token_authenticate(raw=parts[1].decode("ascii"))
        except (TokenRefused, UnicodeDecodeError) as e:
            raise AuthenticationFailed(str(e) or "Invalid token.") from e
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


class TokenScope(BasePermission):
    """A read-only token reads; writing needs a read-and-write token (403 otherwise)."""

    message = "This token is read-only: make a read-and-write token to change answers."

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in SAFE_METHODS:
            return True
        token = request.auth
        return isinstance(token, AccessToken) and token.may_write


class TokenRateThrottle(SimpleRateThrottle):
    """Requests per token (API_RATE_LIMIT), counted in the shared cache so that every web
    process sees the same count; a tool that loops too fast gets 429 with Retry-After."""

    scope = "token"

    def allow_request(self, request: Request, view: Any) -> bool:
        # Redis down: the API still answers, unlimited for the while, rather than 500 (the
        # limit protects the site from a runaway tool, not data from a person).
        try:
            return bool(super().allow_request(request, view))
        except RedisError:
            logger.warning("API rate limit not counted: the cache does not answer")
            return True

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        token = request.auth
        if not isinstance(token, AccessToken):
            return None  # not signed in with a token: refused before this counts
        # The random prefix, not the row id: ids come again after a database is rebuilt (a test
        # run, a restore) while the counts of the last hour may still be in Redis.
        return self.cache_format % {"scope": self.scope, "ident": token.prefix}
