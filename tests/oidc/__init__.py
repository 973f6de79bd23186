"""A real OpenID Connect provider for the single sign-on tests: provider.mjs (the oidc-provider
package under Node) started on loopback, with one client per organization and a file of
accounts a test may rewrite while it runs (to deactivate someone at the provider)."""

import json
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests
from django.urls import reverse

from conftest import _unavailable  # skip, or fail where REQUIRE_SERVICES promised them
from organizations.models import IdentityProvider, Membership, SignInDomain
from organizations.sso import secret_encrypt
from organizations.tests.factories import OrganizationFactory

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).resolve().parent / "provider.mjs"
NODE = shutil.which("node")
# One client per organization, registered at the provider as an organization's admin would.
CLIENTS = {"alpha-health": ("alpha-client", "alpha-secret"), "beta-care": ("beta-client", "b-s")}
ACCOUNTS: dict[str, dict[str, Any]] = {
    "alice@alpha.test": {"name": "Alice", "amr": ["pwd"]},
    "bob@beta.test": {"name": "Bob", "amr": ["pwd"]},
    "carol@beta.test": {"name": "Carol", "amr": ["pwd"]},
    "gone@alpha.test": {"name": "Gone", "active": False},
    "staff@alpha.test": {"name": "Staff", "amr": ["pwd"]},
    "strong@alpha.test": {"name": "Strong", "amr": ["pwd", "mfa"], "acr": "urn:test:mfa"},
    # A provider asserting an address outside its own domains.
    "mallory@beta.test": {"name": "Mallory", "email": "pat@elsewhere.test"},
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def running_provider(site_url: str, folder: Path) -> Iterator[dict[str, Any]]:
    """The provider process for a site at `site_url`: its issuer URL and its accounts file."""
    if NODE is None:
        _unavailable("node is not installed: no OpenID Connect provider to test against.")
    if not (ROOT / "node_modules" / "oidc-provider").exists():
        _unavailable("oidc-provider is not installed (make install runs npm ci).")
    assert NODE is not None
    accounts = folder / "accounts.json"
    accounts.write_text(json.dumps(ACCOUNTS))
    port = _free_port()
    clients = [
        {
            "client_id": client_id,
            "client_secret": secret,
            "redirect_uris": [
                site_url
                + reverse("openid_connect_callback", kwargs={"provider_id": f"oidc-{slug}"})
            ],
        }
        for slug, (client_id, secret) in CLIENTS.items()
    ]
    env = {
        **os.environ,
        "OIDC_PORT": str(port),
        "OIDC_CLIENTS": json.dumps(clients),
        "OIDC_ACCOUNTS_FILE": str(accounts),
    }
    process = subprocess.Popen(
        [NODE, str(SCRIPT)], env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    issuer = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                requests.get(f"{issuer}/.well-known/openid-configuration", timeout=1)
                break
            except requests.ConnectionError:
                if process.poll() is not None:
                    stderr = process.stderr.read() if process.stderr else b""
                    pytest.fail(f"the provider stopped: {stderr!r}")
                time.sleep(0.1)
        yield {"issuer": issuer, "accounts": accounts}
    finally:
        process.terminate()
        process.wait(timeout=10)


def make_provider(issuer: str, slug: str, domains: list[str], **fields: Any) -> IdentityProvider:
    """An organization named for `slug` whose provider is the test provider at `issuer`."""
    client_id, secret = CLIENTS[slug]
    organization = OrganizationFactory(slug=slug, name=slug.replace("-", " ").title())
    provider = IdentityProvider.objects.create(
        organization=organization,
        name=f"{organization.name} sign-in",
        issuer_url=issuer,
        client_id=client_id,
        client_secret_encrypted=secret_encrypt(secret),
        **fields,
    )
    for domain in domains:
        SignInDomain.objects.create(provider=provider, domain=domain)
    return provider


def make_alpha(issuer: str) -> IdentityProvider:
    """Alpha Health admits anyone of alpha.test, as contributors, and trusts its MFA."""
    return make_provider(
        issuer,
        "alpha-health",
        ["alpha.test"],
        admission=IdentityProvider.Admission.DOMAIN,
        default_role=Membership.Role.CONTRIBUTOR,
        accept_provider_mfa=True,
    )


def make_beta(issuer: str) -> IdentityProvider:
    """Beta Care admits only people it invited, and does not accept its provider's MFA."""
    return make_provider(issuer, "beta-care", ["beta.test"])
