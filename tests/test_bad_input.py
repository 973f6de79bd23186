"""Bad input, tried systematically: generated values posted to every form of the journey.

No request may answer 500, and nothing already saved may change except what the form
legitimately saved: another organization's data never, the other commitments' answers never.
"""

import hashlib
import json
from typing import Any

import pytest
from django.contrib.messages import ERROR, get_messages
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessments.models import (
    ActionItem,
    Answer,
    Assessment,
    Assignment,
    Comment,
    Extension,
)
from assessments.tests.factories import open_cycle, started, submitted
from organizations.models import Invitation, Membership
from tests.cast import Cast
from tests.test_permission_matrix import MATRIX, WHO, _none  # the walk below reuses its rows

pytestmark = pytest.mark.django_db

SETTINGS = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def hostile_values(foreign_ids: list[int]) -> st.SearchStrategy[str]:
    """Empty, huge, unicode, control characters, numbers, dates, and other organizations' ids."""
    return st.one_of(
        st.just(""),
        st.text(max_size=40),
        st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=20),
        st.just("x" * 20_000),
        st.just('=HYPERLINK("http://evil.example")'),
        st.just("\x00"),
        st.integers(min_value=-(2**63), max_value=2**63).map(str),
        st.sampled_from(["na", "0", "6", "3.5", "2026-02-30", "yes", "on", "high", "[]"]),
        st.sampled_from([str(i) for i in foreign_ids] or ["1"]),
    )


def snapshot(*querysets: Any) -> str:
    rows = [
        sorted(json.dumps(r, sort_keys=True, default=str) for r in qs.values()) for qs in querysets
    ]
    return hashlib.sha256(json.dumps(rows).encode()).hexdigest()


@pytest.fixture
def world(cast: Cast) -> dict[str, Any]:
    mine = started(organization=cast.org_a, by=cast.lead_a)
    theirs = started(organization=cast.org_b, by=cast.lead_b, cycle=mine.cycle)
    foreign = [
        *theirs.answers.values_list("pk", flat=True),
        cast.lead_b_membership.pk,
        theirs.pk,
        cast.org_b.pk,
    ]
    return {"mine": mine, "theirs": theirs, "foreign": foreign}


def _others(world: dict[str, Any], cast: Cast) -> str:
    """Everything the forms below must never touch: organization B's data."""
    theirs: Assessment = world["theirs"]
    return snapshot(
        Answer.objects.filter(assessment=theirs),
        ActionItem.objects.filter(assessment=theirs),
        Assignment.objects.filter(assessment=theirs),
        Assessment.objects.filter(pk=theirs.pk),
        Membership.objects.filter(organization=cast.org_b),
        Invitation.objects.filter(organization=cast.org_b),
    )


FIELDS = ["version", "level", "na_reason", "evidence", "evidence_links", "notes", "confidence"]


def test_the_commitment_form_survives_generated_input(
    client: Client, cast: Cast, world: dict[str, Any]
) -> None:
    mine: Assessment = world["mine"]
    client.force_login(cast.lead_a)
    url = reverse("assessments:commitment", args=[mine.pk, "c1"])
    codes = ["c1-1", "c1-2", "c1-3"]
    others_before = _others(world, cast)
    c2_before = snapshot(Answer.objects.filter(assessment=mine, criterion__code__startswith="c2"))

    @SETTINGS
    @given(data=st.fixed_dictionaries(
        {f"{code}-{field}": hostile_values(world["foreign"]) for code in codes for field in FIELDS}
    ))  # fmt: skip
    def post(data: dict[str, str]) -> None:
        response = client.post(url, data)
        assert response.status_code in (200, 302, 400, 409), response.status_code
        if response.status_code != 302:  # refused: not one answer changed
            assert Answer.objects.filter(assessment=mine, version__gt=0).count() == saved[0]
        saved[0] = Answer.objects.filter(assessment=mine, version__gt=0).count()
        for r in Answer.objects.filter(assessment=mine):
            assert r.level is None or 1 <= r.level <= 5
            assert not (r.not_applicable and not r.na_reason.strip())

    saved = [0]
    post()
    assert _others(world, cast) == others_before
    assert (
        snapshot(Answer.objects.filter(assessment=mine, criterion__code__startswith="c2"))
        == c2_before
    )


