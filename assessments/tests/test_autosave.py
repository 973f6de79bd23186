"""The scoring page's own endpoints: one criterion saved at a time, files on their own,
keeping carried-forward answers in one step, and the page's navigator."""

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from assessments.models import Answer, Assessment, EvidenceFile, Thread
from assessments.selectors import assessment_navigator
from assessments.services import assessment_start, assignment_set, comment_add, thread_resolve
from assessments.tests.factories import evidence, open_cycle, started, submitted
from organizations.models import AuditEvent
from tests.cast import Cast

pytestmark = pytest.mark.django_db


@pytest.fixture
def carried(cast: Cast) -> Assessment:
    """A's 2026 draft carried forward from its submitted 2025: every criterion at level 3,
    with 2025's evidence and notes."""
    first = open_cycle(by=cast.staff, name="2025")
    submitted(
        organization=cast.org_a,
        cycle=first,
        by=cast.lead_a,
        evidence="Board minutes 2025",
        notes="Why we chose 3 in 2025",
    )
    second = open_cycle(by=cast.staff, rubric=first.rubric, name="2026")
    return assessment_start(
        organization=cast.org_a, cycle=second, by=cast.lead_a, carry_forward=True
    )


def _row(a: Assessment, code: str) -> Answer:
    return Answer.objects.select_related("criterion").get(assessment=a, criterion__code=code)


def _autosave(client: Client, a: Assessment, code: str, **fields: Any) -> Any:
    row = _row(a, code)
    body = {"version": row.version, **fields}
    return client.post(
        reverse("assessments:answer_autosave", args=[a.pk, row.pk]),
        json.dumps(body),
        content_type="application/json",
        headers={"accept": "application/json"},
    )


def _commitment_url(a: Assessment, code: str = "c1") -> str:
    return reverse("assessments:commitment", args=[a.pk, code])


# --- One criterion at a time ---------------------------------------------------------------------


def test_autosave_stores_one_criterion_and_leaves_the_others_alone(
    client: Client, cast: Cast, draft: Assessment
) -> None:
    client.force_login(cast.lead_a)
    untouched = _row(draft, "c1-2")
    response = _autosave(client, draft, "c1-1", level="4", notes="Reviewed with the board")
    assert response.status_code == 200
    data = response.json()
    assert data["saved"] is True
    assert data["version"] == 1
    assert data["state"] == "answered"
    assert data["words"] == "level 4"
    assert len(data["saved_at"]) == 5  # "14:02"
    stored = _row(draft, "c1-1")
    assert (stored.level, stored.notes, stored.version) == (4, "Reviewed with the board", 1)
    again = _row(draft, "c1-2")
    assert (again.version, again.updated_at) == (untouched.version, untouched.updated_at)


