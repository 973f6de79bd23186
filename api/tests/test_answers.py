"""Answers through the API: read in rubric order, changed with the scoring page's version check
(409 with both versions on conflict), refused to read-only tokens, every write in the audit log."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from api.models import AccessToken
from api.tests.factories import token
from assessments.models import Answer, Assessment
from assessments.services import AnswerInput, answers_save
from assessments.tests.factories import evidence, move_dates, started
from organizations.models import AuditEvent
from tests.cast import Cast

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(cast: Cast) -> Assessment:
    return started(organization=cast.org_a, by=cast.lead_a)


def _first(assessment: Assessment) -> Answer:
    return assessment.answers.order_by("criterion__commitment__order", "criterion__order").first()


def _patch(client: Client, answer: Answer, header: str, body: dict[str, Any]) -> Any:
    url = reverse("api:answer", args=[answer.assessment_id, answer.pk])
    return client.patch(url, body, content_type="application/json", HTTP_AUTHORIZATION=header)


def test_the_answers_list_holds_every_answer_in_rubric_order_with_its_files(
    client: Client, cast: Cast, draft: Assessment
) -> None:
    first = _first(draft)
    evidence(answer=first, by=cast.lead_a, name="charter.pdf")
    url = reverse("api:answers", args=[draft.pk])
    body = client.get(url, HTTP_AUTHORIZATION=token(cast.viewer_a)).json()
    expected = list(
        draft.answers.order_by("criterion__commitment__order", "criterion__order").values_list(
            "criterion__code", flat=True
        )
    )
    assert [a["criterion"] for a in body] == expected
    assert body[0]["files"][0]["name"] == "charter.pdf"
    assert body[0]["version"] == first.version


def test_a_change_is_saved_with_a_new_version_and_audited_with_its_token(
    client: Client, cast: Cast, draft: Assessment
) -> None:
    answer = _first(draft)
    header = token(cast.lead_a)
    response = _patch(
        client, answer, header, {"version": answer.version, "level": 4, "evidence": "Minutes."}
    )
    assert response.status_code == 200, response.content
    answer.refresh_from_db()
    assert (answer.level, answer.evidence, answer.answered_by) == (4, "Minutes.", cast.lead_a)
    assert response.json()["version"] == answer.version == 1
    prefix = AccessToken.objects.get(user=cast.lead_a).prefix
    audit = AuditEvent.objects.get(action="api.write")
    assert audit.actor == cast.lead_a
    assert audit.organization == cast.org_a
    assert audit.detail["token"] == prefix
    assert audit.detail["method"] == "PATCH"
    assert AuditEvent.objects.filter(action="answer.save", target_id=str(draft.pk)).exists()


def test_fields_left_out_keep_their_stored_values(
    client: Client, cast: Cast, draft: Assessment
) -> None:
    answer = _first(draft)
    header = token(cast.lead_a)
    _patch(client, answer, header, {"version": 0, "level": 3, "notes": "Board reviewed."})
    response = _patch(client, answer, header, {"version": 1, "confidence": "high"})
    assert response.status_code == 200
    answer.refresh_from_db()
    assert (answer.level, answer.notes, answer.confidence) == (3, "Board reviewed.", "high")


def test_a_stale_version_is_409_with_both_versions_and_saves_nothing(
    client: Client, cast: Cast, draft: Assessment
) -> None:
    answer = _first(draft)
    seen = answer.version
    # Someone saves it on the scoring page meanwhile.
    answers_save(
        assessment=draft,
        answers={answer.pk: (seen, AnswerInput(2, False, "", "From the page.", [], "", ""))},
        by=cast.contributor_a,
    )
    response = _patch(client, answer, token(cast.lead_a), {"version": seen, "level": 5})
    assert response.status_code == 409
    body = response.json()
    assert body["your_version"] == seen
    assert body["current_version"] == seen + 1
    assert body["current"]["level"] == 2
    assert body["current"]["evidence"] == "From the page."
    assert body["current"]["answered_by"] == cast.contributor_a.email
    answer.refresh_from_db()
    assert answer.level == 2
    assert not AuditEvent.objects.filter(action="api.write").exists()


def test_a_read_only_token_cannot_write_even_for_the_lead(
    client: Client, cast: Cast, draft: Assessment
) -> None:
    answer = _first(draft)
    header = token(cast.lead_a, scope=AccessToken.Scope.READ)
    response = _patch(client, answer, header, {"version": answer.version, "level": 4})
    assert response.status_code == 403
    assert "read-only" in response.json()["detail"]
    answer.refresh_from_db()
    assert (answer.level, answer.version) == (None, 0)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"version": 0, "level": 7}, "level"),
        ({"version": 0, "level": "high"}, "level"),
        ({"level": 2}, "version"),
        ({"version": -1, "level": 2}, "version"),
        ({"version": 0, "not_applicable": True}, "na_reason"),
        ({"version": 0, "not_applicable": True, "na_reason": "x", "level": 2}, "level"),
        ({"version": 0, "evidence_links": ["not a link"]}, "evidence_links"),
        ({"version": 0, "evidence_links": "https://example.org"}, "evidence_links"),
        ({"version": 0, "notes": "x" * 10_001}, "notes"),
        ({"version": 0, "confidence": "certain"}, "confidence"),
    ],
)
def test_bad_input_is_400_naming_the_field_and_changes_nothing(
    client: Client, cast: Cast, draft: Assessment, body: dict[str, Any], field: str
) -> None:
    answer = _first(draft)
    response = _patch(client, answer, token(cast.lead_a), body)
    assert response.status_code == 400, response.content
    assert field in response.json()
    answer.refresh_from_db()
    assert answer.version == 0


def test_a_body_that_is_not_json_is_400(client: Client, cast: Cast, draft: Assessment) -> None:
    answer = _first(draft)
    url = reverse("api:answer", args=[draft.pk, answer.pk])
    response = client.generic(
        "PATCH", url, b"{level: 2", content_type="application/json",
        HTTP_AUTHORIZATION=token(cast.lead_a),
    )  # fmt: skip
    assert response.status_code == 400


def test_a_contributor_writes_only_the_commitments_assigned_to_them(
    client: Client, cast: Cast, draft: Assessment
) -> None:
    c2_answer = draft.answers.filter(criterion__commitment__code="c2").first()
    response = _patch(client, c2_answer, token(cast.contributor_a), {"version": 0, "level": 2})
    assert response.status_code == 403


def test_a_closed_cycle_refuses_writes_with_403(client: Client, cast: Cast) -> None:
    closed = started(organization=cast.org_a, by=cast.lead_a)
    move_dates(closed.cycle, by=cast.staff, closes_in=-1)
    response = _patch(client, _first(closed), token(cast.lead_a), {"version": 0, "level": 2})
    assert response.status_code == 403


def test_the_answers_list_runs_the_same_queries_however_many_answers_and_files(
    client: Client, cast: Cast, django_assert_num_queries: Any
) -> None:
    small = started(organization=cast.org_a, by=cast.lead_a, criteria=3)
    large = started(organization=cast.org_b, by=cast.lead_b, criteria=5)
    for answer in large.answers.all()[:6]:
        evidence(answer=answer, by=cast.lead_b)
        evidence(answer=answer, by=cast.lead_b, name="plan.pdf")
    header_a, header_b = token(cast.lead_a), token(cast.lead_b)
    client.get(reverse("api:rubrics"), HTTP_AUTHORIZATION=header_a)  # last use noted once
    client.get(reverse("api:rubrics"), HTTP_AUTHORIZATION=header_b)
    # token with its person, the person's permissions (user and group: staff or not), the
    # assessment with role and extension, its answers, their files.
    with django_assert_num_queries(6):
        client.get(reverse("api:answers", args=[small.pk]), HTTP_AUTHORIZATION=header_a)
    with django_assert_num_queries(6):
        response = client.get(reverse("api:answers", args=[large.pk]), HTTP_AUTHORIZATION=header_b)
    assert len(response.json()) == 10
    assert sum(len(a["files"]) for a in response.json()) == 12
