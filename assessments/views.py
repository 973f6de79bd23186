"""The organization's assessment pages: list, overview, commitments, plan, assignments, activity.

Every view asks `organizations.access` first; reads come from selectors, writes from services.
"""

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from commitments.models import Commitment, Criterion
from commitments.selectors import commitments_of
from lhs_assess.forms import form_add_errors
from organizations import access
from organizations.models import Membership
from organizations.services import download_record

from . import selectors, services, workbook
from .forms import (
    ActionItemForm,
    AnswerFields,
    AssignmentsForm,
    CommentForm,
    CommitmentForm,
    KeepForm,
    PlanFilterForm,
    StartForm,
    WorkbookConfirmForm,
    WorkbookUploadForm,
    answer_values,
)
from .models import ActionItem, Answer, Assessment, Cycle, EvidenceFile

LEAD = Membership.Role.LEAD
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Evidence a browser shows safely by itself (nosniff is on; nothing here runs script).
INLINE_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg", "text/plain"})
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
        parts.append(f"Saved {', '.join(r.criterion.code.upper() for r in saved)}.")
    if files:
        parts.append(f"Added {', '.join(f.original_name for f in files)}.")
    return " ".join(parts) or "Everything on this page was already saved."


def _assigned_message(changed: list[str]) -> str:
    if not changed:
        return "Nothing had changed."
    return f"Assignments changed for {', '.join(changed)}."


def _index(
    request: HttpRequest, start_error: tuple[int, str, str] | None = None, status: int = 200
) -> HttpResponse:
    membership = access.current_membership(request)
    context: dict[str, object] = {"membership": membership, "start_error": start_error}
    open_cycles: list[Cycle] = []
    if membership is not None:
        organization = membership.organization
        assessments = list(selectors.assessments_of_organization(organization=organization))
        open_cycles = list(selectors.cycles_open_without_assessment(organization=organization))
        context |= {
            "assessments": assessments,
            "open_cycles": open_cycles,
            "is_lead": membership.role == LEAD,
            "can_carry": any(a.status in Assessment.SUBMITTED_STATES for a in assessments),
        }
    if start_error and all(c.pk != start_error[0] for c in open_cycles):
        messages.error(request, start_error[1])  # its cycle has no start form left to stand by
        context["start_error"] = None
    return render(request, "assessments/index.html", context, status=status)


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return _index(request)


@login_required
@require_POST
def start(request: HttpRequest) -> HttpResponse:
    membership = access.current_lead_membership(request)
    form = StartForm(request.POST)
    if not form.is_valid():  # the cycle is a hidden id: no page of ours posts a bad one
        raise Http404
    cycle = selectors.cycle_open_for_start(pk=form.cleaned_data["cycle"])
    try:
        assessment = services.assessment_start(
            organization=membership.organization,
            cycle=cycle,
            by=access.signed_in(request),
            carry_forward=form.cleaned_data["carry_forward"],
        )
    except ValidationError as e:
        existing = selectors.assessment_of_cycle(organization=membership.organization, cycle=cycle)
        if existing is not None:  # started meanwhile, in another tab or by a colleague: go to it
            messages.info(request, _errors(e))
            return redirect("assessments:overview", pk=existing.pk)
        return _index(
            request,
            start_error=(cycle.pk, _errors(e), f"Start the {cycle.name} assessment"),
            status=400,
        )
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
        "may_discuss": acc.may_discuss,
        "back": request.path,
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
        **_previous(assessment, text),
    )
    if not writing:
        return _commitment_page(request, acc, text, form)
    if not form.is_valid():
        kept = _files_kept(request, acc, form)
        return _commitment_page(request, acc, text, form, status=400, kept=kept)
    return _commitment_save(request, acc, text, form)


def _previous(assessment: Assessment, text: selectors.CommitmentText) -> dict[str, Any]:
    before = selectors.previous_assessment(assessment=assessment)
    if before is None:
        return {"previous": {}, "previous_cycle": ""}
    return {
        "previous": selectors.previous_answers(
            assessment=assessment, commitment=text.commitment, before=before
        ),
        "previous_cycle": before.cycle.name,
    }


