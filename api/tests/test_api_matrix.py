"""Every endpoint of the API, asked with every kind of token.

The endpoints come from the URL configuration (namespace `api`), so a new endpoint without a
row here fails `test_every_endpoint_has_a_row`. The access rules are the pages' (the same
functions of organizations/access.py): another organization's objects are 404, drafts are
their organization's alone, the dashboard is staff's; a read-only token never writes.
"""

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter

from api.models import AccessToken
from api.tests.factories import token
from assessments.models import Answer, Assessment
from assessments.services import assignment_set
from assessments.tests.factories import open_cycle, started, submitted
from reports.models import Report
from tests.cast import Cast

pytestmark = pytest.mark.django_db

# Who asks: no token, lead A's revoked and expired tokens, then people with read-and-write
# tokens, except lead_a_read (lead A's read-only token).
WHO = (
    "none", "revoked", "expired", "viewer_a", "contributor_a", "lead_a_read", "lead_a", "lead_b",
    "staff",
)  # fmt: skip


def _header(cast: Cast, who: str) -> dict[str, str]:
    if who == "none":
        return {}
    if who in ("revoked", "expired"):
        value = token(cast.lead_a, revoked=who == "revoked", expired=who == "expired")
    elif who == "lead_a_read":
        value = token(cast.lead_a, scope=AccessToken.Scope.READ)
    else:
        value = token(getattr(cast, who))
    return {"HTTP_AUTHORIZATION": value}


# --- The data each row asks about ---------------------------------------------------------------


def _draft_a(c: Cast) -> Assessment:
    """Organization A's draft (once per test), c1 assigned to its contributor."""
    existing: Assessment | None = getattr(c, "_api_draft_a", None)
    if existing is None:
        existing = started(organization=c.org_a, by=c.staff)
        c1 = existing.cycle.rubric.commitments.get(code="c1")
        assignment_set(
            assessment=existing, commitment=c1, membership=c.contributor_a_membership, by=c.lead_a
        )
        c._api_draft_a = existing
    return existing


def _submitted_a(c: Cast) -> Assessment:
    existing: Assessment | None = getattr(c, "_api_submitted_a", None)
    if existing is None:
        existing = submitted(organization=c.org_a, by=c.lead_a)
        c._api_submitted_a = existing
    return existing


def _first_c1_answer(c: Cast) -> Answer:
    return (
        Answer.objects.filter(assessment=_draft_a(c), criterion__commitment__code="c1")
        .order_by("criterion__order")
        .first()
    )


def _ready_report(c: Cast) -> Report:
    report = Report.objects.create(
        kind=Report.Kind.MATURITY, assessment=_submitted_a(c), fingerprint="api-matrix",
        status=Report.Status.READY, progress=100,
    )  # fmt: skip
    report.pdf_file.save("report.pdf", ContentFile(b"%PDF-1.4 api matrix"), save=True)
    return report


def _none(c: Cast) -> dict[str, Any]:
    return {}


def _rubric(c: Cast) -> dict[str, Any]:
    return {"version": _draft_a(c).cycle.rubric.version}


def _draft(c: Cast) -> dict[str, Any]:
    return {"pk": _draft_a(c).pk}


def _answer(c: Cast) -> dict[str, Any]:
    return {"pk": _draft_a(c).pk, "answer_pk": _first_c1_answer(c).pk}


def _answer_change(c: Cast) -> dict[str, Any]:
    return {"version": _first_c1_answer(c).version, "level": 2}


def _submitted(c: Cast) -> dict[str, Any]:
    return {"pk": _submitted_a(c).pk}


def _report(c: Cast) -> dict[str, Any]:
    return {"pk": _ready_report(c).pk}


def _report_pdf(c: Cast) -> dict[str, Any]:
    return {"pk": _ready_report(c).pk, "fmt": "pdf"}


def _a_cycle(c: Cast) -> dict[str, Any]:
    open_cycle(by=c.staff)
    return {}


Row = tuple[Callable[[Cast], dict[str, Any]], Callable[[Cast], dict[str, Any]], dict[str, tuple]]

# Answers in the order of WHO.
OPEN = (200,) * len(WHO)  # no organization's data, no token needed
READ_ANY = (401, 401, 401, 200, 200, 200, 200, 200, 200)  # any live token
NO_WRITE = (401, 401, 401, 405, 405, 403, 405, 405, 405)  # read-only refused before the method
DRAFT_READ = (401, 401, 401, 200, 200, 200, 200, 404, 404)  # A's draft: A's members only
SUBMITTED_READ = (401, 401, 401, 200, 200, 200, 200, 404, 200)  # staff read it once submitted

