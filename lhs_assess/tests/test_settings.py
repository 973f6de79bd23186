"""Production settings refuse to start unsafe, and pass Django's deployment checks when set."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str, extra_env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL", "CELERY_"))
    }
    env.update(extra_env)
    env["DJANGO_SETTINGS_MODULE"] = "lhs_assess.settings.production"
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


PRODUCTION_ENV = {
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
    "DJANGO_ALLOWED_HOSTS": "assess.example.org",
    "DATABASE_URL": "postgres://lhs:pw@db.internal:5432/lhs",
    "REDIS_URL": "redis://redis.internal:6379/0",
}


def test_production_refuses_to_start_without_a_secret_key() -> None:
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "DJANGO_SECRET_KEY"}
    result = _run("check", extra_env=env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts() -> None:
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "DJANGO_ALLOWED_HOSTS"}
    result = _run("check", extra_env=env)
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS is not set" in result.stderr


def test_production_refuses_a_wildcard_host() -> None:
    result = _run("check", extra_env={**PRODUCTION_ENV, "DJANGO_ALLOWED_HOSTS": "*"})
    assert result.returncode != 0
    assert "'*' is refused" in result.stderr


def test_production_passes_check_deploy_without_a_single_warning() -> None:
    result = _run("check", "--deploy", "--fail-level", "WARNING", extra_env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_sends_hsts_for_a_year_with_subdomains_and_secure_cookies() -> None:
    code = (
        "from django.conf import settings as s;"
        "print(s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_SSL_REDIRECT,"
        " s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.DEBUG)"
    )
    result = _run("shell", "-c", code, extra_env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    last_line = result.stdout.strip().splitlines()[-1]
    hsts, subdomains, redirect, session_secure, csrf_secure, debug = last_line.split()
    assert int(hsts) >= 31536000
    assert (subdomains, redirect, session_secure, csrf_secure, debug) == (
        "True", "True", "True", "True", "False",
    )  # fmt: skip
