"""The organization's assessment pages: answering, conflicts, files, submitting, reading."""

import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from assessments.models import Answer, Assessment, CommitmentScore
from assessments.services import answers_save, assessment_start, assessment_submit, comment_add
from assessments.tests.factories import (
    answer,
    answer_all,
    evidence,
    open_cycle,
    started,
    submitted,
)
from commitments.models import Criterion
from consortium.services import assessment_return
from organizations.models import Organization
from tests.cast import Cast

pytestmark = pytest.mark.django_db


def _rows(a: Assessment, commitment: str = "c1") -> list[Answer]:
    return list(
        Answer.objects.filter(assessment=a, criterion__commitment__code=commitment)
        .select_related("criterion")
        .order_by("criterion__order")
    )


def _post_data(a: Assessment, commitment: str = "c1", **fields: str) -> dict[str, str]:
    """The form as the page sends it: every criterion's version, plus `fields`."""
    data = {f"{r.criterion.code}-version": str(r.version) for r in _rows(a, commitment)}
    data.update(fields)
    return data


def _url(a: Assessment, code: str = "c1") -> str:
    return reverse("assessments:commitment", args=[a.pk, code])


def test_saving_answers_redirects_to_the_page_naming_what_was_saved(
    client: Client, cast: Cast, draft: Assessment
) -> None:
    client.force_login(cast.lead_a)
    data = _post_data(draft, **{"c1-1-level": "2", "c1-3-level": "na", "c1-3-na_reason": "No"})
    response = client.post(_url(draft), data, follow=True)
    assert response.redirect_chain == [(_url(draft), 302)]
    assert "Saved C1-1, C1-3." in response.content.decode()
    first, _, third = _rows(draft)
    assert first.level == 2
    assert third.not_applicable
    assert third.na_reason == "No"


