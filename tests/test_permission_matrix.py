"""Every view that shows or changes organization data, asked by every kind of person.

The views come from the URL configuration, so a new view without a row here fails
`test_every_view_of_our_apps_has_a_row`.
"""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter

from api.services import token_create
from assessments.models import ActionItem, Answer, Assessment, EvidenceFile
from assessments.services import (
    ActionInput,
    action_item_save,
    assessment_submit,
    assignment_set,
    comment_add,
)
from assessments.tests.factories import (
    answer_all,
    days_from_today,
    evidence,
    open_cycle,
    started,
    submitted,
)
from commitments.tests.factories import make_rubric
from notifications.delivery import unsubscribe_token
from notifications.models import Kind
from organizations.models import Membership
from organizations.services import invitation_create
from organizations.tests.factories import MembershipFactory, UserFactory
from ratings.models import Round
from ratings.services import rater_invite, round_open
from reports.models import Report
from tests.cast import Cast
from tests.pages import argument_free_paths

pytestmark = pytest.mark.django_db

# Namespaces of our apps whose views the matrix must cover.
OUR_NAMESPACES = {
    "organizations", "commitments", "assessments", "reports", "consortium", "notifications",
    "ratings",
    "tokens",
}  # fmt: skip

WHO = ("anonymous", "viewer_a", "contributor_a", "lead_a", "lead_b", "staff", "admin")

Args = Callable[[Cast], dict[str, Any]]
Data = Callable[[Cast], dict[str, Any]]


def _org_a(c: Cast) -> dict[str, Any]:
    return {"slug": c.org_a.slug}


def _contributor_membership(c: Cast) -> dict[str, Any]:
    return {"slug": c.org_a.slug, "pk": c.contributor_a_membership.pk}


def _invitation(c: Cast) -> dict[str, Any]:
    _, token = invitation_create(
        organization=c.org_a, email="newcomer@alpha.test", role="viewer", by=c.lead_a
    )
    return {"token": token}


def _none(c: Cast) -> dict[str, Any]:
    return {}


def _organization_fields(c: Cast) -> dict[str, Any]:
    return {
        "name": "Gamma Care",
        "slug": "gamma",
        "type": "fqhc",
        "region": "west",
        "size_band": "small",
        "paper_size": "letter",
        "is_active": "on",
    }


def _draft_cycle(c: Cast) -> dict[str, Any]:
    return {"pk": open_cycle(by=c.staff, opened=False).pk}


def _new_cycle_fields(c: Cast) -> dict[str, Any]:
    rubric = make_rubric()
    return {
        "name": "2027",
        "rubric": rubric.pk,
        "opens_on": "2027-01-01",
        "due_on": "2027-11-30",
        "closes_on": "2027-12-31",
    }


def _cycle_of_a(c: Cast) -> dict[str, Any]:
    return {"pk": _assessment_a(c).cycle.pk}


def _cycle_fields(c: Cast) -> dict[str, Any]:
    cycle = _assessment_a(c).cycle
    return {
        "name": cycle.name,
        "opens_on": cycle.opens_on.isoformat(),
        "due_on": cycle.due_on.isoformat(),
        "closes_on": (cycle.closes_on + timedelta(days=7)).isoformat(),
    }


def _extension_fields(c: Cast) -> dict[str, Any]:
    cycle = _assessment_a(c).cycle
    return {
        "organization": c.org_a.pk,
        "until": (cycle.closes_on + timedelta(days=14)).isoformat(),
        "reason": "Their quality lead was on leave.",
    }


def _submitted_a(c: Cast) -> dict[str, Any]:
    cycle = open_cycle(by=c.staff)
    return {"pk": submitted(organization=c.org_a, cycle=cycle, by=c.lead_a).pk}


def _submitted_a_c1(c: Cast) -> dict[str, Any]:
    return {**_submitted_a(c), "code": "c1"}


def _thread_of_submitted_a(c: Cast) -> dict[str, Any]:
    """A thread on the first criterion of A's submitted assessment, opened by its reviewer."""
    assessment = Assessment.objects.get(pk=_submitted_a(c)["pk"])
    criterion = assessment.cycle.rubric.commitments.get(code="c1").criteria.first()
    comment = comment_add(assessment=assessment, criterion=criterion, body="Which?", by=c.staff)
    return {"pk": assessment.pk, "thread_pk": comment.thread_id}


def _unsubscribe_lead_a(c: Cast) -> dict[str, Any]:
    return {"token": unsubscribe_token(user=c.lead_a, kind=Kind.THREAD)}


def _every_kind_now(c: Cast) -> dict[str, Any]:
    return dict.fromkeys(Kind.values, "now")


# --- Reports of A's submitted assessment ---------------------------------------------------------


def _report_a(c: Cast, status: str) -> Report:
    from django.core.files.base import ContentFile

    assessment_pk = _submitted_a(c)["pk"]
    report = Report.objects.create(
        kind=Report.Kind.MATURITY, assessment_id=assessment_pk, fingerprint=f"matrix-{status}",
        status=status, progress=100 if status == Report.Status.READY else 0,
    )  # fmt: skip
    if status == Report.Status.READY:
        report.pdf_file.save("report.pdf", ContentFile(b"%PDF-1.4 matrix"), save=True)
    return report