def _files_kept(
    request: HttpRequest, acc: access.AssessmentAccess, form: CommitmentForm
) -> list[EvidenceFile]:
    """A page refused for one field still keeps the files that passed their own checks."""
    by = access.signed_in(request)
    answers = {f.answer.pk: f.answer for f in form}
    kept = []
    for answer_pk, upload in form.valid_uploads().items():
        try:
            kept.append(services.evidence_file_add(answer=answers[answer_pk], upload=upload, by=by))
        except ValidationError:
            continue  # the field's own error is already beside it
    return kept


def _commitment_save(
    request: HttpRequest,
    acc: access.AssessmentAccess,
    text: selectors.CommitmentText,
    form: CommitmentForm,
) -> HttpResponse:
    assessment = acc.assessment
    by = access.signed_in(request)
    try:
        saved, files = services.commitment_answers_save(
            assessment=assessment, answers=form.answers(), uploads=form.uploads(), by=by
        )
    except services.StaleAnswerError:
        current = selectors.commitment_answers(assessment=assessment, commitment=text.commitment)
        form = CommitmentForm.after_conflict(
            request.POST, text=text, current=current, **_previous(assessment, text)
        )
        messages.error(request, STALE_MESSAGE)
        return _commitment_page(request, acc, text, form, status=409)
    except ValidationError as e:
        messages.error(request, _errors(e))
        return _commitment_page(request, acc, text, form, status=400)
    url = reverse("assessments:commitment", args=[assessment.pk, text.commitment.code])
    answer = form.answer_named(request.POST.get("confirm", ""))
    if answer is not None:
        # "Confirm unchanged" is a button of the page's form: what was typed elsewhere on the
        # page is saved with it, never dropped. Only an answer of this page can be named, so
        # the page's own write check covers it.
        services.answer_confirm(answer=answer, by=by)
        messages.success(
            request,
            " ".join(
                [
                    _saved_message(saved, files) if saved or files else "",
                    f"Confirmed {answer.criterion.code.upper()} unchanged.",
                ]
            ).strip(),
        )
        return redirect(f"{url}#criterion-{answer.criterion.code}")
    message = _saved_message(saved, files)
    waiting = form.carried_left(saved)
    if waiting:
        message += (
            f" {waiting} carried-forward answer{'s' if waiting != 1 else ''} on this page still "
            "to confirm: use “Keep all unchanged” at the top, or confirm each."
        )
    messages.success(request, message)
    return redirect(url)


def _commitment_page(
    request: HttpRequest,
    acc: access.AssessmentAccess,
    text: selectors.CommitmentText,
    form: CommitmentForm,
    status: int = 200,
    kept: list[EvidenceFile] | None = None,
) -> HttpResponse:
    navigator = selectors.assessment_navigator(assessment=acc.assessment)
    before, after = navigator.neighbours(text.commitment.code)
    context = {
        "assessment": acc.assessment,
        "rights": acc,
        "text": text,
        "form": form,
        "can_write": acc.may_write(text.commitment.pk),
        "navigator": navigator,
        "before": before,
        "after": after,
        # What "keep all unchanged" would confirm: not answers carried across a split or merge.
        "to_confirm": sum(
            1 for f in form if f.answer.carried_forward and not f.answer.needs_a_look
        ),
        "kept": kept or [],
        "threads": selectors.assessment_threads(assessment=acc.assessment),
        "may_discuss": acc.may_discuss,
        "back": request.path,
    }
    return render(request, "assessments/commitment.html", context, status=status)


# --- The page's script: one criterion at a time, answered in JSON ---------------------------


def _answer_fields(request: HttpRequest) -> AnswerFields:
    """The criterion's fields from a JSON body (the page's script) or a plain form post."""
    if request.content_type != "application/json":
        return AnswerFields(request.POST)
    try:
        payload = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        payload = None
    return AnswerFields.from_json(payload)


def _saved_at(answer: Answer) -> str:
    when = timezone.localtime(answer.updated_at) if answer.updated_at else timezone.localtime()
    return date_format(when, "H:i")


def _answer_json(answer: Answer) -> dict[str, object]:
    state, words = selectors.nav_state(answer)
    return {
        **answer_values(answer),
        "state": state,
        "words": words,
        "saved_at": _saved_at(answer),
        "by": answer.answered_by.email if answer.answered_by else "",
        "at": date_format(timezone.localtime(answer.updated_at), "j M Y H:i")
        if answer.updated_at
        else "",
    }


