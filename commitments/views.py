"""The published rubric, for anyone signed in: the newest version, or ?version= another."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from .models import Rubric
from .selectors import (
    commitment_page,
    crosswalk_changes,
    published_rubric,
    published_versions,
    rubric_commitments,
    rubric_levels,
)


def _rubric(request: HttpRequest) -> Rubric | None:
    version = request.GET.get("version", "")
    rubric = published_rubric(version=version or None)
    if version and rubric is None:
        raise Http404("No published rubric has that version.")
    return rubric


@login_required
def index(request: HttpRequest) -> HttpResponse:
    rubric = _rubric(request)
    context: dict[str, object] = {"rubric": rubric}
    if rubric is not None:
        context |= {
            "commitments": rubric_commitments(rubric=rubric),
            "levels": rubric_levels(rubric=rubric),
            "changes": crosswalk_changes(target=rubric),
            "versions": published_versions(),
        }
    return render(request, "commitments/index.html", context)


@login_required
def commitment(request: HttpRequest, code: str) -> HttpResponse:
    rubric = _rubric(request)
    if rubric is None:
        return render(request, "commitments/index.html", {"rubric": None}, status=404)
    context = {
        "rubric": rubric,
        "commitment": commitment_page(rubric=rubric, code=code),
        "levels": rubric_levels(rubric=rubric),
    }
    return render(request, "commitments/commitment.html", context)
