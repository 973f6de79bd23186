"""Pick a criterion's thread out of `assessment_threads` in a template."""

from django import template

from commitments.models import Criterion
from commitments.rubric_file import CriterionSpec

from ..models import Thread

register = template.Library()


@register.filter
def thread_of(
    threads: dict[str | None, Thread], criterion: Criterion | CriterionSpec | None
) -> Thread | None:
    """The thread of a criterion (as a row or as rubric text), or of the whole (None)."""
    return threads.get(criterion.code if criterion is not None else None)