@login_required
@require_POST
def answer_autosave(request: HttpRequest, pk: int, answer_pk: int) -> JsonResponse:
    """Save one criterion's answer from the page's script; the same version check as the form:
    200 with the new version, 400 with field errors, 409 with the version now stored."""
    acc = access.assessment_access(user=request.user, pk=pk, need=access.Need.EDIT)
    answer = acc.answer(answer_pk)
    acc.require_write(answer.criterion.commitment_id)
    fields = _answer_fields(request)
    if not fields.is_valid():
        return JsonResponse({"errors": fields.errors.get_json_data()}, status=400)
    try:
        saved = services.answers_save(
            assessment=acc.assessment,
            answers={answer.pk: (fields.cleaned_data["version"], fields.entered)},
            by=access.signed_in(request),
        )
    except services.StaleAnswerError as e:
        return JsonResponse({"conflict": _answer_json(e.current)}, status=409)
    except ValidationError as e:
        return JsonResponse(
            {"errors": {"__all__": [{"message": m} for m in e.messages]}}, status=400
        )
    stored = saved[0] if saved else acc.answer(answer_pk)
    return JsonResponse({"saved": bool(saved), **_answer_json(stored)})


@login_required
@require_POST
def confirm(request: HttpRequest, pk: int, answer_pk: int) -> HttpResponse:
    acc = access.assessment_access(user=request.user, pk=pk, need=access.Need.EDIT)
    answer = acc.answer(answer_pk)
    commitment = answer.criterion.commitment
    acc.require_write(commitment.pk)
    wants_json = _wants_json(request)
    try:
        answer = services.answer_confirm(answer=answer, by=access.signed_in(request))
    except ValidationError as e:
        if wants_json:
            return JsonResponse(
                {"errors": {"__all__": [{"message": m} for m in e.messages]}}, status=400
            )
        messages.error(request, _errors(e))
    else:
        if wants_json:
            return JsonResponse(_answer_json(acc.answer(answer_pk)))
        messages.success(request, f"Confirmed {answer.criterion.code.upper()} unchanged.")
    url = reverse("assessments:commitment", args=[pk, commitment.code])
    return redirect(f"{url}#criterion-{answer.criterion.code}")


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@login_required
@require_POST
def evidence_upload(request: HttpRequest, pk: int, answer_pk: int) -> JsonResponse:
    """Store one file the moment it is chosen, whatever the rest of the page holds."""
    acc = access.assessment_access(user=request.user, pk=pk, need=access.Need.EDIT)
    answer = acc.answer(answer_pk)
    acc.require_write(answer.criterion.commitment_id)
    upload = request.FILES.get("file")
    if upload is None:
        return JsonResponse({"error": "Choose a file to add."}, status=400)
    try:
        stored = services.evidence_file_add(
            answer=answer, upload=upload, by=access.signed_in(request)
        )
    except ValidationError as e:
        return JsonResponse({"error": _errors(e)}, status=400)
    return JsonResponse(
        {
            "name": stored.original_name,
            "size": stored.size,
            "download": reverse("assessments:evidence_download", args=[pk, stored.pk]),
            "remove": reverse("assessments:evidence_remove", args=[pk, stored.pk]),
        },
        status=201,
    )


@login_required
@require_POST
def evidence_remove(request: HttpRequest, pk: int, file_pk: int) -> HttpResponse:
    acc = access.assessment_access(user=request.user, pk=pk, need=access.Need.EDIT)
    stored = acc.evidence_file(file_pk)
    commitment = stored.answer.criterion.commitment
    acc.require_write(commitment.pk)
    try:
        services.evidence_file_remove(stored=stored, by=access.signed_in(request))
    except ValidationError as e:
        if _wants_json(request):
            return JsonResponse({"error": _errors(e)}, status=400)
        messages.error(request, _errors(e))
    else:
        if _wants_json(request):
            return JsonResponse({"removed": stored.original_name})
        messages.success(request, f"Removed {stored.original_name}; the activity log keeps it.")
    url = reverse("assessments:commitment", args=[pk, commitment.code])
    return redirect(url)