def _consortium_report(c: Cast) -> dict[str, Any]:
    cycle = open_cycle(by=c.staff)
    report = Report.objects.create(
        kind=Report.Kind.CONSORTIUM, cycle=cycle, fingerprint="matrix-consortium", status="ready"
    )
    return {"pk": report.pk}


def _ready_report(c: Cast) -> dict[str, Any]:
    return {"pk": _report_a(c, Report.Status.READY).pk}


def _ready_report_pdf(c: Cast) -> dict[str, Any]:
    return {"pk": _report_a(c, Report.Status.READY).pk, "fmt": "pdf"}


def _failed_report(c: Cast) -> dict[str, Any]:
    return {"pk": _report_a(c, Report.Status.FAILED).pk}


# --- Assessments: a draft of organization A, commitment c1 assigned to its contributor ----------


def _assessment_a(c: Cast) -> Assessment:
    """Organization A's draft assessment (made once per test), c1 assigned to the contributor."""
    existing: Assessment | None = getattr(c, "_assessment_a", None)
    if existing is None:
        existing = started(organization=c.org_a, by=c.staff)
        c1 = existing.cycle.rubric.commitments.get(code="c1")
        assignment_set(
            assessment=existing, commitment=c1, membership=c.contributor_a_membership, by=c.lead_a
        )
        c._assessment_a = existing
    return existing


def _a(c: Cast) -> dict[str, Any]:
    return {"pk": _assessment_a(c).pk}


def _c1(c: Cast) -> dict[str, Any]:
    return {"pk": _assessment_a(c).pk, "code": "c1"}


def _c1_rows(c: Cast) -> list[Answer]:
    return list(
        Answer.objects.filter(assessment=_assessment_a(c), criterion__commitment__code="c1")
        .select_related("criterion")
        .order_by("criterion__order")
    )


def _c1_answers(c: Cast) -> dict[str, Any]:
    """A valid save of c1: level 2 for its first criterion, the others left open."""
    data: dict[str, Any] = {}
    for i, r in enumerate(_c1_rows(c)):
        data[f"{r.criterion.code}-version"] = r.version
        if i == 0:
            data[f"{r.criterion.code}-level"] = "2"
    return data


def _c1_first_answer(c: Cast) -> dict[str, Any]:
    return {"pk": _assessment_a(c).pk, "answer_pk": _c1_rows(c)[0].pk}


def _c1_first_level(c: Cast) -> dict[str, Any]:
    """An autosave of c1's first criterion: level 2, from the version stored."""
    return {"version": _c1_rows(c)[0].version, "level": "2"}


def _a_pdf(c: Cast) -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {"file": SimpleUploadedFile("minutes.pdf", b"%PDF-1.4 matrix", "application/pdf")}


def _not_a_workbook(c: Cast) -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {"file": SimpleUploadedFile("answers.csv", b"c1-1,4\n", "text/csv")}


def _keep_nothing_left(c: Cast) -> dict[str, Any]:
    return {"expected": 0}


def _c1_action_item(c: Cast) -> dict[str, Any]:
    a = _assessment_a(c)
    c1 = a.cycle.rubric.commitments.get(code="c1")
    item = action_item_save(
        assessment=a,
        commitment=c1,
        data=ActionInput("Write the charter", "", None, None, None, None, "planned"),
        by=c.lead_a,
    )
    return {"pk": a.pk, "code": "c1", "item_pk": item.pk}


def _action_fields(c: Cast) -> dict[str, Any]:
    return {"title": "Hold a listening session", "status": ActionItem.Status.PLANNED}


def _evidence_file(c: Cast) -> dict[str, Any]:
    stored = evidence(answer=_c1_rows(c)[0], by=c.lead_a)
    return {"pk": _assessment_a(c).pk, "file_pk": stored.pk}


def _a_cycle_exists(c: Cast) -> dict[str, Any]:
    open_cycle(by=c.staff)
    return {}


def _start_fields(c: Cast) -> dict[str, Any]:
    return {"cycle": _assessment_a(c).cycle.pk}


def _assign_c1_to_lead(c: Cast) -> dict[str, Any]:
    return {"c1": c.lead_a_membership.pk, "c2": ""}