# endpoint: (url kwargs, PATCH body, {method: answers in the order of WHO})
MATRIX: dict[str, Row] = {
    "api:schema": (_none, _none, {"GET": OPEN, "PATCH": (405,) * len(WHO)}),
    "api:docs": (_none, _none, {"GET": OPEN, "PATCH": (405,) * len(WHO)}),
    "api:rubrics": (_none, _none, {"GET": READ_ANY, "PATCH": NO_WRITE}),
    "api:rubric": (_rubric, _none, {"GET": READ_ANY, "PATCH": NO_WRITE}),
    # Each person's own list (lead_b's is B's; staff's every submitted one).
    "api:assessments": (_none, _none, {"GET": READ_ANY, "PATCH": NO_WRITE}),
    "api:assessment": (_draft, _none, {"GET": DRAFT_READ, "PATCH": NO_WRITE}),
    "api:answers": (_draft, _none, {"GET": DRAFT_READ, "PATCH": NO_WRITE}),
    # The page's rule: A's lead, and its contributor on the assigned c1; viewers 403; a read-only
    # token 403; lead_b and staff (a draft) 404.
    "api:answer": (
        _answer,
        _answer_change,
        {"GET": DRAFT_READ, "PATCH": (401, 401, 401, 403, 200, 403, 200, 404, 404)},
    ),
    "api:action_items": (_draft, _none, {"GET": DRAFT_READ, "PATCH": NO_WRITE}),
    "api:reports": (_submitted, _none, {"GET": SUBMITTED_READ, "PATCH": NO_WRITE}),
    "api:report": (_report, _none, {"GET": SUBMITTED_READ, "PATCH": NO_WRITE}),
    "api:report_file": (_report_pdf, _none, {"GET": SUBMITTED_READ, "PATCH": NO_WRITE}),
    # The consortium's figures: staff only, 404 to everyone else (as the dashboard page).
    "api:dashboard": (
        _a_cycle,
        _none,
        {"GET": (401, 401, 401, 404, 404, 404, 404, 404, 200), "PATCH": NO_WRITE},
    ),
}


def _api_patterns(patterns: list[Any], namespace: str = "") -> dict[str, URLPattern]:
    found: dict[str, URLPattern] = {}
    for p in patterns:
        if isinstance(p, URLResolver):
            found |= _api_patterns(p.url_patterns, p.namespace or namespace)
        elif isinstance(p, URLPattern) and namespace == "api":
            found[f"api:{p.name}"] = p
    return found


ENDPOINTS = _api_patterns(get_resolver().url_patterns)


def test_every_endpoint_has_a_row() -> None:
    assert "api:answers" in ENDPOINTS
    missing = set(ENDPOINTS) - set(MATRIX)
    assert not missing, f"API endpoints without a row in the matrix: {sorted(missing)}"
    assert not set(MATRIX) - set(ENDPOINTS), "rows for endpoints that no longer exist"


def _ask(client: Client, cast: Cast, endpoint: str, method: str, who: str) -> Any:
    url_kwargs, body, _ = MATRIX[endpoint]
    url = reverse(endpoint, kwargs=url_kwargs(cast))
    headers = _header(cast, who)
    if method == "GET":
        return client.get(url, **headers)
    return client.patch(url, body(cast), content_type="application/json", **headers)


@pytest.mark.parametrize(
    ("endpoint", "method", "who_index"),
    [
        pytest.param(endpoint, method, i, id=f"{endpoint}-{method}-{who}")
        for endpoint, (_, _, answers) in MATRIX.items()
        for method in answers
        for i, who in enumerate(WHO)
    ],
)
def test_each_token_gets_the_designed_answer_never_stored_by_a_cache(
    client: Client, cast: Cast, endpoint: str, method: str, who_index: int
) -> None:
    response = _ask(client, cast, endpoint, method, WHO[who_index])
    expected = MATRIX[endpoint][2][method][who_index]
    assert response.status_code == expected, (
        f"{WHO[who_index]} {method} {endpoint}: {response.status_code}, designed {expected}"
    )
    cache_control = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    assert {"private", "no-store"} <= cache_control, f"{endpoint}: {cache_control}"


def test_another_organization_s_answer_under_one_s_own_assessment_is_404(
    client: Client, cast: Cast
) -> None:
    theirs = started(organization=cast.org_b, by=cast.lead_b, cycle=_draft_a(cast).cycle)
    their_answer = theirs.answers.order_by("id").first()
    url = reverse("api:answer", args=[_draft_a(cast).pk, their_answer.pk])
    headers = _header(cast, "lead_a")
    assert client.get(url, **headers).status_code == 404
    body = {"version": their_answer.version, "level": 1}
    response = client.patch(url, body, content_type="application/json", **headers)
    assert response.status_code == 404
    their_answer.refresh_from_db()
    assert their_answer.level is None


def _int_kwargs() -> dict[str, set[str]]:
    found = {}
    for name, p in ENDPOINTS.items():
        converters = getattr(p.pattern, "converters", {})
        ints = {k for k, c in converters.items() if isinstance(c, IntConverter)}
        if ints:
            found[name] = ints
    return found


@pytest.mark.parametrize(("endpoint", "names"), sorted(_int_kwargs().items()))
def test_an_id_beyond_any_row_is_404_never_500(
    client: Client, cast: Cast, endpoint: str, names: set[str]
) -> None:
    url_kwargs, body, _ = MATRIX[endpoint]
    real = url_kwargs(cast)
    client.raise_request_exception = False
    for who in ("lead_a", "staff"):
        headers = _header(cast, who)
        for name in names:
            url = reverse(endpoint, kwargs={**real, name: 2**64})
            for response in (
                client.get(url, **headers),
                client.patch(url, body(cast), content_type="application/json", **headers),
            ):
                assert response.status_code in (404, 405), f"{url}: {response.status_code}"