@login_required
@require_http_methods(["GET", "POST"])
def keep(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm every carried-forward answer of one commitment (?commitment=code) or of the
    whole assessment at once, after showing the list."""
    writing = request.method == "POST"
    acc = access.assessment_access(user=request.user, pk=pk, need=access.Need.EDIT)
    assessment = acc.assessment
    code = (request.POST if writing else request.GET).get("commitment", "")
    scope = selectors.plan_commitment(assessment=assessment, code=code) if code else None
    if scope is not None:
        acc.require_write(scope.pk)
    else:
        acc.require_lead()
    answers = services.answers_to_keep(assessment=assessment, commitment=scope)
    form = KeepForm(request.POST if writing else None)
    if writing and form.is_valid():
        try:
            kept = services.answers_keep_unchanged(
                assessment=assessment,
                commitment=scope,
                expected=form.cleaned_data["expected"],
                by=access.signed_in(request),
            )
        except ValidationError as e:
            form_add_errors(form, e)
        else:
            messages.success(
                request,
                f"Kept {len(kept)} answer{'s' if len(kept) != 1 else ''} unchanged"
                + (f": {', '.join(a.criterion.code.upper() for a in kept)}." if kept else "."),
            )
            if scope is not None:
                return redirect("assessments:commitment", pk=pk, code=scope.code)
            return redirect("assessments:overview", pk=pk)
    before = selectors.previous_assessment(assessment=assessment)
    context = {
        "assessment": assessment,
        "scope": scope,
        "answers": answers,
        "form": form,
        "previous_cycle": before.cycle.name if before else "",
    }
    return render(request, "assessments/keep.html", context, status=400 if writing else 200)


@login_required
@require_GET
def evidence_download(request: HttpRequest, pk: int, file_pk: int) -> FileResponse:
    """The file, shown in the browser (?view=1) when it is a PDF, an image or plain text;
    downloaded otherwise."""
    acc = access.assessment_access(user=request.user, pk=pk)
    stored = acc.evidence_file(file_pk)
    inline = request.GET.get("view") == "1" and stored.content_type in INLINE_TYPES
    handle = stored.file.open("rb")
    download_record(
        by=access.signed_in(request),
        what="evidence",
        target=stored,
        organization=acc.assessment.organization,
        request=request,
        detail={"name": stored.original_name, "inline": inline},
    )
    return FileResponse(
        handle,
        as_attachment=not inline,
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


# --- Threads ------------------------------------------------------------------------------------


def _back(request: HttpRequest, default: str) -> str:
    """Where the thread's form came from (the scoring or the review page), if it is ours."""
    back = request.POST.get("next", "")
    if back.startswith("/") and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}
    ):
        return back.split("#", 1)[0]
    return default.split("#", 1)[0]


def _anchor(criterion: Criterion | None) -> str:
    return f"#thread-{criterion.code if criterion else 'general'}"


@login_required
@require_POST
def comment_post(request: HttpRequest, pk: int) -> HttpResponse:
    """Write in a criterion's thread (or the whole assessment's); viewers may not."""
    acc = access.assessment_access(user=request.user, pk=pk)
    acc.require_discuss()
    form = CommentForm(request.POST)
    valid = form.is_valid()
    if "criterion" in form.errors:  # no page posts such a code (too long, a NUL byte)
        raise Http404
    code = form.cleaned_data.get("criterion", "")
    criterion = (
        selectors.assessment_criterion(assessment=acc.assessment, code=code) if code else None
    )
    default = services.thread_path_for(assessment=acc.assessment, criterion=criterion)
    back = _back(request, default)
    if valid:
        try:
            comment = services.comment_add(
                assessment=acc.assessment,
                criterion=criterion,
                body=form.cleaned_data["body"],
                by=access.signed_in(request),
            )
        except ValidationError as e:
            form_add_errors(form, e)
        else:
            named = list(comment.mentions.all())
            told = f" {', '.join(u.email for u in named)} will be told." if named else ""
            messages.success(request, f"Comment added.{told}")
            return redirect(back + _anchor(criterion))
    # Refused: the comment comes back in its box with the reason beside it, nothing lost.
    context = {
        "assessment": acc.assessment,
        "criterion": criterion,
        "form": form,
        "back": back,
        "anchor": _anchor(criterion),
    }
    return render(request, "assessments/comment_refused.html", context, status=400)


@login_required
@require_POST
def thread_resolve(request: HttpRequest, pk: int, thread_pk: int) -> HttpResponse:
    acc = access.assessment_access(user=request.user, pk=pk)
    acc.require_discuss()
    thread = acc.thread(thread_pk)
    resolved = request.POST.get("resolved") != "0"
    services.thread_resolve(thread=thread, by=access.signed_in(request), resolved=resolved)
    messages.success(request, "Thread resolved." if resolved else "Thread reopened.")
    default = services.thread_path(thread)
    return redirect(_back(request, default) + _anchor(thread.criterion))