def test_the_plan_and_assignment_forms_survive_generated_input(
    client: Client, cast: Cast, world: dict[str, Any]
) -> None:
    mine: Assessment = world["mine"]
    client.force_login(cast.lead_a)
    plan = reverse("assessments:plan", args=[mine.pk, "c1"])
    assignments = reverse("assessments:assignments", args=[mine.pk])
    others_before = _others(world, cast)
    plan_fields = [
        "title",
        "description",
        "criterion",
        "target_level",
        "owner",
        "due_date",
        "status",
    ]

    @SETTINGS
    @given(
        action=st.fixed_dictionaries({f: hostile_values(world["foreign"]) for f in plan_fields}),
        assign=st.fixed_dictionaries({c: hostile_values(world["foreign"]) for c in ("c1", "c2")}),
    )
    def post(action: dict[str, str], assign: dict[str, str]) -> None:
        assert client.post(plan, action).status_code in (200, 302, 400)
        assert client.post(assignments, assign).status_code in (200, 302, 400)
        for item in ActionItem.objects.filter(assessment=mine):
            assert item.title.strip()
            assert item.owner_id is None or item.owner_id in {
                cast.lead_a.pk,
                cast.contributor_a.pk,
                cast.viewer_a.pk,
            }
            assert item.criterion is None or item.criterion.code.startswith("c1-")
        for a in Assignment.objects.filter(assessment=mine).select_related("membership"):
            assert a.membership.organization_id == cast.org_a.pk
            assert a.membership.role != Membership.Role.VIEWER

    post()
    assert _others(world, cast) == others_before


def test_the_start_invite_and_review_forms_survive_generated_input(
    client: Client, cast: Cast, world: dict[str, Any]
) -> None:
    cycle = open_cycle(by=cast.staff, name="2027")
    b_submitted = submitted(organization=cast.org_b, cycle=cycle, by=cast.lead_b)
    b_answers = snapshot(Answer.objects.filter(assessment=b_submitted))
    members_b = snapshot(Membership.objects.filter(organization=cast.org_b))

    @SETTINGS
    @given(
        start=st.fixed_dictionaries(
            {f: hostile_values(world["foreign"]) for f in ("cycle", "carry_forward")}
        ),
        invite=st.fixed_dictionaries(
            {f: hostile_values(world["foreign"]) for f in ("email", "role")}
        ),
        review=st.fixed_dictionaries({"message": hostile_values(world["foreign"])}),
    )
    def post(start: dict[str, str], invite: dict[str, str], review: dict[str, str]) -> None:
        client.force_login(cast.lead_a)
        assert client.post(reverse("assessments:start"), start).status_code in (
            200,
            302,
            400,
            403,
            404,
        )
        invite_url = reverse("organizations:invite", args=[cast.org_a.slug])
        assert client.post(invite_url, invite).status_code in (200, 302, 400)
        client.force_login(cast.staff)
        url = reverse("consortium:review_return", args=[b_submitted.pk])
        assert client.post(url, review).status_code in (200, 302, 400)
        # A return may happen once (then the assessment is no longer "submitted"); comments
        # are stored only with real text.
        assert all(c.body.strip() for c in Comment.objects.filter(thread__assessment=b_submitted))

    post()
    assert snapshot(Answer.objects.filter(assessment=b_submitted)) == b_answers
    assert snapshot(Membership.objects.filter(organization=cast.org_b)) == members_b
    assert (
        not Assessment.objects.filter(organization=cast.org_b, cycle=world["mine"].cycle)
        .exclude(pk=world["theirs"].pk)
        .exists()
    )


def test_the_cycle_extension_and_plan_filter_forms_survive_generated_input(
    client: Client, cast: Cast, world: dict[str, Any]
) -> None:
    """Dates out of order, impossible dates, huge years and other organizations' ids: a clear
    refusal beside the field, never a 500, dates never stored out of order, and extensions only
    for organizations with an unsubmitted assessment of the cycle (A and B here)."""
    cycle = world["mine"].cycle
    dates = st.one_of(
        hostile_values(world["foreign"]),
        st.dates().map(lambda d: d.isoformat()),
        st.sampled_from(["9999-12-31", "0001-01-01", "2026-13-01", "31/12/2026"]),
    )

    @SETTINGS
    @given(
        edit=st.fixed_dictionaries(
            {"name": hostile_values(world["foreign"]), "opens_on": dates, "due_on": dates,
             "closes_on": dates}
        ),
        extension=st.fixed_dictionaries(
            {"organization": hostile_values(world["foreign"]), "until": dates,
             "reason": hostile_values(world["foreign"])}
        ),
        filters=st.fixed_dictionaries(
            {f: hostile_values(world["foreign"]) for f in ("owner", "status", "due")}
        ),
    )  # fmt: skip
    def post(edit: dict[str, str], extension: dict[str, str], filters: dict[str, str]) -> None:
        client.force_login(cast.staff)
        url = reverse("consortium:cycle_edit", args=[cycle.pk])
        assert client.post(url, edit).status_code in (302, 400)
        url = reverse("consortium:extension_grant", args=[cycle.pk])
        assert client.post(url, extension).status_code in (302, 400)
        client.force_login(cast.lead_a)
        url = reverse("assessments:improvement_plan", args=[world["mine"].pk])
        assert client.get(url, filters).status_code == 200

    post()
    cycle.refresh_from_db()
    assert cycle.opens_on <= cycle.due_on <= cycle.closes_on
    assert set(Extension.objects.values_list("organization__slug", flat=True)) <= {"alpha", "beta"}


