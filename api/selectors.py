"""Reads of personal access tokens.

A token belongs to one person and holds no organization's data, so its lookup is scoped here,
by its owner, rather than in organizations/access.py (which sits below this app and may not
import it); everything a token reaches goes through organizations/access.py as pages do.
"""

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from assessments.models import Answer, Assessment, EvidenceFile
from commitments.models import Commitment, Criterion, LevelDescriptor, MaturityLevel, Rubric
from organizations.models import User
from reports.models import Report

from .models import AccessToken


def tokens_of(*, user: User) -> QuerySet[AccessToken]:
    """The person's tokens, newest first, revoked and expired ones included (for the record)."""
    return AccessToken.objects.filter(user=user).order_by("-created_at", "-id")


def token_of(*, user: User, pk: int) -> AccessToken:
    """One of the person's own tokens; 404 for any other id."""
    return get_object_or_404(AccessToken, user=user, pk=pk)


def token_by_prefix(*, prefix: str) -> AccessToken | None:
    """The token whose visible prefix is `prefix`, with its person, or None."""
    return AccessToken.objects.select_related("user").filter(prefix=prefix).first()


# --- What the API reads, on top of the pages' selectors ------------------------------------------


def published_rubrics() -> QuerySet[Rubric]:
    """Every published rubric version, newest first."""
    return Rubric.objects.filter(status=Rubric.Status.PUBLISHED).order_by("-published_at", "-id")


def rubric_in_full(*, version: str) -> Rubric:
    """The published rubric `version` with its levels, commitments, criteria and descriptors
    (five queries whatever its size); 404 when no published rubric has that version."""
    return get_object_or_404(
        published_rubrics().prefetch_related(
            Prefetch("levels", queryset=MaturityLevel.objects.order_by("level")),
            Prefetch(
                "commitments",
                queryset=Commitment.objects.order_by("order").prefetch_related(
                    Prefetch(
                        "criteria",
                        queryset=Criterion.objects.order_by("order").prefetch_related(
                            Prefetch(
                                "descriptors", queryset=LevelDescriptor.objects.order_by("level")
                            )
                        ),
                    )
                ),
            ),
        ),
        version=version,
    )


def assessment_answers(*, assessment: Assessment) -> QuerySet[Answer]:
    """Every answer of the assessment in rubric order, with criterion, author and live files
    (`live_files`): two queries however many answers and files."""
    return (
        Answer.objects.filter(assessment=assessment)
        .select_related("criterion__commitment", "answered_by")
        .prefetch_related(
            Prefetch(
                "files",
                queryset=EvidenceFile.objects.filter(removed_at__isnull=True).order_by(
                    "uploaded_at", "id"
                ),
                to_attr="live_files",
            )
        )
        .order_by("criterion__commitment__order", "criterion__order")
    )


def assessment_reports(*, assessment: Assessment) -> QuerySet[Report]:
    """The assessment's maturity reports, newest first."""
    return Report.objects.filter(kind=Report.Kind.MATURITY, assessment=assessment).order_by(
        "-created_at", "-id"
    )
