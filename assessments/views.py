"""The organization's assessment pages: list, overview, commitments, plan, assignments, activity.

Every view asks `organizations.access` first; reads come from selectors, writes from services.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from commitments.models import Commitment
from commitments.selectors import commitments_of
from lhs_assess.forms import form_add_errors
from organizations import access
from organizations.models import Membership

from . import selectors, services
from .forms import ActionItemForm, AssignmentsForm, CommitmentForm, PlanFilterForm, StartForm
from .models import ActionItem, Answer, Assessment, EvidenceFile

LEAD = Membership.Role.LEAD
STALE_MESSAGE = (
    "Nothing was saved: someone else saved an answer on this page after you opened it. "
    "Your text is kept below, beside the version now stored. Save again to replace theirs "
    "(choose any file again: files are not kept between attempts)."
)


def _errors(e: ValidationError) -> str:
    return " ".join(e.messages)


def _saved_message(saved: list[Answer], files: list[EvidenceFile]) -> str:
    parts = []
    if saved:
        parts.append(f"Saved {', '.join(r.criterion.code for r in saved)}.")
    if files:
        parts.append(f"Added {', '.join(f.original_name for f in files)}.")
    return " ".join(parts) or "Nothing had changed, so nothing was saved."


def _assigned_message(changed: list[str]) -> str:
    if not changed:
        return "Nothing had changed."
    return f"Assignments changed for {', '.join(changed)}."


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    membership = access.current_membership(request)
    context: dict[str, object] = {"membership": membership}
    if membership is not None:
        organization = membership.organization
        assessments = list(selectors.assessments_of_organization(organization=organization))
        context |= {
            "assessments": assessments,
            "open_cycles": selectors.cycles_open_without_assessment(organization=organization),
            "is_lead": membership.role == LEAD,
            "can_carry": any(a.status in Assessment.SUBMITTED_STATES for a in assessments),
        }
    return render(request, "assessments/index.html", context)


@login_required
@require_POST
def start(request: HttpRequest) -> HttpResponse:
    membership = access.current_lead_membership(request)
    form = StartForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a cycle to start.")
        return redirect("assessments:index")
    cycle = selectors.cycle_open_for_start(pk=form.cleaned_data["cycle"])
    try:
        assessment = services.assessment_start(
            organization=membership.organization,
            cycle=cycle,
            by=access.signed_in(request),
            carry_forward=form.cleaned_data["carry_forward"],
        )
    except ValidationError as e:
        messages.error(request, _errors(e))
        return redirect("assessments:index")
    messages.success(request, f"Started the {cycle.name} assessment.")
    return redirect("assessments:overview", pk=assessment.pk)


def _overview(
    request: HttpRequest,
    acc: access.AssessmentAccess,
    missing: object = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "assessment": acc.assessment,
        "rights": acc,
        "overview": selectors.assessment_overview(assessment=acc.assessment),
        "missing": missing,
    }
    return render(request, "assessments/overview.html", context, status=status)


@login_required
@require_GET
def overview(request: HttpRequest, pk: int) -> HttpResponse:
    return _overview(request, access.assessment_access(user=request.user, pk=pk))


@login_required
@require_POST
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    acc = access.assessment_access(user=request.user, pk=pk, need=access.Need.LEAD)
    try:
        services.assessment_submit(assessment=acc.assessment, by=access.signed_in(request))
    except ValidationError as e:
        messages.error(request, _errors(e))
        missing = services.answers_missing(assessment=acc.assessment)
        return _overview(request, acc, missing=missing, status=400)
    messages.success(request, "Submitted. The consortium will review your assessment.")
    return redirect("assessments:overview", pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def commitment(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    writing = request.method == "POST"
    acc = access.assessment_access(
        user=request.user, pk=pk, need=access.Need.EDIT if writing else access.Need.VIEW
    )
    assessment = acc.assessment
    text = selectors.commitment_text(assessment=assessment, code=code)
    if writing:
        acc.require_write(text.commitment.pk)
    answers = selectors.commitment_answers(assessment=assessment, commitment=text.commitment)
    form = CommitmentForm(
        request.POST if writing else None,
        request.FILES if writing else None,
        text=text,
        answers=answers,
    )
    if not writing:
        return _commitment_page(request, acc, text, form)
    if not form.is_valid():
        return _commitment_page(request, acc, text, form, status=400)
    return _commitment_save(request, acc, text, form)


def _commitment_save(
    request: HttpRequest,
    acc: access.AssessmentAccess,
    text: selectors.CommitmentText,
    form: CommitmentForm,
) -> HttpResponse:
    assessment = acc.assessment
    try:
        saved, files = services.commitment_answers_save(
            assessment=assessment,
            answers=form.answers(),
            uploads=form.uploads(),
            by=access.signed_in(request),
        )
    except services.StaleAnswerError:
        current = selectors.commitment_answers(assessment=assessment, commitment=text.commitment)
        form = CommitmentForm.after_conflict(request.POST, text=text, current=current)
        messages.error(request, STALE_MESSAGE)
        return _commitment_page(request, acc, text, form, status=409)
    except ValidationError as e:
        messages.error(request, _errors(e))
        return _commitment_page(request, acc, text, form, status=400)
    messages.success(request, _saved_message(saved, files))
    return redirect("assessments:commitment", pk=assessment.pk, code=text.commitment.code)


def _commitment_page(
    request: HttpRequest,
    acc: access.AssessmentAccess,
    text: selectors.CommitmentText,
    form: CommitmentForm,
    status: int = 200,
) -> HttpResponse:
    context = {
        "assessment": acc.assessment,
        "rights": acc,
        "text": text,
        "form": form,
        "can_write": acc.may_write(text.commitment.pk),
    }
    return render(request, "assessments/commitment.html", context, status=status)


@login_required
@require_POST
def confirm(request: HttpRequest, pk: int, answer_pk: int) -> HttpResponse:
    acc = access.assessment_access(user=request.user, pk=pk, need=access.Need.EDIT)
    answer = acc.answer(answer_pk)
    commitment = answer.criterion.commitment
    acc.require_write(commitment.pk)
    try:
        services.answer_confirm(answer=answer, by=access.signed_in(request))
    except ValidationError as e:
        messages.error(request, _errors(e))
    else:
        messages.success(request, f"Confirmed {answer.criterion.code} unchanged.")
    url = reverse("assessments:commitment", args=[pk, commitment.code])
    return redirect(f"{url}#criterion-{answer.criterion.code}")


@login_required
@require_GET
def evidence_download(request: HttpRequest, pk: int, file_pk: int) -> FileResponse:
    stored = access.assessment_access(user=request.user, pk=pk).evidence_file(file_pk)
    return FileResponse(
        stored.file.open("rb"),
        as_attachment=True,
        filename=stored.original_name,
        content_type=stored.content_type,
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan(request: HttpRequest, pk: int, code: str, item_pk: int | None = None) -> HttpResponse:
    writing = request.method == "POST"
    acc = access.assessment_access(
        user=request.user, pk=pk, need=access.Need.EDIT if writing else access.Need.VIEW
    )
    assessment = acc.assessment
    commitment = selectors.plan_commitment(assessment=assessment, code=code)
    item = None
    if item_pk is not None:
        item = acc.action_item(commitment_id=commitment.pk, pk=item_pk)
    if writing:
        acc.require_write(commitment.pk)
    members = list(selectors.organization_members(organization=assessment.organization))
    form = ActionItemForm(
        request.POST if writing else None, commitment=commitment, members=members, item=item
    )
    if writing and form.is_valid():
        try:
            saved = services.action_item_save(
                assessment=assessment,
                commitment=commitment,
                data=form.to_input(),
                by=access.signed_in(request),
                item=item,
            )
        except ValidationError as e:
            form_add_errors(form, e)
        else:
            messages.success(request, f"Saved the action “{saved.title}”.")
            return redirect("assessments:plan", pk=pk, code=code)
    return _plan_page(request, acc, commitment, form, item, status=400 if writing else 200)


def _plan_page(
    request: HttpRequest,
    acc: access.AssessmentAccess,
    commitment: Commitment,
    form: ActionItemForm,
    item: ActionItem | None,
    status: int,
) -> HttpResponse:
    context = {
        "assessment": acc.assessment,
        "rights": acc,
        "commitment": commitment,
        "item": item,
        "items": selectors.action_items(assessment=acc.assessment, commitment=commitment),
        "form": form,
        "can_write": acc.may_write(commitment.pk),
    }
    return render(request, "assessments/plan.html", context, status=status)


@login_required
@require_GET
def improvement_plan(request: HttpRequest, pk: int) -> HttpResponse:
    """Every commitment's plan items, filtered by owner, status and due date."""
    acc = access.assessment_access(user=request.user, pk=pk)
    members = list(selectors.organization_members(organization=acc.assessment.organization))
    form = PlanFilterForm(request.GET or None, members=members)
    items = selectors.improvement_plan(
        assessment=acc.assessment, filters=form.filters(), today=timezone.localdate()
    )
    context = {
        "assessment": acc.assessment,
        "rights": acc,
        "form": form,
        "items": list(items),
        "commitments": commitments_of(rubric_id=acc.assessment.cycle.rubric_id),
    }
    return render(request, "assessments/improvement_plan.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def assignments(request: HttpRequest, pk: int) -> HttpResponse:
    writing = request.method == "POST"
    acc = access.assessment_access(
        user=request.user, pk=pk, need=access.Need.LEAD if writing else access.Need.VIEW
    )
    assessment = acc.assessment
    commitments = commitments_of(rubric_id=assessment.cycle.rubric_id)
    members = list(selectors.organization_members(organization=assessment.organization))
    current = selectors.assignments_by_commitment(assessment=assessment)
    form = AssignmentsForm(
        request.POST if writing else None,
        commitments=commitments,
        members=members,
        current=current,
    )
    if writing and form.is_valid():
        try:
            changed = services.assignments_set(
                assessment=assessment, choices=form.choices(), by=access.signed_in(request)
            )
        except ValidationError as e:
            form_add_errors(form, e)
        else:
            messages.success(request, _assigned_message(changed))
            return redirect("assessments:assignments", pk=pk)
    context = {"assessment": assessment, "form": form, "rights": acc}
    return render(request, "assessments/assignments.html", context, status=400 if writing else 200)


@login_required
@require_GET
def activity(request: HttpRequest, pk: int) -> HttpResponse:
    acc = access.assessment_access(user=request.user, pk=pk)
    entries = selectors.assessment_activity(assessment=acc.assessment)
    context = {"assessment": acc.assessment, "rights": acc, "entries": entries}
    return render(request, "assessments/activity.html", context)