# view name: (url kwargs, POST data, {method: answers in the order of WHO})
# The consortium pages (cycles, review) are staff's: members of any organization, the lead of
# A included, are signed in but not staff, so 403; staff and admins 200, or 302 after a POST.
MATRIX: dict[str, tuple[Args, Data, dict[str, tuple[int, ...]]]] = {
    "organizations:index": (
        _none,
        _none,
        {"GET": (302, 200, 200, 200, 200, 200, 200), "POST": (302, 405, 405, 405, 405, 405, 405)},
    ),
    "organizations:switch": (
        _none,
        lambda c: {"organization": c.org_a.pk},
        {"GET": (302, 405, 405, 405, 405, 405, 405), "POST": (302, 302, 302, 302, 404, 404, 404)},
    ),
    "organizations:detail": (
        _org_a,
        _none,
        {"GET": (302, 200, 200, 200, 404, 200, 200), "POST": (302, 405, 405, 405, 405, 405, 405)},
    ),
    "organizations:members": (
        _org_a,
        _none,
        {"GET": (302, 200, 200, 200, 404, 200, 200), "POST": (302, 405, 405, 405, 405, 405, 405)},
    ),
    # Everything the organization entered, zipped: its lead and administrators.
    "organizations:data_export": (
        _org_a,
        _none,
        {"GET": (302, 403, 403, 200, 404, 403, 200), "POST": (302, 405, 405, 405, 405, 405, 405)},
    ),
    "organizations:invite": (
        _org_a,
        lambda c: {"email": "colleague@alpha.test", "role": "contributor"},
        {"GET": (302, 405, 405, 405, 405, 405, 405), "POST": (302, 403, 403, 302, 404, 403, 302)},
    ),
    "organizations:member_role": (
        _contributor_membership,
        lambda c: {"role": "viewer"},
        {"GET": (302, 405, 405, 405, 405, 405, 405), "POST": (302, 403, 403, 302, 404, 403, 302)},
    ),
    "organizations:member_remove": (
        _contributor_membership,
        _none,
        {"GET": (302, 403, 403, 200, 404, 403, 200), "POST": (302, 403, 403, 302, 404, 403, 302)},
    ),
    "organizations:invitation_accept": (
        _invitation,
        _none,
        {"GET": (200, 403, 403, 403, 403, 403, 403), "POST": (200, 403, 403, 403, 403, 403, 403)},
    ),
    "organizations:staff_list": (
        _none,
        _none,
        {"GET": (302, 403, 403, 403, 403, 200, 200), "POST": (302, 405, 405, 405, 405, 405, 405)},
    ),
    "organizations:staff_create": (
        _none,
        _organization_fields,
        {"GET": (302, 403, 403, 403, 403, 200, 200), "POST": (302, 403, 403, 403, 403, 302, 302)},
    ),
    "organizations:staff_edit": (
        _org_a,
        lambda c: {**_organization_fields(c), "slug": c.org_a.slug},
        {"GET": (302, 403, 403, 403, 403, 200, 200), "POST": (302, 403, 403, 403, 403, 302, 302)},
    ),
    "organizations:audit_log": (
        _none,
        _none,
        {"GET": (302, 403, 403, 403, 403, 403, 200), "POST": (302, 405, 405, 405, 405, 405, 405)},
    ),
    "consortium:cycles": (
        _none,
        _none,
        {"GET": (302, 403, 403, 403, 403, 200, 200), "POST": (302, 405, 405, 405, 405, 405, 405)},
    ),
    "consortium:cycle_create": (
        _none,
        _new_cycle_fields,
        {"GET": (302, 403, 403, 403, 403, 200, 200), "POST": (302, 403, 403, 403, 403, 302, 302)},
    ),
    # A cycle holds no organization's data, but its page lists extensions: staff only.
    "consortium:cycle": (
        _cycle_of_a,
        _none,
        {"GET": (302, 403, 403, 403, 403, 200, 200), "POST": (302, 405, 405, 405, 405, 405, 405)},
    ),
    "consortium:cycle_edit": (
        _cycle_of_a,
        _cycle_fields,
        {"GET": (302, 403, 403, 403, 403, 200, 200), "POST": (302, 403, 403, 403, 403, 302, 302)},
    ),
    "consortium:extension_grant": (
        _cycle_of_a,
        _extension_fields,
        {"GET": (302, 405, 405, 405, 405, 405, 405), "POST": (302, 403, 403, 403, 403, 302, 302)},
    ),
    "consortium:cycle_status": (
        _draft_cycle,
        lambda c: {"status": "open"},
        {"GET": (302, 405, 405, 405, 405, 405, 405), "POST": (302, 403, 403, 403, 403, 302, 302)},
    ),
    "consortium:review_queue": (
        _none,
        _none,
        {"GET": (302, 403, 403, 403, 403, 200, 200), "POST": (302, 405, 405, 405, 405, 405, 405)},
    ),
    # An assessment of organization A, submitted: even its own lead may not review it.
    "consortium:review": (
        _submitted_a,
        _none,
        {"GET": (302, 403, 403, 403, 403, 200, 200), "POST": (302, 405, 405, 405, 405, 405, 405)},
    ),
    "consortium:review_accept": (
        _submitted_a,
        _none,
        {"GET": (302, 405, 405, 405, 405, 405, 405), "POST": (302, 403, 403, 403, 403, 302, 302)},
    ),
    "consortium:review_return": (
        _submitted_a,
        lambda c: {"message": "Add the minutes you mention as evidence."},
        {"GET": (302, 405, 405, 405, 405, 405, 405), "POST": (302, 403, 403, 403, 403, 302, 302)},
    ),
    "consortium:review_queue_closed": (
        _none,
        _none,
        {"GET": (302, 403, 403, 403, 403, 200, 200), "POST": (302, 405, 405, 405, 405, 405, 405)},
    ),
    "consortium:reviewer_assign": (
        _submitted_a,
        lambda c: {"take": "1"},
        {"GET": (302, 405, 405, 405, 405, 405, 405), "POST": (302, 403, 403, 403, 403, 302, 302)},
    ),
    "consortium:commitment_accept": (
        _submitted_a_c1,
        _none,
        {"GET": (302, 405, 405, 405, 405, 405, 405), "POST": (302, 403, 403, 403, 403, 302, 302)},
    ),
    # Threads: A's editors write on their draft (staff do not see drafts); on a submitted one
    # its reviewers write too. Viewers read only; another organization's lead finds nothing.
    "assessments:comment": (
        _a,
        lambda c: {"criterion": "c1-1", "body": "Who signs this off?"},
        {"GET": (302, 405, 405, 405, 405, 405, 405), "POST": (302, 403, 302, 302, 404, 404, 404)},
    ),
    "assessments:thread_resolve": (
        _thread_of_submitted_a,
        _none,
        {"GET": (302, 405, 405, 405, 405, 405, 405), "POST": (302, 403, 302, 302, 404, 302, 302)},
    ),
    # Mail settings are each person's own; the unsubscribe link works without signing in and
    # names its person in the signed token, whoever opens it.
    "notifications:preferences": (
        _none,
        _every_kind_now,
        {"GET": (302, 200, 200, 200, 200, 200, 200), "POST": (302, 302, 302, 302, 302, 302, 302)},
    ),
    "notifications:unsubscribe": (
        _unsubscribe_lead_a,
        _none,
        {"GET": (200, 200, 200, 200, 200, 200, 200), "POST": (200, 200, 200, 200, 200, 200, 200)},
    ),
    # The dashboard and its exports show every organization's figures: 404 to all but staff.
    "consortium:dashboard": (
        _a_cycle_exists,
        _none,
        {"GET": (302, 404, 404, 404, 404, 200, 200), "POST": (302, 405, 405, 405, 405, 405, 405)},
    ),
    "consortium:export_scores": (
        _a_cycle_exists,
        _none,
        {"GET": (302, 404, 404, 404, 404, 200, 200), "POST": (302, 405, 405, 405, 405, 405, 405)},
    ),
    "consortium:export_levels": (
        _a_cycle_exists,
        _none,
        {"GET": (302, 404, 404, 404, 404, 200, 200), "POST": (302, 405, 405, 405, 405, 405, 405)},
    ),
    # The consortium report: staff build and read it; for anyone else it does not exist.
    "consortium:report_request": (
        _a_cycle_exists,
        _none,
        {"GET": (302, 405, 405, 405, 405, 405, 405), "POST": (302, 404, 404, 404, 404, 302, 302)},
    ),
    # Deleting an organization's data is the administrators' (A is active: refused, 400).
    "consortium:organization_delete": (
        _org_a,
        _none,
        {"GET": (302, 403, 403, 403, 403, 403, 200), "POST": (302, 403, 403, 403, 403, 403, 400)},
    ),
    "consortium:report": (
        _consortium_report,
        _none,
        {"GET": (302, 404, 404, 404, 404, 200, 200), "POST": (302, 405, 405, 405, 405, 405, 405)},
    ),
    # Assessments (a draft of A). Members of A read it; lead_b, and staff or admins while it
    # is a draft, get 404; viewers, staff and admins get 403 on writes they could read.
    "assessments:index": (
        _none,
        _none,
        # Each person's own organization; staff and admins with none see an explanation.
        {"GET": (302, 200, 200, 200, 200, 200, 200), "POST": (302, 405, 405, 405, 405, 405, 405)},
    ),
    "assessments:start": (
        _none,
        _start_fields,
        # Leads start their current organization's (lead_a: already started, so a message and
        # back; lead_b: B's own); no membership (staff, admin) or not a lead: 403.
        {"GET": (302, 405, 405, 405, 405, 405, 405), "POST": (302, 403, 403, 302, 302, 403, 403)},
    ),
    "assessments:overview": (
        _a,
        _none,
        {"GET": (302, 200, 200, 200, 404, 404, 404), "POST": (302, 405, 405, 405, 405, 405, 405)},
    ),
    "assessments:submit": (
        _a,
        _none,
        # Lead only; the lead's 400 is the refusal that lists what is missing (nothing answered).
        {"GET": (302, 405, 405, 405, 405, 405, 405), "POST": (302, 403, 403, 400, 404, 404, 404)},
    ),
    "assessments:assignments": (
        _a,
        _assign_c1_to_lead,
        {"GET": (302, 200, 200, 200, 404, 404, 404), "POST": (302, 403, 403, 302, 404, 404, 404)},
    ),
    "assessments:activity": (
        _a,
        _none,
        {"GET": (302, 200, 200, 200, 404, 404, 404), "POST": (302, 405, 405, 405, 405, 405, 405)},
    ),
    "assessments:improvement_plan": (
        _a,
        _none,
        {"GET": (302, 200, 200, 200, 404, 404, 404), "POST": (302, 405, 405, 405, 405, 405, 405)},
    ),
    "assessments:commitment": (
        _c1,
        _c1_answers,
        # c1 is assigned to the contributor, so they may save it (c2: 403, tested apart).
        {"GET": (302, 200, 200, 200, 404, 404, 404), "POST": (302, 403, 302, 302, 404, 404, 404)},
    ),
    "assessments:plan": (
        _c1,
        _action_fields,
        {"GET": (302, 200, 200, 200, 404, 404, 404), "POST": (302, 403, 302, 302, 404, 404, 404)},
    ),
    "assessments:plan_item": (
        _c1_action_item,
        _action_fields,
        {"GET": (302, 200, 200, 200, 404, 404, 404), "POST": (302, 403, 302, 302, 404, 404, 404)},
    ),
    "assessments:confirm": (
        _c1_first_answer,
        _none,
        {"GET": (302, 405, 405, 405, 405, 405, 405), "POST": (302, 403, 302, 302, 404, 404, 404)},
    ),
    "assessments:evidence_download": (
        _evidence_file,
        _none,
        {"GET": (302, 200, 200, 200, 404, 404, 404), "POST": (302, 405, 405, 405, 405, 405, 405)},
    ),
    # The scoring page's script: one criterion saved, a file added or removed, like the page.
    "assessments:answer_autosave": (
        _c1_first_answer,
        _c1_first_level,
        {"GET": (302, 405, 405, 405, 405, 405, 405), "POST": (302, 403, 200, 200, 404, 404, 404)},
    ),
    "assessments:evidence_upload": (
        _c1_first_answer,
        _a_pdf,
        {"GET": (302, 405, 405, 405, 405, 405, 405), "POST": (302, 403, 201, 201, 404, 404, 404)},
    ),
    "assessments:evidence_remove": (
        _evidence_file,
        _none,
        {"GET": (302, 405, 405, 405, 405, 405, 405), "POST": (302, 403, 302, 302, 404, 404, 404)},
    ),
    # Keeping every carried answer of the whole assessment at once is the lead's (a contributor
    # keeps those of an assigned commitment: ?commitment=, tested apart).
    "assessments:keep": (
        _a,
        _keep_nothing_left,
        {"GET": (302, 403, 403, 200, 404, 404, 404), "POST": (302, 403, 403, 302, 404, 404, 404)},
    ),
    # The workbook round trip is its editors': viewers may read the page but not fill it in
    # (403, as every write), anyone else finds nothing. The upload of a file that is no
    # workbook is the editors' 400; the preview with no workbook waiting sends them back.
    "assessments:workbook_download": (
        _a,
        _none,
        {"GET": (302, 403, 200, 200, 404, 404, 404), "POST": (302, 405, 405, 405, 405, 405, 405)},
    ),
    "assessments:workbook_upload": (
        _a,
        _not_a_workbook,
        {"GET": (302, 403, 200, 200, 404, 404, 404), "POST": (302, 403, 400, 400, 404, 404, 404)},
    ),
    "assessments:workbook_preview": (
        _a,
        _none,
        {"GET": (302, 403, 302, 302, 404, 404, 404), "POST": (302, 403, 302, 302, 404, 404, 404)},
    ),
    # Reports of A's submitted assessment: whoever may read the assessment may read, build and
    # retry its report (a report changes no answer); lead_b gets 404 for every id of A's.
    "reports:for_assessment": (
        _submitted_a,
        _none,
        {"GET": (302, 200, 200, 200, 404, 200, 200), "POST": (302, 302, 302, 302, 404, 302, 302)},
    ),
    "reports:status": (
        _ready_report,
        _none,
        {"GET": (302, 200, 200, 200, 404, 200, 200), "POST": (302, 405, 405, 405, 405, 405, 405)},
    ),
    "reports:download": (
        _ready_report_pdf,
        _none,
        {"GET": (302, 200, 200, 200, 404, 200, 200), "POST": (302, 405, 405, 405, 405, 405, 405)},
    ),
    "reports:retry": (
        _failed_report,
        _none,
        {"GET": (302, 405, 405, 405, 405, 405, 405), "POST": (302, 302, 302, 302, 404, 302, 302)},
    ),
}