# --- Every form and every API write, from the permission matrix ----------------------------------


WRITES = sorted(
    view
    for view, (_, _, answers) in MATRIX.items()
    if any(status not in (302, 403, 404, 405) for status in answers["POST"])
    or any(status == 302 for status in answers["POST"][1:])
)
FUZZ = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False) | st.text(max_size=30) | st.just("x" * 20_000),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=5,
)  # fmt: skip


def _writer(answers: tuple[int, ...]) -> int:
    """The first signed-in person whose POST the view accepts (or refuses with a form); anonymous
    for the pages made for people without an account (an invitation)."""
    return next((i for i, s in enumerate(answers) if i and s in (200, 201, 302, 400)), 0)


# Fields a view reads that its matrix row does not post.
EXTRA_FIELDS = {"organizations:invitation_accept": ["password1", "password2"]}


@pytest.mark.parametrize("view", WRITES)
def test_every_write_survives_generated_input(client: Client, cast: Cast, view: str) -> None:
    """Each POST view of the matrix, as the person who may use it, with every field it takes
    (and a few it does not) set to generated values: never a 500."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    url_kwargs, data, answers = MATRIX[view]
    url = reverse(view, kwargs=url_kwargs(cast))
    fields = [*data(cast), *EXTRA_FIELDS.get(view, []), "id", "pk", "organization"]
    writer = _writer(answers["POST"])
    if writer:
        client.force_login(getattr(cast, WHO[writer]))
    foreign = [cast.org_b.pk, cast.lead_b.pk, cast.lead_b_membership.pk]
    uploads = st.builds(
        lambda name, content: SimpleUploadedFile(name, content),
        # Names a browser can send (the test client itself refuses ".", ".." and folders).
        st.text(min_size=1, max_size=300).filter(
            lambda n: "/" not in n and "\x00" not in n and n not in (".", "..")
        )
        | st.sampled_from(["minutes.pdf", "x.exe", "a" * 250 + ".docx", ".pdf", "notes.txt"]),
        st.binary(max_size=2000) | st.just(b"%PDF-1.4 ok") | st.just(b"MZ\x90\x00"),
    )

    @FUZZ
    @given(
        values=st.fixed_dictionaries(
            {f: uploads if f == "file" else hostile_values(foreign) for f in fields}
        ),
        body=st.dictionaries(st.sampled_from([*fields, "version", "level", "notes"]), JSON_VALUES),
    )
    def post(values: dict[str, Any], body: dict[str, Any]) -> None:
        response = client.post(url, values)
        assert response.status_code < 500, (view, response.status_code)
        if view == "assessments:answer_autosave":  # the scoring page's script posts JSON
            response = client.post(url, body, content_type="application/json")
            assert response.status_code < 500, (view, body, response.status_code)
            response = client.post(url, b"{not json", content_type="application/json")
            assert response.status_code < 500

    post()


# Writes that post fields. A button without fields, pressed on a page whose state has changed
# since (Accept on an assessment returned meanwhile), goes back to the page that shows the new
# state with the reason: there is no field to stand beside.
WRITES_WITH_FIELDS = [view for view in WRITES if MATRIX[view][1] is not _none]


@pytest.mark.parametrize("view", WRITES_WITH_FIELDS)
def test_no_write_answers_bad_input_with_a_redirect_and_an_error_at_the_top(
    client: Client, cast: Cast, view: str
) -> None:
    """Invalid input comes back as 400 with the reason beside its field: a refusal is never a
    redirect that leaves an error message at the top of another page."""
    url_kwargs, data, answers = MATRIX[view]
    assert data(cast), f"{view} posts no fields: give its row _none"
    url = reverse(view, kwargs=url_kwargs(cast))
    writer = _writer(answers["POST"])
    if writer:
        client.force_login(getattr(cast, WHO[writer]))
    for values in (
        dict.fromkeys(data(cast), ""),
        dict.fromkeys(data(cast), "☃" * 3),
        dict.fromkeys(data(cast), "99999999999999999999"),
    ):
        response = client.post(url, values)
        errors = [m for m in get_messages(response.wsgi_request) if m.level == ERROR]
        assert not (response.status_code == 302 and errors), (view, values, errors)
