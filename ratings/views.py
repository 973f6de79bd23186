"""Rating rounds: the lead opens one and invites raters, each rater rates on their own sheet,
and the consensus view sets the ratings side by side. Access checks are in
organizations.access; refusals come back as 400 with the reason beside the field."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from assessments import selectors as assessment_selectors
from commitments.models import Commitment
from lhs_assess.forms import form_add_errors
from organizations import access
from organizations.models import Membership

from . import selectors, services
from .forms import LEVEL_CHOICES, ConsensusForm, InviteForm, RoundForm
from .models import CONSENSUS_REASON_MAX_LENGTH, RATIONALE_MAX_LENGTH, Rater, Round


def _round_form(rubric_id: int, data: object = None) -> RoundForm:
    commitments = Commitment.objects.filter(rubric_id=rubric_id).order_by("order")
    return RoundForm(data, commitments=commitments)


@login_required
@require_http_methods(["GET", "POST"])
def rounds(request: HttpRequest, pk: int) -> HttpResponse:
    """The assessment's rounds; its lead opens a new one here."""
    acc = access.assessment_access(user=request.user, pk=pk)
    assessment = acc.assessment
    form = _round_form(assessment.cycle.rubric_id, request.POST or None)
    status = 200
    if request.method == "POST":
        acc = access.assessment_access(user=request.user, pk=pk, need=access.Need.LEAD)
        if form.is_valid():
            try:
                rnd = services.round_open(
                    assessment=assessment,
                    commitments=list(form.cleaned_data["commitments"]),
                    closes_on=form.cleaned_data["closes_on"],
                    named=form.cleaned_data["named"],
                    by=access.signed_in(request),
                )
            except ValidationError as e:
                form_add_errors(form, e)
            else:
                messages.success(request, "Round opened. Now invite its raters.")
                return redirect("ratings:round", pk=rnd.pk)
        status = 400
    context = {
        "assessment": assessment,
        "rights": acc,
        "rounds": selectors.rounds_of(assessment_id=assessment.pk),
        "form": form,
    }
    return render(request, "ratings/rounds.html", context, status=status)


def _round_page(
    request: HttpRequest, rnd: Round, invite: InviteForm | None = None, status: int = 200
) -> HttpResponse:
    context = {
        "round": rnd,
        "assessment": rnd.assessment,
        "raters": selectors.round_raters(rnd=rnd),
        "invite": invite or InviteForm(members=selectors.invitable(rnd=rnd)),
        "commitments": list(rnd.commitments.order_by("order")),
    }
    return render(request, "ratings/round.html", context, status=status)


@login_required
@require_http_methods(["GET"])
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _round_page(request, access.round_lead_access(user=request.user, pk=pk))


@login_required
@require_POST
def rater_invite(request: HttpRequest, pk: int) -> HttpResponse:
    rnd = access.round_lead_access(user=request.user, pk=pk)
    form = InviteForm(request.POST, members=selectors.invitable(rnd=rnd))
    if form.is_valid():
        membership = form.cleaned_data["membership"]
        try:
            services.rater_invite(
                rnd=rnd,
                user=membership.user,
                is_partner=membership.role == Membership.Role.PARTNER,
                by=access.signed_in(request),
            )
        except ValidationError as e:
            form_add_errors(form, e)
        else:
            messages.success(request, f"{membership.user.email} is invited to rate.")
            return redirect("ratings:round", pk=rnd.pk)
    return _round_page(request, rnd, invite=form, status=400)


@login_required
@require_POST
def round_close(request: HttpRequest, pk: int) -> HttpResponse:
    rnd = access.round_lead_access(user=request.user, pk=pk)
    services.round_close(rnd=rnd, by=access.signed_in(request))
    messages.success(request, "The round is closed: no more ratings.")
    return redirect("ratings:round", pk=rnd.pk)


def _level(raw: str) -> tuple[int | None, bool, str]:
    """A posted choice: a level, "dont_know", or nothing; with an error if it is neither."""
    if raw == "":
        return None, False, ""
    if raw == "dont_know":
        return None, True, ""
    if raw in {"1", "2", "3", "4", "5"}:
        return int(raw), False, ""
    return None, False, "Choose a level from 1 to 5, or \u201cdon't know\u201d."


