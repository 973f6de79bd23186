"""Writes of the API: tokens made, used and revoked; answers saved through the API."""

import hashlib
import hmac
import secrets
import string
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from assessments.models import Answer, Assessment
from assessments.services import AnswerInput, answers_save
from organizations.models import User
from organizations.services import audit_log

from .models import AccessToken
from .selectors import token_by_prefix

# Tokens read lhs_<prefix>_<secret>: recognisable by secret scanners. Not a secret itself.
TOKEN_MARK = "lhs"  # noqa: S105
PREFIX_LENGTH = 10
EXPIRY_DAYS = (7, 30, 90, 365)
# last_used_at is written at most this often per token, not on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)
_PREFIX_ALPHABET = string.ascii_lowercase + string.digits


class TokenRefused(Exception):
    """The presented token is unknown, malformed, revoked or expired (401)."""


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def token_create(*, user: User, name: str, scope: str, days: int) -> tuple[AccessToken, str]:
    """Make a token for `user`; returns the row and the secret, which is never stored."""
    if scope not in AccessToken.Scope.values:
        raise ValueError(f"unknown scope {scope!r}")
    if days not in EXPIRY_DAYS:
        raise ValueError(f"expiry of {days} days is not offered")
    prefix = "".join(secrets.choice(_PREFIX_ALPHABET) for _ in range(PREFIX_LENGTH))
    raw = f"{TOKEN_MARK}_{prefix}_{secrets.token_urlsafe(32)}"
    token = AccessToken.objects.create(
        user=user,
        name=name.strip(),
        prefix=prefix,
        digest=_digest(raw),
        scope=scope,
        expires_at=timezone.now() + timedelta(days=days),
    )
    audit_log(
        action="api.token.create",
        actor=user,
        target=token,
        detail={"prefix": prefix, "scope": scope, "days": days},
    )
    return token, raw


@transaction.atomic
def token_revoke(*, token: AccessToken, by: User) -> AccessToken:
    """Revoke a token from now on (kept, so its last use stays on record)."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_log(
            action="api.token.revoke", actor=by, target=token, detail={"prefix": token.prefix}
        )
    return token


def token_authenticate(*, raw: str) -> AccessToken:
    """The live token `raw` stands for, its last use noted; TokenRefused otherwise."""
    mark, _, rest = raw.partition("_")
    prefix, _, secret = rest.partition("_")
    if mark != TOKEN_MARK or len(prefix) != PREFIX_LENGTH or not secret:
        raise TokenRefused("Malformed token.")
    token = token_by_prefix(prefix=prefix)
    # Compared even when no row matched, so an unknown prefix takes the same time.
    expected = token.digest if token is not None else _digest("")
    if not hmac.compare_digest(expected, _digest(raw)) or token is None:
        raise TokenRefused("Invalid token.")
    refusal = token.refusal()
    if refusal is not None:
        raise TokenRefused(refusal)
    if not token.user.is_active:
        raise TokenRefused("The token's account is deactivated.")
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        AccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


_ANSWER_FIELDS = (
    "level", "not_applicable", "na_reason", "evidence", "evidence_links", "notes", "confidence",
    "change_reason",
)  # fmt: skip


def answer_input_merged(*, answer: Answer, changes: Mapping[str, Any]) -> AnswerInput:
    """The answer as stored, with the fields the client sent replacing their stored values."""
    stored: dict[str, Any] = {name: getattr(answer, name) for name in _ANSWER_FIELDS}
    stored["change_reason"] = ""  # a reason belongs to one change, not to the next
    stored.update({k: v for k, v in changes.items() if k in _ANSWER_FIELDS})
    return AnswerInput(
        level=stored["level"],
        not_applicable=bool(stored["not_applicable"]),
        na_reason=stored["na_reason"] or "",
        evidence=stored["evidence"] or "",
        evidence_links=list(stored["evidence_links"] or []),
        notes=stored["notes"] or "",
        confidence=stored["confidence"] or "",
        change_reason=stored["change_reason"] or "",
    )


@transaction.atomic
def api_answer_save(
    *,
    assessment: Assessment,
    answer: Answer,
    version: int,
    changes: Mapping[str, Any],
    by: User,
    token: AccessToken,
    request: HttpRequest,
) -> Answer | None:
    """Save one answer through the API with the page's version check (answers_save: raises
    StaleAnswerError on a stale version, ValidationError on bad input); the saved answer, or
    None when nothing changed. The API's own audit row names the token, beside the one
    answers_save writes, in the same transaction."""
    data = answer_input_merged(answer=answer, changes=changes)
    saved = answers_save(assessment=assessment, answers={answer.pk: (version, data)}, by=by)
    audit_log(
        action="api.write",
        actor=by,
        target=answer,
        organization=assessment.organization,
        request=request,
        detail={
            "token": token.prefix,
            "method": request.method,
            "path": request.path,
            "changed": bool(saved),
        },
    )
    return saved[0] if saved else None
