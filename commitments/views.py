"""The published rubric, for anyone signed in."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .selectors import commitment_page, published_rubric, rubric_commitments, rubric_levels


@login_required
def index(request: HttpRequest) -> HttpResponse:
    rubric = published_rubric()
    context: dict[str, object] = {"rubric": rubric}
    if rubric is not None:
        context |= {
            "commitments": rubric_commitments(rubric=rubric),
            "levels": rubric_levels(rubric=rubric),
        }
    return render(request, "commitments/index.html", context)


@login_required
def commitment(request: HttpRequest, code: str) -> HttpResponse:
    rubric = published_rubric()
    if rubric is None:
        return render(request, "commitments/index.html", {"rubric": None}, status=404)
    context = {
        "rubric": rubric,
        "commitment": commitment_page(rubric=rubric, code=code),
        "levels": rubric_levels(rubric=rubric),
    }
    return render(request, "commitments/commitment.html", context)