@login_required
@require_http_methods(["GET", "POST"])
def sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """A rater's own ratings: saved on every post; submitted with the Submit button."""
    rater: Rater = access.rater_access(user=request.user, round_pk=pk)
    criteria, mine = selectors.rater_sheet(rater=rater)
    errors: dict[int, str] = {}
    typed: dict[int, tuple[str, str]] = {}
    top_error = ""
    status = 200
    closed = services.rating_closed(rater.round)
    if request.method == "POST":
        if rater.submitted_at is not None:
            messages.info(request, "Your ratings are already submitted.")
            return redirect("ratings:results", pk=pk)
        if closed:
            messages.error(request, f"{closed} Nothing was saved.")
            return redirect("ratings:sheet", pk=pk)
        for criterion in criteria:
            raw = request.POST.get(f"level-{criterion.pk}", "")
            rationale = request.POST.get(f"rationale-{criterion.pk}", "")
            typed[criterion.pk] = (raw, rationale)
            level, dont_know, error = _level(raw)
            if not error and len(rationale) > RATIONALE_MAX_LENGTH:
                error = f"Keep the rationale to {RATIONALE_MAX_LENGTH:,} characters."
            if error:
                errors[criterion.pk] = error
                continue
            old = mine.get(criterion.pk)
            unchanged = old is not None and (old.level, old.dont_know, old.rationale) == (
                level,
                dont_know,
                rationale.strip(),
            )
            if unchanged or (old is None and raw == "" and not rationale.strip()):
                continue
            try:
                mine[criterion.pk] = services.rating_save(
                    rater=rater,
                    criterion=criterion,
                    data=services.RatingInput(level, dont_know, rationale),
                )
            except ValidationError as e:
                errors[criterion.pk] = " ".join(e.messages)
        if not errors and request.POST.get("action") == "submit":
            try:
                services.rater_submit(rater=rater)
            except ValidationError as e:
                top_error = " ".join(e.messages)
                for criterion in criteria:
                    saved = mine.get(criterion.pk)
                    if saved is None or (saved.level is None and not saved.dont_know):
                        errors[criterion.pk] = "Choose a level or \u201cdon't know\u201d."
            else:
                messages.success(
                    request, "Your ratings are submitted. Here is how the group rated."
                )
                return redirect("ratings:results", pk=pk)
        if not errors and not top_error:
            messages.success(request, "Your ratings are saved.")
            return redirect("ratings:sheet", pk=pk)
        status = 400
    rows = []
    for criterion in criteria:
        saved = mine.get(criterion.pk)
        if criterion.pk in typed:
            choice, rationale = typed[criterion.pk]
        elif saved is not None:
            choice = "dont_know" if saved.dont_know else (str(saved.level) if saved.level else "")
            rationale = saved.rationale
        else:
            choice, rationale = "", ""
        rows.append({"criterion": criterion, "choice": choice, "rationale": rationale,
                     "error": errors.get(criterion.pk, "")})  # fmt: skip
    context = {
        "rater": rater,
        "round": rater.round,
        "rows": rows,
        "levels": ["1", "2", "3", "4", "5"],
        "top_error": top_error,
        "error_count": len(errors),
        "rationale_max": RATIONALE_MAX_LENGTH,
        "closed": closed,
    }
    return render(request, "ratings/sheet.html", context, status=status)


def _results_page(
    request: HttpRequest,
    reading: access.RoundReading,
    form_for: tuple[int, ConsensusForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    view = selectors.round_view(rnd=reading.round, viewer=access.signed_in(request))
    rows = []
    for row in view.criteria:
        if form_for is not None and form_for[0] == row.criterion.pk:
            form = form_for[1]
        else:
            initial = (
                {"level": row.consensus.level, "reason": row.consensus.reason}
                if row.consensus
                else {"level": round(row.spread.median) if row.spread.median else None}
            )
            form = ConsensusForm(initial=initial, auto_id=f"id_{row.criterion.code}_%s")
        counts = []
        for level in range(1, 6):
            n = sum(1 for r in row.ratings if r.level == level)
            counts.append((level, n, "\u25cf" * n))  # a dot per rater: the dot plot
        value = form["level"].value()
        rows.append(
            {
                "row": row,
                "form": form,
                "counts": counts,
                "levels": LEVEL_CHOICES,
                "chosen": "" if value is None else str(value),
                "reason": form["reason"].value() or "",
            }
        )
    context = {
        "view": view,
        "round": reading.round,
        "assessment": reading.round.assessment,
        "may_lead": reading.may_lead,
        "rows": rows,
        "reason_max": CONSENSUS_REASON_MAX_LENGTH,
    }
    if reading.may_lead:
        # The review threads of each criterion work here too: read, answer, resolve.
        acc = access.assessment_access(user=request.user, pk=reading.round.assessment_id)
        context |= {
            "threads": assessment_selectors.assessment_threads(assessment=acc.assessment),
            "may_discuss": acc.may_discuss,
            "back": request.path,
        }
    return render(request, "ratings/results.html", context, status=status)


@login_required
@require_http_methods(["GET"])
def results(request: HttpRequest, pk: int) -> HttpResponse:
    """Every submitted rating side by side: the lead's consensus view, and what a rater sees
    once they have submitted their own."""
    return _results_page(request, access.round_results_access(user=request.user, pk=pk))


@login_required
@require_POST
def consensus(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    rnd = access.round_lead_access(user=request.user, pk=pk)
    criterion = next((c for c in selectors.round_criteria(rnd) if c.code == code), None)
    if criterion is None:
        raise Http404
    form = ConsensusForm(request.POST, auto_id=f"id_{criterion.code}_%s")
    if form.is_valid():
        try:
            services.consensus_record(
                rnd=rnd,
                criterion=criterion,
                level=form.cleaned_data["level"],
                reason=form.cleaned_data["reason"],
                by=access.signed_in(request),
            )
        except ValidationError as e:
            form_add_errors(form, e)
        else:
            messages.success(
                request, f"{criterion.code.upper()}: level {form.cleaned_data['level']} recorded."
            )
            return redirect(reverse("ratings:results", args=[rnd.pk]) + f"#c-{code}")
    reading = access.RoundReading(rnd, may_lead=True)
    return _results_page(request, reading, form_for=(criterion.pk, form), status=400)
