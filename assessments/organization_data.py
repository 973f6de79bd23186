"""Everything an organization entered, in one zip for its lead: JSON plus the evidence files.

The organization owns what it wrote; this is how it takes it away (or keeps its own copy) in a
form another program can read: `organization.json` (its record, members, invitations, and per
assessment every answer, file, assignment, plan item, thread, extension and stored score) and
`files/<cycle>/<criterion>/<id>-<name>` for each evidence file, removed ones included.
"""

import json
import tempfile
import zipfile
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

from django.db.models import Prefetch
from django.utils import timezone

from organizations.models import Invitation, Membership, Organization, User

from .models import (
    ActionItem,
    Answer,
    Assessment,
    Assignment,
    CommitmentScore,
    EvidenceFile,
    Extension,
    Thread,
)

FORMAT = 1


def _email(user: User | None) -> str | None:
    return user.email if user is not None else None


def _json_default(value: object) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def _file_path(assessment: Assessment, stored: EvidenceFile) -> str:
    cycle = assessment.cycle.name.replace("/", "-").replace("\\", "-").strip(".") or "cycle"
    return f"files/{cycle}/{stored.answer.criterion.code}/{stored.pk}-{stored.original_name}"


def organization_data(*, organization: Organization) -> dict[str, Any]:
    """The organization's own data as plain JSON-ready values (a fixed number of queries)."""
    assessments = (
        Assessment.objects.filter(organization=organization)
        .select_related("cycle__rubric")
        .prefetch_related(
            Prefetch(
                "answers",
                Answer.objects.select_related("criterion", "answered_by").prefetch_related(
                    Prefetch(
                        "files",
                        EvidenceFile.objects.select_related(
                            "uploaded_by", "removed_by", "answer__criterion"
                        ),
                    )
                ),
            ),
            Prefetch(
                "assignments",
                Assignment.objects.select_related("commitment", "membership__user"),
            ),
            Prefetch(
                "action_items",
                ActionItem.objects.select_related("commitment", "criterion", "owner"),
            ),
            Prefetch(
                "threads",
                Thread.objects.select_related("criterion").prefetch_related("comments__author"),
            ),
            Prefetch("scores", CommitmentScore.objects.select_related("commitment")),
        )
        .order_by("cycle__opens_on", "id")
    )
    extensions = Extension.objects.filter(organization=organization).select_related("cycle")
    return {
        "format": FORMAT,
        "exported_at": timezone.now(),
        "organization": {
            "name": organization.name,
            "slug": organization.slug,
            "type": organization.type,
            "region": organization.region,
            "size_band": organization.size_band,
            "is_active": organization.is_active,
            "created_at": organization.created_at,
        },
        "members": [
            {
                "email": m.user.email,
                "name": m.user.get_full_name(),
                "role": m.role,
                "since": m.created_at,
            }
            for m in Membership.objects.filter(organization=organization).select_related("user")
        ],
        "invitations": [
            {
                "email": i.email,
                "role": i.role,
                "invited_by": _email(i.invited_by),
                "created_at": i.created_at,
                "expires_at": i.expires_at,
                "accepted_at": i.accepted_at,
            }
            for i in Invitation.objects.filter(organization=organization).select_related(
                "invited_by"
            )
        ],
        "extensions": [
            {"cycle": e.cycle.name, "until": e.until, "reason": e.reason} for e in extensions
        ],
        "assessments": [_assessment(a) for a in assessments],
    }


def _assessment(a: Assessment) -> dict[str, Any]:
    return {
        "cycle": a.cycle.name,
        "rubric": f"{a.cycle.rubric.name} {a.cycle.rubric.version}",
        "status": a.status,
        "submitted_at": a.submitted_at,
        "answers": [
            {
                "criterion": r.criterion.code,
                "level": r.level,
                "not_applicable": r.not_applicable,
                "na_reason": r.na_reason,
                "evidence": r.evidence,
                "evidence_links": r.evidence_links,
                "notes": r.notes,
                "change_reason": r.change_reason,
                "confidence": r.confidence,
                "carried_forward": r.carried_forward,
                "answered_by": _email(r.answered_by),
                "updated_at": r.updated_at,
                "files": [
                    {
                        "name": f.original_name,
                        "content_type": f.content_type,
                        "size": f.size,
                        "uploaded_by": _email(f.uploaded_by),
                        "uploaded_at": f.uploaded_at,
                        "removed_at": f.removed_at,
                        "path": _file_path(a, f),
                    }
                    for f in r.files.all()
                ],
            }
            for r in a.answers.all()
        ],
        "assignments": [
            {"commitment": s.commitment.code, "member": s.membership.user.email}
            for s in a.assignments.all()
        ],
        "improvement_plan": [
            {
                "commitment": i.commitment.code,
                "criterion": i.criterion.code if i.criterion else None,
                "title": i.title,
                "description": i.description,
                "target_level": i.target_level,
                "owner": _email(i.owner),
                "due_date": i.due_date,
                "status": i.status,
            }
            for i in a.action_items.all()
        ],
        "threads": [
            {
                "criterion": t.criterion.code if t.criterion else None,
                "resolved_at": t.resolved_at,
                "comments": [
                    {"author": _email(c.author), "body": c.body, "at": c.created_at}
                    for c in t.comments.all()
                ],
            }
            for t in a.threads.all()
        ],
        "scores": [{"commitment": s.commitment.code, "score": s.score} for s in a.scores.all()],
    }


def organization_archive(*, organization: Organization) -> IO[bytes]:
    """The zip, in a temporary file (spilled to disk past 10 MB), rewound for reading."""
    data = organization_data(organization=organization)
    out: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=10 * 1024 * 1024)  # noqa: SIM115 - returned open; the response closes it
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "organization.json",
            json.dumps(data, indent=2, default=_json_default, ensure_ascii=False),
        )
        for stored in EvidenceFile.objects.filter(
            answer__assessment__organization=organization
        ).select_related("answer__criterion", "answer__assessment__cycle"):
            with stored.file.open("rb") as f:
                z.writestr(_file_path(stored.answer.assessment, stored), f.read())
    out.seek(0)
    return out
