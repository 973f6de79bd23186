"""The API against its own published OpenAPI schema: generated requests (schemathesis, on
Hypothesis) through the WSGI application, inside the test's database transaction; every answer
must be a non-5xx that the schema describes (status, headers, content type, body).

Bounded: a few examples per operation, so the whole run takes seconds. Path ids are replaced by
real ones of the token's person, so the operations answer their 200s as well as their refusals
(unknown ids are the permission matrix's business); query strings and bodies are generated.
"""

from typing import Any

import pytest
import schemathesis
from django.core.files.base import ContentFile
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from api.tests.factories import token
from assessments.services import assignment_set
from assessments.tests.factories import evidence, started, submitted
from reports.models import Report
from tests.cast import Cast

pytestmark = pytest.mark.django_db

EXAMPLES = settings(
    max_examples=8,
    deadline=None,
    derandomize=True,  # the same requests on every run: a failure here is reproducible
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def world(cast: Cast) -> dict[str, Any]:
    draft = started(organization=cast.org_a, by=cast.lead_a)
    c1 = draft.cycle.rubric.commitments.get(code="c1")
    assignment_set(
        assessment=draft, commitment=c1, membership=cast.contributor_a_membership, by=cast.lead_a
    )
    answer = draft.answers.order_by("id").first()
    evidence(answer=answer, by=cast.lead_a)
    done = submitted(organization=cast.org_a, by=cast.lead_a)
    report = Report.objects.create(
        kind=Report.Kind.MATURITY, assessment=done, fingerprint="schemathesis",
        status=Report.Status.READY, progress=100,
    )  # fmt: skip
    report.pdf_file.save("report.pdf", ContentFile(b"%PDF-1.4 schemathesis"), save=True)
    return {
        "lead": token(cast.lead_a),
        "staff": token(cast.staff),
        "assessment": draft.pk,
        "answer": answer.pk,
        "report": report.pk,
        "version": draft.cycle.rubric.version,
    }


def _call(case: Any, world: dict[str, Any]) -> None:
    params = case.path_parameters or {}
    path = case.path
    if "id" in params:
        report = path.startswith("/api/v1/reports/")
        params["id"] = world["report"] if report else world["assessment"]
    if "answer_pk" in params:
        params["answer_pk"] = world["answer"]
    if "version" in params:
        params["version"] = world["version"]
    who = "staff" if path == "/api/v1/dashboard/" else "lead"
    # A change of an answer is also judged by rules across fields that OpenAPI cannot state
    # (a level or N/A, not both; N/A needs a reason; a link must be a real web address): a
    # schema-valid body may get 400 there, with the field named, and that is not a violation.
    # Every other check stays on, the body's 400 included (it must match the schema).
    excluded = [positive_data_acceptance] if case.method == "PATCH" else []
    # identity: the site gzips JSON for clients that ask, and the WSGI transport of schemathesis
    # hands the body over without decompressing it (an HTTP client would).
    case.call_and_validate(
        headers={"Authorization": world[who], "Accept-Encoding": "identity"},
        excluded_checks=excluded,
    )


def test_the_api_keeps_to_its_published_schema(world: dict[str, Any]) -> None:
    """Each operation in turn, in this one test: schemathesis's own pytest plugin reads node ids
    as pytest 9.2 no longer keeps them, and the schema needs the database, which collection
    may not use. A failing operation is named with the request that failed."""
    # As Django's test client does: a request's start and end must not close the test's
    # connection (its transaction holds the world above).
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    try:
        _run_every_operation(world)
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)


def _run_every_operation(world: dict[str, Any]) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", get_wsgi_application())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 12
    for operation in operations:

        @given(case=operation.as_strategy())
        @EXAMPLES
        def run(case: Any) -> None:
            _call(case, world)

        try:
            run()
        except Exception as e:
            raise AssertionError(f"{operation.label}: {e}") from e