def _questionnaire(fmt: str) -> Args:
    def args(c: Cast) -> dict[str, Any]:
        rubric = make_rubric(version="q1", name="LHS Shared Commitments")
        return {"version": rubric.version, "fmt": fmt}

    return args


def _token_of_lead_a(c: Cast) -> dict[str, Any]:
    token, _ = token_create(user=c.lead_a, name="Dashboard feed", scope="read", days=30)
    return {"pk": token.pk}


# API tokens (the Security page) are each person's own: anyone signed in makes their own (after
# giving their password again: these sessions did not just give it, so 302 to reauthenticate,
# see api/tests/test_tokens.py); only the token's own person revokes it, everyone else gets
# 404. The API itself has its own matrix of endpoints and token kinds (api/tests/).
MATRIX |= {
    "tokens:create": (
        _none,
        lambda c: {"name": "Quality dashboard", "scope": "read", "days": "30"},
        {"GET": (302, 200, 200, 200, 200, 200, 200), "POST": (302, 302, 302, 302, 302, 302, 302)},
    ),
    "tokens:revoke": (
        _token_of_lead_a,
        _none,
        {"GET": (302, 405, 405, 405, 405, 405, 405), "POST": (302, 404, 404, 302, 404, 404, 404)},
    ),
}


# The printable questionnaire shows a published rubric and no organization's data: every
# signed-in person may download it, nobody may post to it.
MATRIX |= {
    "reports:questionnaire": (
        _questionnaire("xlsx"),
        _none,
        {"GET": (302, 200, 200, 200, 200, 200, 200), "POST": (302, 405, 405, 405, 405, 405, 405)},
    ),
}