# --- The workbook: the assessment filled in offline ---------------------------------------------


@login_required
@require_GET
def workbook_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The assessment as an XLSX workbook, for its leads and contributors."""
    acc = access.assessment_access(user=request.user, pk=pk, need=access.Need.EDIT)
    data = workbook.workbook_build(assessment=acc.assessment)
    name = workbook.workbook_filename(acc.assessment)
    download_record(
        by=access.signed_in(request),
        what="workbook",
        target=acc.assessment,
        organization=acc.assessment.organization,
        request=request,
        detail={"name": name},
    )
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _writable(acc: access.AssessmentAccess) -> None:
    """An upload changes answers: refused, saying why, once the assessment may not change."""
    if acc.refusal is not None:
        raise PermissionDenied(acc.refusal)


@login_required
@require_http_methods(["GET", "POST"])
def workbook_upload(request: HttpRequest, pk: int) -> HttpResponse:
    acc = access.assessment_access(user=request.user, pk=pk, need=access.Need.EDIT)
    context: dict[str, Any] = {"assessment": acc.assessment, "rights": acc, "problems": []}
    if request.method == "GET":
        context["form"] = WorkbookUploadForm()
        return render(request, "assessments/workbook_upload.html", context)
    _writable(acc)
    form = WorkbookUploadForm(request.POST, request.FILES)
    context["form"] = form
    if not form.is_valid():
        return render(request, "assessments/workbook_upload.html", context, status=400)
    upload = form.cleaned_data["file"]
    try:
        read = workbook.workbook_read(assessment=acc.assessment, data=upload.read())
    except workbook.WorkbookRefused as e:
        context["problems"] = [str(e)]
        return render(request, "assessments/workbook_upload.html", context, status=400)
    compared = workbook.workbook_changes(
        assessment=acc.assessment, read=read, may_write=acc.may_write
    )
    context["problems"] = read.problems + compared.problems
    if context["problems"]:
        return render(request, "assessments/workbook_upload.html", context, status=400)
    workbook.workbook_import_store(
        assessment=acc.assessment, by=access.signed_in(request), file_name=upload.name,
        changes=compared.changes, site_only=compared.site_only,
    )  # fmt: skip
    return redirect("assessments:workbook_preview", pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def workbook_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """What the uploaded workbook would change; confirming applies it all at once."""
    acc = access.assessment_access(user=request.user, pk=pk, need=access.Need.EDIT)
    if request.method == "POST":
        _writable(acc)
    user = access.signed_in(request)
    pending = workbook.pending_import(assessment=acc.assessment, by=user)
    if pending is None:
        messages.info(request, "Upload a filled-in workbook to see what it would change.")
        return redirect("assessments:workbook_upload", pk=pk)
    changes = workbook.pending_changes(pending)
    conflicts = [c.code for c in changes if c.conflict]
    data = request.POST if request.method == "POST" else None
    form = WorkbookConfirmForm(data, conflicts=conflicts)
    if request.method == "POST":
        if "discard" in request.POST:
            workbook.workbook_import_discard(pending=pending)
            messages.info(request, "The uploaded workbook was set aside; nothing changed.")
            return redirect("assessments:overview", pk=pk)
        if form.is_valid():
            try:
                saved = workbook.workbook_import_apply(
                    pending=pending, by=user, choices=form.choices()
                )
            except services.StaleAnswerError as e:
                workbook.workbook_import_discard(pending=pending)
                messages.error(
                    request,
                    f"Nothing was saved: {e} after the preview. Upload the workbook again to "
                    "see the answers as they are now.",
                )
                return redirect("assessments:workbook_upload", pk=pk)
            except ValidationError as e:
                messages.error(request, _errors(e))
                return redirect("assessments:overview", pk=pk)
            messages.success(request, _imported_message(saved))
            return redirect("assessments:overview", pk=pk)
    context = {
        "assessment": acc.assessment,
        "rights": acc,
        "pending": pending,
        "changes": changes,
        "form": form,
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "assessments/workbook_preview.html", context, status=status)


def _imported_message(saved: list[Answer]) -> str:
    if not saved:
        return "The workbook changed nothing."
    codes = ", ".join(r.criterion.code.upper() for r in saved)
    return f"Saved from the workbook: {codes}."