def test_autosave_with_a_stale_version_returns_the_stored_one_and_saves_nothing(
    client: Client, cast: Cast, draft: Assessment
) -> None:
    client.force_login(cast.lead_a)
    row = _row(draft, "c1-1")
    assert _autosave(client, draft, "c1-1", level="2", evidence="Theirs").status_code == 200
    mine = client.post(
        reverse("assessments:answer_autosave", args=[draft.pk, row.pk]),
        json.dumps({"version": row.version, "level": "5", "evidence": "Mine"}),
        content_type="application/json",
    )
    assert mine.status_code == 409
    conflict = mine.json()["conflict"]
    assert conflict["evidence"] == "Theirs"
    assert conflict["level"] == "2"
    assert conflict["by"] == cast.lead_a.email
    assert conflict["version"] == 1
    assert _row(draft, "c1-1").evidence == "Theirs"
    # Saving again from the version now stored replaces theirs on purpose.
    over = client.post(
        reverse("assessments:answer_autosave", args=[draft.pk, row.pk]),
        json.dumps({"version": 1, "level": "5", "evidence": "Mine"}),
        content_type="application/json",
    )
    assert over.status_code == 200
    assert _row(draft, "c1-1").evidence == "Mine"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"level": "na"}, "na_reason"),
        ({"level": "9"}, "level"),
        ({"evidence_links": "not a link at all"}, "evidence_links"),
        ({"confidence": "sure"}, "confidence"),
    ],
)
def test_autosave_refuses_bad_input_naming_the_field_and_saves_nothing(
    client: Client, cast: Cast, draft: Assessment, fields: dict[str, str], field: str
) -> None:
    client.force_login(cast.lead_a)
    response = _autosave(client, draft, "c1-1", notes="kept?", **fields)
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert _row(draft, "c1-1").version == 0


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b'"text"', b'{"version": "x"}', b""])
def test_autosave_survives_a_body_that_is_not_an_answer(
    client: Client, cast: Cast, draft: Assessment, body: bytes
) -> None:
    client.force_login(cast.lead_a)
    row = _row(draft, "c1-1")
    response = client.post(
        reverse("assessments:answer_autosave", args=[draft.pk, row.pk]),
        body,
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "version" in response.json()["errors"]


def test_autosave_understands_a_link_typed_without_https(
    client: Client, cast: Cast, draft: Assessment
) -> None:
    client.force_login(cast.lead_a)
    response = _autosave(
        client, draft, "c1-1", evidence_links="www.example.org/policy\nhttp://intranet.example.org"
    )
    assert response.status_code == 200
    assert _row(draft, "c1-1").evidence_links == [
        "https://www.example.org/policy",
        "http://intranet.example.org",
    ]


def test_autosave_of_another_organizations_answer_is_not_found(
    client: Client, cast: Cast, draft: Assessment
) -> None:
    other = started(organization=cast.org_b, by=cast.staff)
    row = other.answers.first()
    client.force_login(cast.lead_a)
    # A's assessment in the URL, B's answer id: the lookup is scoped to A's answers.
    response = client.post(
        reverse("assessments:answer_autosave", args=[draft.pk, row.pk]),
        json.dumps({"version": 0, "level": "1"}),
        content_type="application/json",
    )
    assert response.status_code == 404
    assert Answer.objects.get(pk=row.pk).level is None


def test_a_contributor_autosaves_the_assigned_commitment_only(
    client: Client, cast: Cast, draft: Assessment
) -> None:
    client.force_login(cast.contributor_a)
    assert _autosave(client, draft, "c1-1", level="3").status_code == 200
    assert _autosave(client, draft, "c2-1", level="3").status_code == 403
    assert _row(draft, "c2-1").level is None


@pytest.mark.parametrize("organizations", [2, 40])
def test_autosave_queries_do_not_grow(
    client: Client,
    cast: Cast,
    draft: Assessment,
    django_assert_num_queries: Any,
    organizations: int,
) -> None:
    for _ in range(organizations):
        started(organization=cast.org_b, by=cast.staff)  # more cycles, answers and history
    client.force_login(cast.lead_a)
    _autosave(client, draft, "c1-1", level="1")  # the session's first touch
    # session, user, the assessment with the person's role, assignments, the answer, whether
    # the cycle's close is extended (once for the page's rights, once under the lock), lock the
    # assessment, lock the answer, update, history row, audit row (plus savepoints)
    with django_assert_num_queries(17):
        assert _autosave(client, draft, "c1-1", level="2").status_code == 200


# --- Files on their own --------------------------------------------------------------------------


def _upload(client: Client, a: Assessment, code: str, name: str, content: bytes) -> Any:
    row = _row(a, code)
    return client.post(
        reverse("assessments:evidence_upload", args=[a.pk, row.pk]),
        {"file": SimpleUploadedFile(name, content)},
        headers={"accept": "application/json"},
    )


def test_a_file_uploads_on_its_own_and_is_listed(
    client: Client, cast: Cast, draft: Assessment
) -> None:
    client.force_login(cast.lead_a)
    response = _upload(client, draft, "c1-1", "minutes.pdf", b"%PDF-1.4 board")
    assert response.status_code == 201
    stored = EvidenceFile.objects.get(answer__assessment=draft)
    assert response.json()["download"] == reverse(
        "assessments:evidence_download", args=[draft.pk, stored.pk]
    )
    assert "minutes.pdf" in client.get(_commitment_url(draft)).content.decode()


def test_a_refused_file_says_why_and_stores_nothing(
    client: Client, cast: Cast, draft: Assessment
) -> None:
    client.force_login(cast.lead_a)
    response = _upload(client, draft, "c1-1", "run.exe", b"MZ")
    assert response.status_code == 400
    assert "only" in response.json()["error"]
    assert not EvidenceFile.objects.filter(answer__assessment=draft).exists()


def test_a_page_refused_for_one_field_still_keeps_the_chosen_file(
    client: Client, cast: Cast, draft: Assessment
) -> None:
    """Without the script: the whole page is posted, one link is bad, the file is kept."""
    client.force_login(cast.lead_a)
    data: dict[str, Any] = {
        f"{r.criterion.code}-version": str(r.version)
        for r in Answer.objects.filter(
            assessment=draft, criterion__commitment__code="c1"
        ).select_related("criterion")
    }
    data["c1-1-evidence_links"] = "not a link"
    data["c1-2-file"] = SimpleUploadedFile("policy.pdf", b"%PDF-1.4 policy")
    response = client.post(_commitment_url(draft), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Kept policy.pdf" in html
    assert EvidenceFile.objects.get(answer__assessment=draft).original_name == "policy.pdf"
    assert _row(draft, "c1-1").evidence_links == []


def test_a_removed_file_leaves_the_page_but_stays_in_the_record(
    client: Client, cast: Cast, draft: Assessment
) -> None:
    stored = evidence(answer=_row(draft, "c1-1"), by=cast.lead_a, name="old-minutes.pdf")
    client.force_login(cast.contributor_a)
    url = reverse("assessments:evidence_remove", args=[draft.pk, stored.pk])
    response = client.post(url, headers={"accept": "application/json"})
    assert response.status_code == 200
    assert "old-minutes.pdf" not in client.get(_commitment_url(draft)).content.decode()
    stored.refresh_from_db()
    assert stored.removed_by == cast.contributor_a
    assert stored.file.storage.exists(stored.file.name)
    assert stored.history.count() == 2
    assert AuditEvent.objects.filter(action="evidence.remove", actor=cast.contributor_a).exists()


def test_a_file_of_another_commitment_is_not_removed_by_its_contributor(
    client: Client, cast: Cast, draft: Assessment
) -> None:
    stored = evidence(answer=_row(draft, "c2-1"), by=cast.lead_a)
    client.force_login(cast.contributor_a)
    url = reverse("assessments:evidence_remove", args=[draft.pk, stored.pk])
    assert client.post(url).status_code == 403
    stored.refresh_from_db()
    assert stored.removed_at is None


# --- Carried forward: confirm one, keep all, last cycle's words marked ----------------------------


def test_confirm_unchanged_from_the_page_keeps_what_was_typed_elsewhere(
    client: Client, cast: Cast, carried: Assessment
) -> None:
    """Changing c1-1 and pressing "Confirm unchanged" on c1-3 used to revert c1-1."""
    client.force_login(cast.lead_a)
    data = {
        f"{r.criterion.code}-{name}": value
        for r in Answer.objects.filter(
            assessment=carried, criterion__commitment__code="c1"
        ).select_related("criterion")
        for name, value in (
            ("version", str(r.version)),
            ("level", str(r.level)),
            ("evidence", r.evidence),
            ("notes", r.notes),
        )
    }
    data["c1-1-level"] = "5"
    data["confirm"] = str(_row(carried, "c1-3").pk)
    response = client.post(_commitment_url(carried), data, follow=True)
    assert "Confirmed C1-3 unchanged." in response.content.decode()
    first, third = _row(carried, "c1-1"), _row(carried, "c1-3")
    assert (first.level, first.carried_forward) == (5, False)
    assert (third.level, third.carried_forward) == (3, False)
    assert _row(carried, "c1-2").carried_forward


def test_keep_all_unchanged_lists_then_confirms_one_commitment_at_once(
    client: Client, cast: Cast, carried: Assessment
) -> None:
    client.force_login(cast.lead_a)
    url = reverse("assessments:keep", args=[carried.pk]) + "?commitment=c1"
    page = client.get(url).content.decode()
    for code in ("C1-1", "C1-2", "C1-3"):
        assert code in page
    assert "C2-1" not in page
    assert "Keep these 3 unchanged" in page
    response = client.post(
        reverse("assessments:keep", args=[carried.pk]),
        {"commitment": "c1", "expected": "3"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == _commitment_url(carried)
    assert "Kept 3 answers unchanged: C1-1, C1-2, C1-3." in response.content.decode()
    left = Answer.objects.filter(assessment=carried, carried_forward=True)
    assert sorted(left.values_list("criterion__code", flat=True)) == ["c2-1", "c2-2", "c2-3"]
    kept = _row(carried, "c1-1")
    assert (kept.level, kept.version, kept.answered_by) == (3, 1, cast.lead_a)
    assert kept.history.first().history_user == cast.lead_a
    audit = AuditEvent.objects.get(action="answer.keep")
    assert audit.detail["criteria"] == ["c1-1", "c1-2", "c1-3"]


def test_keep_all_refuses_when_the_list_changed_since_it_was_shown(
    client: Client, cast: Cast, carried: Assessment
) -> None:
    client.force_login(cast.lead_a)
    response = client.post(reverse("assessments:keep", args=[carried.pk]), {"expected": "5"})
    assert response.status_code == 400
    assert "6 are left now, not 5" in response.content.decode()
    assert Answer.objects.filter(assessment=carried, carried_forward=True).count() == 6


def test_keep_all_of_the_whole_assessment_is_the_leads(
    client: Client, cast: Cast, carried: Assessment
) -> None:
    assignment_set(
        assessment=carried,
        commitment=carried.cycle.rubric.commitments.get(code="c1"),
        membership=cast.contributor_a_membership,
        by=cast.lead_a,
    )
    keep = reverse("assessments:keep", args=[carried.pk])
    client.force_login(cast.contributor_a)
    assert client.post(keep, {"expected": "6"}).status_code == 403
    assert client.post(keep, {"commitment": "c2", "expected": "3"}).status_code == 403
    assert client.post(keep, {"commitment": "c1", "expected": "3"}).status_code == 302
    assert client.post(keep, {"commitment": "nope", "expected": "0"}).status_code == 404
    client.force_login(cast.lead_a)
    assert client.post(keep, {"expected": "3"}).status_code == 302
    assert not Answer.objects.filter(assessment=carried, carried_forward=True).exists()


def test_carried_notes_are_marked_as_last_cycles_and_the_reason_starts_empty(
    client: Client, cast: Cast, carried: Assessment
) -> None:
    row = _row(carried, "c1-1")
    assert row.notes == "Why we chose 3 in 2025"
    assert row.notes_carried
    assert row.change_reason == ""
    client.force_login(cast.lead_a)
    html = client.get(_commitment_url(carried)).content.decode()
    assert "Notes (from 2025)" in html
    assert "What changed since 2025, and why" in html
    assert "In 2025" in html
    assert "Board minutes 2025" in html
    _autosave(
        client,
        carried,
        "c1-1",
        level="4",
        evidence=row.evidence,
        notes=row.notes,
        change_reason="A new patient council since March",
    )
    after = _row(carried, "c1-1")
    assert after.notes_carried  # the notes were not touched, so they are still 2025's
    assert after.change_reason == "A new patient council since March"
    _autosave(client, carried, "c1-1", level="4", notes="Our own words now")
    assert not _row(carried, "c1-1").notes_carried


# --- The navigator ---------------------------------------------------------------------------


def test_the_navigator_gives_every_criterion_its_state_and_the_neighbours(
    cast: Cast, carried: Assessment
) -> None:
    Answer.objects.filter(pk=_row(carried, "c1-1").pk).update(carried_forward=False)
    Answer.objects.filter(pk=_row(carried, "c1-2").pk).update(
        carried_forward=False, level=None, not_applicable=True, na_reason="No such service"
    )
    Answer.objects.filter(pk=_row(carried, "c1-3").pk).update(carried_forward=False, level=None)
    nav = assessment_navigator(assessment=carried)
    states = {cr.code: (cr.state, cr.words) for c in nav.commitments for cr in c.criteria}
    assert states["c1-1"] == ("answered", "level 3")
    assert states["c1-2"] == ("na", "not applicable")
    assert states["c1-3"] == ("empty", "not answered")
    assert states["c2-1"] == ("confirm", "to confirm")
    assert (nav.done, nav.total, nav.percent) == (2, 6, 33)
    before, after = nav.neighbours("c1")
    assert before is None
    assert after is not None
    assert after.code == "c2"
    before, after = nav.neighbours("c2")
    assert before is not None
    assert before.code == "c1"
    assert after is None


def test_the_navigator_marks_the_criteria_whose_thread_waits_for_an_answer(
    client: Client, cast: Cast, carried: Assessment
) -> None:
    c1_1 = _row(carried, "c1-1").criterion
    c2_1 = _row(carried, "c2-1").criterion
    comment_add(assessment=carried, criterion=c1_1, body="Which minutes?", by=cast.lead_a)
    comment_add(assessment=carried, criterion=c2_1, body="Done.", by=cast.lead_a)
    comment_add(assessment=carried, criterion=None, body="For the whole", by=cast.lead_a)
    thread_resolve(thread=Thread.objects.get(criterion=c2_1), by=cast.lead_a)
    nav = assessment_navigator(assessment=carried)
    waiting = {cr.code for c in nav.commitments for cr in c.criteria if cr.open_thread}
    assert waiting == {"c1-1"}
    assert [c.open_threads for c in nav.commitments] == [1, 0]
    client.force_login(cast.lead_a)
    page = client.get(_commitment_url(carried)).content.decode()
    assert "1 open thread" in page
    assert 'class="navigator-thread">thread' in page


def test_the_scoring_page_shows_the_navigator_and_next_commitment(
    client: Client, cast: Cast, draft: Assessment
) -> None:
    client.force_login(cast.viewer_a)
    html = client.get(_commitment_url(draft)).content.decode()
    assert 'aria-label="Commitments and criteria"' in html
    assert 'value="0"' in html
    assert 'max="6"' in html
    assert f'href="{_commitment_url(draft, "c2")}">' in html
    assert "autosave.js" not in html  # a viewer cannot write, so nothing saves itself


def test_confirm_from_a_page_cannot_name_an_answer_of_another_commitment(
    client: Client, cast: Cast, carried: Assessment
) -> None:
    """A contributor of c1 posts c1's page naming c2's carried answer: it stays unconfirmed."""
    assignment_set(
        assessment=carried,
        commitment=carried.cycle.rubric.commitments.get(code="c1"),
        membership=cast.contributor_a_membership,
        by=cast.lead_a,
    )
    client.force_login(cast.contributor_a)
    data = {
        f"{r.criterion.code}-{name}": value
        for r in Answer.objects.filter(
            assessment=carried, criterion__commitment__code="c1"
        ).select_related("criterion")
        for name, value in (("version", str(r.version)), ("level", str(r.level)))
    }
    data["confirm"] = str(_row(carried, "c2-1").pk)
    assert client.post(_commitment_url(carried), data).status_code == 302
    assert _row(carried, "c2-1").carried_forward