# --- Rating rounds: A's lead runs them; a rater reaches only their own sheet, and the round's
# ratings only after submitting; everyone else gets 404 (the round's existence is not shown).


def _round_a(c: Cast) -> Round:
    """A round on A's draft assessment (made once per test), the contributor invited."""
    existing: Round | None = getattr(c, "_round_a", None)
    if existing is None:
        assessment = _assessment_a(c)
        existing = round_open(
            assessment=assessment,
            commitments=[assessment.cycle.rubric.commitments.get(code="c1")],
            closes_on=days_from_today(7),
            named=False,
            by=c.lead_a,
        )
        rater_invite(rnd=existing, user=c.contributor_a, is_partner=False, by=c.lead_a)
        c._round_a = existing
    return existing


def _round(c: Cast) -> dict[str, Any]:
    return {"pk": _round_a(c).pk}


def _round_c1_1(c: Cast) -> dict[str, Any]:
    return {"pk": _round_a(c).pk, "code": "c1-1"}


def _round_fields(c: Cast) -> dict[str, Any]:
    c1 = _assessment_a(c).cycle.rubric.commitments.get(code="c1")
    return {"commitments": [c1.pk], "closes_on": days_from_today(5).isoformat()}


def _invite_viewer(c: Cast) -> dict[str, Any]:
    return {"membership": c.viewer_a_membership.pk}