def test_invalid_input_keeps_everything_typed_and_saves_nothing(
    client: Client, cast: Cast, draft: Assessment
) -> None:
    client.force_login(cast.lead_a)
    data = _post_data(
        draft,
        **{
            "c1-1-level": "4",
            "c1-1-evidence": "Charter signed in March",
            "c1-1-evidence_links": "https://example.org/charter\nnot a link",
            "c1-2-level": "na",
            "c1-2-notes": "Ask the board",
        },
    )
    response = client.post(_url(draft), data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "Charter signed in March" in html
    assert "https://example.org/charter\nnot a link" in html
    assert "Ask the board" in html
    assert re.search(r'value="4"[^>]*checked|checked[^>]*value="4"', html)
    # each error is beside its field, and the field points at it
    assert 'id="id_c1-1-evidence_links_error"' in html
    assert "is not a web address" in html
    assert 'id="id_c1-2-na_reason_error"' in html
    assert re.search(r'aria-describedby="[^"]*id_c1-2-na_reason_error', html)
    assert all(r.version == 0 and r.level is None for r in _rows(draft))


def test_a_stale_save_is_refused_keeps_the_text_and_shows_the_stored_version(
    client: Client, cast: Cast, draft: Assessment
) -> None:
    client.force_login(cast.contributor_a)
    seen = _post_data(draft)  # the contributor opens the page
    first = _rows(draft)[0]
    answers_save(  # then the lead saves the same criterion
        assessment=draft,
        answers={first.pk: (0, answer(5, evidence="Lead's evidence", notes="Lead's note"))},
        by=cast.lead_a,
    )
    mine = {**seen, "c1-1-level": "2", "c1-1-evidence": "My evidence", "c1-2-level": "3"}
    response = client.post(_url(draft), mine)
    html = response.content.decode()
    assert response.status_code == 409
    assert "Nothing was saved" in html
    assert "My evidence" in html  # the person's text survives
    assert "Someone else saved C1-1" in html
    assert "Lead&#x27;s evidence" in html
    assert "Lead&#x27;s note" in html
    assert "lead@alpha.test" in html
    assert 'name="c1-1-version" value="1"' in html  # the stored version, for a deliberate save
    assert _rows(draft)[1].level is None  # nothing of the save went through
    assert _rows(draft)[0].level == 5
    # saving again, knowingly, replaces the lead's version
    again = {**mine, "c1-1-version": "1"}
    assert client.post(_url(draft), again).status_code == 302
    assert _rows(draft)[0].level == 2


def test_a_contributor_edits_the_assigned_commitment_but_not_another(
    client: Client, cast: Cast, draft: Assessment
) -> None:
    client.force_login(cast.contributor_a)
    denied = client.post(_url(draft, "c2"), _post_data(draft, "c2", **{"c2-1-level": "3"}))
    assert denied.status_code == 403
    assert _rows(draft, "c2")[0].level is None
    page = client.get(_url(draft, "c2")).content.decode()
    assert "<fieldset disabled" in page
    assert "Save Commitment 2" not in page
    allowed = client.post(_url(draft), _post_data(draft, **{"c1-1-level": "3"}))
    assert allowed.status_code == 302
    assert _rows(draft)[0].level == 3


def test_a_viewer_reads_without_inputs_to_change(
    client: Client, cast: Cast, draft: Assessment
) -> None:
    client.force_login(cast.viewer_a)
    html = client.get(_url(draft)).content.decode()
    assert "c1-1 at level 3" in html  # the descriptors, readable
    assert "<fieldset disabled" in html
    assert "Save Commitment 1" not in html
    assert 'type="file"' not in html


def test_level_choices_are_labelled_with_number_name_and_descriptor(
    client: Client, cast: Cast, draft: Assessment
) -> None:
    client.force_login(cast.lead_a)
    html = client.get(_url(draft)).content.decode()
    assert "<legend" in html
    assert "Maturity level for C1-1" in html
    assert re.search(r"<label[^>]*>\s*3 · Defined — c1-1 at level 3\s*</label>", html)
    assert 'id="criterion-c1-1"' in html


@pytest.mark.parametrize(
    ("name", "size", "message"),
    [
        ("macro.exe", 20, "only csv, docx"),
        ("big.pdf", 10 * 1024 * 1024 + 1, "is larger than 10 MB"),
    ],
)
def test_an_upload_of_the_wrong_type_or_size_is_refused_beside_the_field(
    client: Client, cast: Cast, draft: Assessment, name: str, size: int, message: str
) -> None:
    client.force_login(cast.lead_a)
    upload = SimpleUploadedFile(name, b"x" * size)
    data = {**_post_data(draft, **{"c1-1-notes": "Typed before the upload"}), "c1-1-file": upload}
    response = client.post(_url(draft), data)
    html = response.content.decode()
    assert response.status_code == 400
    assert message in html
    assert 'id="id_c1-1-file_error"' in html
    assert "Typed before the upload" in html
    assert not _rows(draft)[0].files.exists()
    assert _rows(draft)[0].notes == ""


def test_an_upload_is_kept_and_downloaded_as_an_attachment(
    client: Client, cast: Cast, draft: Assessment
) -> None:
    client.force_login(cast.lead_a)
    upload = SimpleUploadedFile("minutes.pdf", b"%PDF-1.4 minutes")
    response = client.post(_url(draft), {**_post_data(draft), "c1-1-file": upload}, follow=True)
    assert "Added minutes.pdf." in response.content.decode()
    stored = _rows(draft)[0].files.get()
    download = client.get(reverse("assessments:evidence_download", args=[draft.pk, stored.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert 'filename="minutes.pdf"' in download["Content-Disposition"]
    assert b"".join(download.streaming_content) == b"%PDF-1.4 minutes"


def test_the_lead_of_another_organization_cannot_download_a_file(
    client: Client, cast: Cast, draft: Assessment
) -> None:
    stored = evidence(answer=_rows(draft)[0], by=cast.lead_a)
    client.force_login(cast.lead_b)
    url = reverse("assessments:evidence_download", args=[draft.pk, stored.pk])
    assert client.get(url).status_code == 404
    own = started(organization=cast.org_b, by=cast.staff)
    other_url = reverse("assessments:evidence_download", args=[own.pk, stored.pk])
    assert client.get(other_url).status_code == 404


def test_submit_refuses_an_incomplete_assessment_and_links_what_is_missing(
    client: Client, cast: Cast, draft: Assessment
) -> None:
    rows = _rows(draft)
    answers_save(
        assessment=draft,
        answers={r.pk: (r.version, answer(3)) for r in rows[:2]},
        by=cast.lead_a,
    )
    client.force_login(cast.lead_a)
    response = client.post(reverse("assessments:submit", args=[draft.pk]))
    html = response.content.decode()
    assert response.status_code == 400
    overview = reverse("assessments:commitment", args=[draft.pk, "c1"])
    assert f'href="{overview}#criterion-c1-3"' in html
    assert "#criterion-c2-1" in html
    assert "#criterion-c1-1" not in html
    assert "4 criteria still need" in html
    draft.refresh_from_db()
    assert draft.status == Assessment.Status.DRAFT


def test_submit_stores_scores_when_everything_is_answered(
    client: Client, cast: Cast, draft: Assessment
) -> None:
    answer_all(assessment=draft, by=cast.lead_a, level=4)
    client.force_login(cast.lead_a)
    response = client.post(reverse("assessments:submit", args=[draft.pk]), follow=True)
    assert "Submitted" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == Assessment.Status.SUBMITTED
    assert str(draft.overall_score) == "4.00"
    assert CommitmentScore.objects.filter(assessment=draft).count() == 2
    html = client.get(reverse("assessments:overview", args=[draft.pk])).content.decode()
    assert "4.00 of 5" in html
    assert "Submit to the consortium" not in html


def test_carried_forward_answers_are_flagged_and_can_be_confirmed(
    client: Client, cast: Cast
) -> None:
    first = submitted(organization=cast.org_a, by=cast.lead_a)
    cycle = open_cycle(by=cast.staff, rubric=first.cycle.rubric)
    client.force_login(cast.lead_a)
    start = client.post(
        reverse("assessments:start"), {"cycle": cycle.pk, "carry_forward": "on"}, follow=True
    )
    assert start.status_code == 200
    second = Assessment.objects.get(organization=cast.org_a, cycle=cycle)
    html = client.get(_url(second)).content.decode()
    assert "Carried forward — confirm" in html
    assert "Confirm unchanged" in html
    row = _rows(second)[0]
    confirmed = client.post(reverse("assessments:confirm", args=[second.pk, row.pk]), follow=True)
    assert "Confirmed C1-1 unchanged." in confirmed.content.decode()
    row.refresh_from_db()
    assert not row.carried_forward
    assert row.level == 3


def test_the_start_form_offers_carrying_forward_only_when_there_is_a_submitted_one(
    client: Client, cast: Cast
) -> None:
    open_cycle(by=cast.staff)
    client.force_login(cast.lead_a)
    html = client.get(reverse("assessments:index")).content.decode()
    assert "Start the Cycle" in html
    assert "Start from our last submitted assessment" not in html
    submitted(organization=cast.org_a, by=cast.lead_a)
    html = client.get(reverse("assessments:index")).content.decode()
    assert "Start from our last submitted assessment" in html


def test_a_submitted_assessment_shows_the_rubric_text_as_it_was_submitted(
    client: Client, cast: Cast
) -> None:
    a = submitted(organization=cast.org_a, by=cast.lead_a)
    criterion = Criterion.objects.get(commitment__rubric=a.cycle.rubric, code="c1-1")
    criterion.prompt = "A reworded practice."
    criterion.save()
    descriptor = criterion.descriptors.get(level=3)
    descriptor.text = "Reworded level three."
    descriptor.save()
    client.force_login(cast.viewer_a)
    html = client.get(_url(a)).content.decode()
    assert "Practice 1.1 is in place." in html
    assert "c1-1 at level 3" in html
    assert "A reworded practice." not in html
    assert "Reworded level three." not in html
    assert "the rubric text below is as it stood then" in html


def test_the_lead_of_another_organization_sees_nothing_of_a_in_the_list(
    client: Client, cast: Cast, draft: Assessment
) -> None:
    client.force_login(cast.lead_b)
    html = client.get(reverse("assessments:index")).content.decode()
    assert cast.org_a.name not in html
    assert reverse("assessments:overview", args=[draft.pk]) not in html


def test_an_assessment_already_started_is_not_started_twice(
    client: Client, cast: Cast, draft: Assessment
) -> None:
    client.force_login(cast.lead_a)
    response = client.post(reverse("assessments:start"), {"cycle": draft.cycle.pk}, follow=True)
    assert "already started" in response.content.decode()
    assert Assessment.objects.filter(organization=cast.org_a).count() == 1


def test_assignments_are_set_by_the_lead(client: Client, cast: Cast, draft: Assessment) -> None:
    client.force_login(cast.lead_a)
    url = reverse("assessments:assignments", args=[draft.pk])
    data = {"c1": "", "c2": str(cast.contributor_a_membership.pk)}
    response = client.post(url, data, follow=True)
    assert "Assignments changed for c1, c2." in response.content.decode()
    assert not draft.assignments.filter(commitment__code="c1").exists()
    assert draft.assignments.get(commitment__code="c2").membership == cast.contributor_a_membership


def test_a_viewer_cannot_be_assigned(client: Client, cast: Cast, draft: Assessment) -> None:
    client.force_login(cast.lead_a)
    url = reverse("assessments:assignments", args=[draft.pk])
    response = client.post(url, {"c1": str(cast.viewer_a_membership.pk), "c2": ""})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_an_action_is_added_and_edited_in_the_plan(
    client: Client, cast: Cast, draft: Assessment
) -> None:
    client.force_login(cast.contributor_a)
    url = reverse("assessments:plan", args=[draft.pk, "c1"])
    fields = {
        "title": "Community advisory board",
        "criterion": "c1-2",
        "target_level": "4",
        "owner": str(cast.lead_a.pk),
        "due_date": "2026-10-01",
        "status": "planned",
    }
    response = client.post(url, fields, follow=True)
    html = response.content.decode()
    assert "Saved the action “Community advisory board”." in html
    assert "<td>C1-2</td>" in html  # the plan's table, and the form's choice, read upper-case
    assert '<option value="c1-2">C1-2</option>' in html
    item = draft.action_items.get()
    assert (item.criterion.code, item.target_level, item.owner) == ("c1-2", 4, cast.lead_a)
    edit = reverse("assessments:plan_item", args=[draft.pk, "c1", item.pk])
    client.post(edit, {**fields, "status": "in_progress"})
    item.refresh_from_db()
    assert item.status == "in_progress"


def test_an_action_without_a_title_keeps_what_was_typed(
    client: Client, cast: Cast, draft: Assessment
) -> None:
    client.force_login(cast.lead_a)
    url = reverse("assessments:plan", args=[draft.pk, "c1"])
    response = client.post(url, {"title": "", "description": "Keep me", "status": "planned"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Keep me" in html
    assert 'id="id_title_error"' in html
    assert not draft.action_items.exists()


def test_activity_lists_changes_newest_first(client: Client, cast: Cast, draft: Assessment) -> None:
    first = _rows(draft)[0]
    answers_save(assessment=draft, answers={first.pk: (0, answer(2))}, by=cast.contributor_a)
    client.force_login(cast.viewer_a)
    html = client.get(reverse("assessments:activity", args=[draft.pk])).content.decode()
    assert "Answer to C1-1: level 2" in html
    assert "Commitment 1 assigned to contributor@alpha.test" in html
    assert html.index("Answer to C1-1: level 2") < html.index("Assessment draft")


# --- Query counts do not grow with organizations or criteria ------------------------------------


def _many_organizations(n: int) -> None:
    Organization.objects.bulk_create(
        Organization(
            name=f"Org {i}", slug=f"bulk-{i}", type="other", region="west", size_band="small"
        )
        for i in range(n)
    )


@pytest.mark.parametrize(("organizations", "criteria"), [(10, 3), (1000, 3), (10, 5)])
@pytest.mark.parametrize(
    ("page", "submit", "expected"),
    [
        # session, user, current membership, assessment with the person's role, answers,
        # assignments, overdue plan items counted per commitment, ...
        # threads and their comments
        ("overview", False, 11),
        ("overview", True, 12),  # stored scores instead of computing them
        # ... commitment, criteria, descriptors, levels, answers, files, the navigator's answers
        # and assignments and waiting threads, the assessment it follows (none here), threads
        # and their comments
        ("commitment", False, 18),
        # The rubric's text as of submission, from its history (rubric, the commitment, its
        # criteria, their descriptors, the levels) instead of today's criteria and descriptors.
        ("commitment", True, 20),
    ],
)
def test_page_queries_do_not_grow(
    client: Client,
    cast: Cast,
    django_assert_num_queries: Any,
    organizations: int,
    criteria: int,
    page: str,
    submit: bool,
    expected: int,
) -> None:
    _many_organizations(organizations)
    a = started(organization=cast.org_a, by=cast.staff, criteria=criteria)
    for org in Organization.objects.exclude(pk=cast.org_a.pk)[:5]:
        assessment_start(organization=org, cycle=a.cycle, by=cast.staff)
    answer_all(assessment=a, by=cast.lead_a)
    evidence(answer=_rows(a)[0], by=cast.lead_a)
    evidence(answer=_rows(a)[1], by=cast.lead_a)
    for row in _rows(a):  # a thread on every criterion: their number must not matter
        comment_add(assessment=a, criterion=row.criterion, body="Which ward?", by=cast.lead_a)
    comment_add(assessment=a, criterion=None, body="Ready?", by=cast.lead_a)
    if submit:
        assessment_submit(assessment=a, by=cast.lead_a)
    client.force_login(cast.lead_a)
    url = reverse(f"assessments:{page}", args=[a.pk] if page == "overview" else [a.pk, "c1"])
    client.get(url)  # the session's first touch is not the page's cost
    with django_assert_num_queries(expected):
        assert client.get(url).status_code == 200


def test_returned_assessment_shows_the_consortium_comments_and_opens_again(
    client: Client, cast: Cast
) -> None:
    a = submitted(organization=cast.org_a, by=cast.lead_a)
    criterion = a.cycle.rubric.commitments.get(code="c1").criteria.order_by("order").first()
    assert criterion is not None
    comment_add(assessment=a, criterion=criterion, body="Say who sits on the board.", by=cast.staff)
    assessment_return(assessment=a, by=cast.staff, message="Thanks.")
    client.force_login(cast.contributor_a)
    html = client.get(reverse("assessments:overview", args=[a.pk])).content.decode()
    assert "2 open threads" in html
    assert "to answer before you submit again" in html
    assert "Say who sits on the board." in html
    assert "Whole assessment" in html


def test_activity_queries_do_not_grow(
    client: Client, cast: Cast, draft: Assessment, django_assert_num_queries: Any
) -> None:
    client.force_login(cast.viewer_a)
    url = reverse("assessments:activity", args=[draft.pk])
    client.get(url)
    # session, user, permissions (2), assessment, four history tables, current membership
    with django_assert_num_queries(10):
        client.get(url)
    answer_all(assessment=draft, by=cast.lead_a)
    with django_assert_num_queries(10):
        client.get(url)


def test_errors_are_summarised_at_the_top_with_links_to_each_answer(
    client: Client, cast: Cast, draft: Assessment
) -> None:
    client.force_login(cast.lead_a)
    data = _post_data(draft, **{"c1-2-level": "na", "c1-3-evidence_links": "nope"})
    html = client.post(_url(draft), data).content.decode()
    assert "Nothing was saved: 2 answers need correcting" in html
    assert 'href="#criterion-c1-2">C1-2</a>' in html
    assert 'href="#criterion-c1-3">C1-3</a>' in html


def test_members_find_assessments_in_the_navigation(client: Client, cast: Cast) -> None:
    client.force_login(cast.viewer_a)
    html = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("assessments:index")}"' in html
    client.force_login(cast.staff)
    html = client.get(reverse("home")).content.decode()
    assert ">Assessments<" not in html


def test_an_assessment_dated_before_its_rubric_was_published_still_shows_its_text(
    client: Client, cast: Cast
) -> None:
    """Past cycles imported after the rubric was loaded (the demo's seeded 2024 and 2025) carry
    submission dates older than the rubric's history; their pages must still open."""
    from datetime import timedelta

    done = submitted(organization=cast.org_a, by=cast.lead_a)
    earlier = done.cycle.rubric.published_at - timedelta(days=300)
    Assessment.objects.filter(pk=done.pk).update(submitted_at=earlier)
    client.force_login(cast.lead_a)
    response = client.get(reverse("assessments:commitment", args=[done.pk, "c1"]))
    assert response.status_code == 200
    assert "Practice 1.1 is in place." in response.content.decode()