def _consensus_fields(c: Cast) -> dict[str, Any]:
    return {"level": "3", "reason": "We agreed in the meeting."}


def _rating_fields(c: Cast) -> dict[str, Any]:
    criterion = _assessment_a(c).cycle.rubric.commitments.get(code="c1").criteria.first()
    assert criterion is not None
    return {f"level-{criterion.pk}": "2", f"rationale-{criterion.pk}": "Seen it.", "action": "save"}


ONLY_A_LEAD = {
    "GET": (302, 404, 404, 200, 404, 404, 404),
    "POST": (302, 405, 405, 405, 405, 405, 405),
}
LEAD_POSTS = {
    "GET": (302, 405, 405, 405, 405, 405, 405),
    "POST": (302, 404, 404, 302, 404, 404, 404),
}
MATRIX |= {
    # Members see the list; only the lead opens a round. Staff see no draft: 404.
    "ratings:rounds": (
        _a,
        _round_fields,
        {"GET": (302, 200, 200, 200, 404, 404, 404), "POST": (302, 403, 403, 302, 404, 404, 404)},
    ),
    "ratings:round": (_round, _none, ONLY_A_LEAD),
    "ratings:invite": (_round, _invite_viewer, LEAD_POSTS),
    "ratings:close": (_round, _none, LEAD_POSTS),
    "ratings:consensus": (_round_c1_1, _consensus_fields, LEAD_POSTS),
    # The invited contributor only; not even A's lead opens someone's sheet.
    "ratings:sheet": (
        _round,
        _rating_fields,
        {"GET": (302, 404, 200, 404, 404, 404, 404), "POST": (302, 404, 302, 404, 404, 404, 404)},
    ),
    # The lead; the contributor has not submitted yet, so the ratings stay closed to them.
    "ratings:results": (_round, _none, ONLY_A_LEAD),
}


# Views of our apps that show no organization's data, each listed on purpose with the reason;
# a view in neither table fails the test below.
NO_ORGANIZATION_DATA = {
    "commitments:index": "the published rubric, the same for every signed-in person",
    "commitments:commitment": "one commitment of the published rubric, the same for everyone",
}


def _our_view_names(patterns: list[Any], namespace: str = "") -> set[str]:
    names: set[str] = set()
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = p.namespace or namespace
            names |= _our_view_names(p.url_patterns, ns)
        elif isinstance(p, URLPattern) and namespace in OUR_NAMESPACES:
            names.add(f"{namespace}:{p.name}")
    return names


def test_every_view_of_our_apps_has_a_row() -> None:
    found = _our_view_names(get_resolver().url_patterns)
    assert "organizations:members" in found
    assert not set(MATRIX) & set(NO_ORGANIZATION_DATA)
    missing = found - set(MATRIX) - set(NO_ORGANIZATION_DATA)
    assert not missing, f"views without a row in the permission matrix: {sorted(missing)}"
    assert not set(MATRIX) - found, "rows for views that no longer exist"


def _person(cast: Cast, who: str) -> Any:
    return None if who == "anonymous" else getattr(cast, who)


CASES = [
    pytest.param(view, method, i, id=f"{view}-{method}-{who}")
    for view, (_, _, answers) in MATRIX.items()
    for method in ("GET", "POST")
    for i, who in enumerate(WHO)
]


@pytest.mark.parametrize(("view", "method", "who_index"), CASES)
def test_each_person_gets_the_designed_answer(
    client: Client, cast: Cast, view: str, method: str, who_index: int
) -> None:
    url_kwargs, data, answers = MATRIX[view]
    url = reverse(view, kwargs=url_kwargs(cast))
    person = _person(cast, WHO[who_index])
    if person is not None:
        client.force_login(person)
    response = client.get(url) if method == "GET" else client.post(url, data(cast))
    expected = answers[method][who_index]
    assert response.status_code == expected, (
        f"{WHO[who_index]} {method} {url}: {response.status_code}, designed {expected}"
    )


def test_the_lead_of_another_organization_sees_nothing_of_a_in_pages(
    client: Client, cast: Cast
) -> None:
    client.force_login(cast.lead_b)
    for view in ("organizations:index",):
        html = client.get(reverse(view)).content.decode()
        assert cast.org_a.name not in html
        assert "lead@alpha.test" not in html


def test_a_member_cannot_switch_to_an_organization_by_guessing_its_id(
    client: Client, cast: Cast
) -> None:
    client.force_login(cast.lead_b)
    response = client.post(reverse("organizations:switch"), {"organization": cast.org_a.pk})
    assert response.status_code == 404
    assert client.session.get("current_organization_id") != cast.org_a.pk


def test_a_member_role_check_is_not_fooled_by_another_membership(
    client: Client, cast: Cast
) -> None:
    """Leading B does not make someone a lead of A, where they are a viewer."""
    Membership.objects.filter(pk=cast.viewer_a_membership.pk).update(user=cast.lead_b)
    client.force_login(cast.lead_b)
    url = reverse(
        "organizations:member_role", args=[cast.org_a.slug, cast.contributor_a_membership.pk]
    )
    assert client.post(url, {"role": "lead"}).status_code == 403


# Once A's assessment is submitted, staff and admins read it; nobody writes it (403), since it is
# locked until the consortium returns it; lead_b still gets 404.
SUBMITTED_READS = (
    "overview", "activity", "assignments", "improvement_plan", "commitment", "plan",
    "evidence_download",
)  # fmt: skip
SUBMITTED_WRITES = (
    "submit", "assignments", "commitment", "plan", "confirm",
    "answer_autosave", "evidence_upload", "evidence_remove", "keep", "workbook_upload",
    "workbook_preview",
)  # fmt: skip
READ_ANSWERS = (302, 200, 200, 200, 404, 200, 200)
WRITE_ANSWERS = (302, 403, 403, 403, 404, 403, 403)


def _submitted_assessment_a(c: Cast) -> Assessment:
    """A's assessment, complete with one evidence file, then submitted."""
    a = started(organization=c.org_a, by=c.staff)
    answer_all(assessment=a, by=c.lead_a)
    evidence(answer=a.answers.order_by("id").first(), by=c.lead_a)
    return assessment_submit(assessment=a, by=c.lead_a)


def _submitted_kwargs(view: str, a: Assessment) -> dict[str, Any]:
    if view in ("commitment", "plan"):
        return {"pk": a.pk, "code": "c1"}
    if view in ("evidence_download", "evidence_remove"):
        return {"pk": a.pk, "file_pk": EvidenceFile.objects.get(answer__assessment=a).pk}
    if view in ("confirm", "answer_autosave", "evidence_upload"):
        return {"pk": a.pk, "answer_pk": a.answers.order_by("id").first().pk}
    return {"pk": a.pk}


@pytest.mark.parametrize(
    ("view", "method", "who_index"),
    [
        pytest.param(view, method, i, id=f"submitted-{view}-{method}-{who}")
        for method, views in (("GET", SUBMITTED_READS), ("POST", SUBMITTED_WRITES))
        for view in views
        for i, who in enumerate(WHO)
    ],
)
def test_a_submitted_assessment_is_read_by_staff_and_written_by_nobody(
    client: Client, cast: Cast, view: str, method: str, who_index: int
) -> None:
    a = _submitted_assessment_a(cast)
    url = reverse(f"assessments:{view}", kwargs=_submitted_kwargs(view, a))
    person = _person(cast, WHO[who_index])
    if person is not None:
        client.force_login(person)
    response = client.get(url) if method == "GET" else client.post(url, {"title": "x"})
    expected = (READ_ANSWERS if method == "GET" else WRITE_ANSWERS)[who_index]
    assert response.status_code == expected, f"{WHO[who_index]} {method} {url}"


def _int_kwargs_of(patterns: list[Any], namespace: str = "") -> dict[str, set[str]]:
    """{view name: the names of its integer path arguments}, for our apps' views."""
    found: dict[str, set[str]] = {}
    for p in patterns:
        if isinstance(p, URLResolver):
            found |= _int_kwargs_of(p.url_patterns, p.namespace or namespace)
        elif isinstance(p, URLPattern) and namespace in OUR_NAMESPACES:
            converters = getattr(p.pattern, "converters", {})
            ints = {k for k, c in converters.items() if isinstance(c, IntConverter)}
            if ints:
                found[f"{namespace}:{p.name}"] = ints
    return found


# Ids beyond any row (past a bigint) in every address with an id: 404 or a refusal, never 500.
HUGE_ID = 2**64
INT_KWARGS = _int_kwargs_of(get_resolver().url_patterns)


@pytest.mark.parametrize("view", sorted(INT_KWARGS))
@pytest.mark.parametrize("who", ["lead_a", "staff"])
def test_an_id_beyond_any_row_in_an_address_is_404_never_500(
    client: Client, cast: Cast, view: str, who: str
) -> None:
    url_kwargs, data, _ = MATRIX[view]
    real = url_kwargs(cast)
    client.force_login(getattr(cast, who))
    client.raise_request_exception = False
    for name in INT_KWARGS[view]:
        url = reverse(view, kwargs={**real, name: HUGE_ID})
        for response in (client.get(url), client.post(url, data(cast))):
            assert response.status_code in (403, 404, 405), f"{url}: {response.status_code}"


# --- Nothing the site answers is kept by a browser or a proxy ------------------------------------


def _stored_anywhere(response: Any) -> str:
    """Why a shared browser or proxy could keep this answer, or "" when it cannot."""
    header = response.get("Cache-Control", "")
    directives = {d.strip().split("=")[0] for d in header.split(",")}
    missing = {"private", "no-store"} - directives
    return f"Cache-Control {header!r} lacks {sorted(missing)}" if missing else ""


@pytest.mark.parametrize(
    ("view", "method", "who_index"),
    [
        pytest.param(view, method, i, id=f"{view}-{method}-{WHO[i]}")
        for view, (_, _, answers) in MATRIX.items()
        for method in ("GET", "POST")
        # The first person who gets the page itself (or its redirect after a POST), and lead_b,
        # whose 404 must not be stored either.
        for i in sorted(
            {next((i for i, s in enumerate(answers[method]) if s in (200, 201, 302)), 0), 4}
        )
    ],
)
def test_every_answer_of_every_view_is_marked_private_no_store(
    client: Client, cast: Cast, view: str, method: str, who_index: int
) -> None:
    url_kwargs, data, _ = MATRIX[view]
    url = reverse(view, kwargs=url_kwargs(cast))
    person = _person(cast, WHO[who_index])
    if person is not None:
        client.force_login(person)
    response = client.get(url) if method == "GET" else client.post(url, data(cast))
    assert not _stored_anywhere(response), f"{method} {url} ({response.status_code})"


@pytest.mark.parametrize("path", argument_free_paths())
def test_every_page_without_arguments_is_marked_private_no_store(
    client: Client, cast: Cast, path: str
) -> None:
    """Sign-in, the rubric, the admin, health: signed in as staff, and anonymous."""
    client.raise_request_exception = False
    assert not _stored_anywhere(client.get(path)), f"anonymous GET {path}"
    client.force_login(cast.staff)
    assert not _stored_anywhere(client.get(path)), f"staff GET {path}"


def test_static_files_stay_cacheable(client: Client) -> None:
    """WhiteNoise answers before the no-store middleware; our own CSS keeps its cache."""
    from django.conf import settings

    assert settings.MIDDLEWARE.index("whitenoise.middleware.WhiteNoiseMiddleware") < (
        settings.MIDDLEWARE.index("lhs_assess.middleware.NoStoreMiddleware")
    )


# --- Partners: members of A only to rate what they are invited to; to every view they are
# someone from outside A. Where lead_b's answer comes from leading B, the partner's is listed.
PARTNER_DIFFERS: dict[tuple[str, str], int] = {
    ("assessments:start", "POST"): 403,  # lead_b starts B's own; a partner leads nothing
}


@pytest.mark.parametrize(
    ("view", "method"),
    [(view, method) for view in MATRIX for method in ("GET", "POST")],
    ids=[f"{view}-{method}" for view in MATRIX for method in ("GET", "POST")],
)
def test_a_partner_of_a_gets_what_an_outsider_gets(
    client: Client, cast: Cast, view: str, method: str
) -> None:
    url_kwargs, data, answers = MATRIX[view]
    url = reverse(view, kwargs=url_kwargs(cast))
    partner = MembershipFactory(
        organization=cast.org_a, role=Membership.Role.PARTNER, user=UserFactory()
    ).user
    client.force_login(partner)
    response = client.get(url) if method == "GET" else client.post(url, data(cast))
    expected = PARTNER_DIFFERS.get((view, method), answers[method][WHO.index("lead_b")])
    assert response.status_code == expected, f"partner {method} {url}: {response.status_code}"
    if response.status_code == 200:
        assert cast.org_a.name.encode() not in response.content
