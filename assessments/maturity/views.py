"""Pages for opening, answering, closing assessments and reading results. Thin: each view asks
permissions, calls one service or selector and renders."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from assessments import permissions
from assessments.dora import rules as dora
from assessments.levels import LEVEL_NAMES
from assessments.maturity import cards as answer_cards
from assessments.maturity import presenters, scoring, selectors, services
from assessments.maturity.forms import OpenAssessmentForm
from assessments.models import Answer, DoraSurveyAnswer, Response, Result
from assessments.questionnaires import selectors as questionnaire_selectors
from vsm_site import caching
from vsm_site.domain_errors import DomainError
from vsm_site.http import raise_for_page, reported
from vsm_site.prepared import Prepared


@login_required
@require_POST
def assessment_open(request, team_id):
    team = permissions.get_visible_team_or_404(request.user, team_id)
    form = OpenAssessmentForm(request.POST, organization=team.organization)
    if not form.is_valid():
        messages.error(request, "; ".join(e for errs in form.errors.values() for e in errs))
        return redirect("team_detail", team_id=team.id)
    questionnaire = form.cleaned_data["questionnaire"]
    with reported(request):
        assessment = services.open_assessment(
            request.user,
            team,
            form.cleaned_data["period"],
            questionnaire_key=questionnaire.key,
            version=questionnaire.version,
            due_date=form.cleaned_data.get("due_date"),
        )
        messages.success(
            request, f"Assessment {assessment.period} opened. Invite your team to answer."
        )
        return redirect("assessment_detail", assessment_id=assessment.id)
    return redirect("team_detail", team_id=team.id)


@login_required
def assessment_detail(request, assessment_id):
    assessment = permissions.get_visible_assessment_or_404(request.user, assessment_id)
    can_lead = permissions.can_lead_team(request.user, assessment.team)
    is_member = permissions.is_team_member(request.user, assessment.team)
    my_response = Response.objects.filter(assessment=assessment, respondent=request.user).first()
    progress = selectors.response_progress(assessment) if can_lead else None
    structure = questionnaire_selectors.questionnaire_structure(assessment.questionnaire)
    targets = dict(assessment.targets.values_list("dimension__key", "level"))
    current = _current_levels(assessment)
    return render(
        request,
        "assessments/assessment_detail.html",
        {
            "assessment": assessment,
            "team": assessment.team,
            "can_lead": can_lead,
            "is_member": is_member,
            "my_response": my_response,
            "my_answered": my_response.answers.count() if my_response else 0,
            "total_questions": sum(len(qs) for _, qs in structure),
            "progress": progress,
            "submitted_count": sum(1 for p in progress or [] if p["status"] == "submitted"),
            "pending_count": sum(1 for p in progress or [] if p["status"] != "submitted"),
            "target_rows": [(d, targets.get(d.key), current.get(d.key)) for d, _ in structure],
            "levels": LEVEL_NAMES.items(),
        },
    )


# Stands for the hidden CSRF field in kept cards; escaping turns any "<" a user types into
# "&lt;", so this text can only come from answer_cards, never from a comment.
CSRF_SLOT = "<csrf-slot>"


def _answer_context(request, assessment):
    """The answering page: its body is rendered once per what it shows (``_answer_body``) and
    kept in the shared cache; a request adds its CSRF token and the site's frame."""
    found = _own_response(assessment.id, request.user.id)
    response = found[0] if found else None
    read_only = (
        response is not None and response.status == Response.SUBMITTED
    ) or not assessment.is_open
    dora_answers = presenters.dora_answers_json(response)
    team, questionnaire = assessment.team, assessment.questionnaire
    cards_key = caching.answer_cards_key(
        assessment.id, request.user.id, response.updated_at if response else None,
        questionnaire.content_hash, read_only, team.organization.data_version,
    )  # fmt: skip
    # What the body shows besides the cards: a rename, a DORA answer or a submission (whose
    # saves may not touch the response's ``updated_at``) makes another key.
    key = caching.answer_body_key(
        cards_key,
        [team.name, assessment.period, questionnaire.title, questionnaire.description,
         response.status if response else None, dora_answers],
    )  # fmt: skip
    body = caching.kept(
        key,
        caching.ANSWER_BODY_SECONDS,
        lambda: _answer_body(request.user, assessment, response, read_only, dora_answers),
    )
    csrf_input = format_html(
        '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', get_token(request)
    )
    return {
        "assessment": assessment,
        "team": team,
        "body": mark_safe(body.replace(CSRF_SLOT, csrf_input)),
    }


# The respondent's response with their DORA answers, on every view of the answering page.
_own_response = Prepared(
    lambda assessment_id, user_id: Response.objects.filter(
        assessment_id=assessment_id, respondent_id=user_id
    ).select_related("dora"),
    int,
    int,
)


def _answer_body(user, assessment, response, read_only, dora_answers):
    """The answering page's content (``assessments/_answer_body.html``), with CSRF_SLOT where
    each form's hidden CSRF field goes."""
    structure = questionnaire_selectors.questionnaire_structure(assessment.questionnaire)
    kept = _answer_cards(user, assessment, response, structure, read_only)
    sections = [
        {"dimension": dimension, "cards": mark_safe(cards)}
        for (dimension, _), cards in zip(structure, kept["cards"], strict=True)
    ]
    dora_questions = [
        {
            "metric": metric,
            "label": label,
            "options": dora.SURVEY_OPTIONS[metric],
            "value": dora_answers.get(metric),
        }
        for metric, label in (
            ("deployment_frequency", "How often does your team deploy to production?"),
            ("lead_time", "How long does it take a change to go from commit to production?"),
            ("time_to_restore", "How long does it take to restore service after a failure?"),
        )
    ]
    return render_to_string(
        "assessments/_answer_body.html",
        {
            "csrf_slot": mark_safe(CSRF_SLOT),
            "dora_questions": dora_questions,
            "dora_answers": dora_answers,
            "assessment": assessment,
            "team": assessment.team,
            "response": response,
            "sections": sections,
            "answered": kept["answered"],
            "total": sum(len(questions) for _, questions in structure),
            "has_previous": kept["has_previous"],
            "unanswered": kept["unanswered"],
            "read_only": read_only,
        },
    )


@login_required
def answer_page(request, assessment_id):
    assessment = permissions.get_visible_assessment_or_404(request.user, assessment_id)
    if not permissions.is_team_member(request.user, assessment.team):
        raise PermissionDenied("Only members of the team answer its assessment.")
    return render(request, "assessments/answer.html", _answer_context(request, assessment))


def _parse_level(raw):
    if raw in (None, ""):
        return "missing"
    if raw == "dk":
        return None
    if raw == "na":
        return scoring.NOT_APPLICABLE
    try:
        return int(raw)
    except ValueError:
        return raw  # services reject it with a message naming the question


def _answer_cards(user, assessment, response, structure, read_only):
    """Each dimension's question cards (with CSRF_SLOT for the hidden field), the number of
    answers and whether there are previous answers to show."""
    answers = {}
    if response is not None:
        answers = {a.question_id: a for a in response.answers.all()}
    previous = selectors.previous_answers(user, assessment)
    cards = [
        str(
            answer_cards.question_cards(
                assessment,
                [
                    {"question": q, "answer": answers.get(q.id), "previous": previous.get(q.key)}
                    for q in questions
                ],
                csrf_input=CSRF_SLOT,
                read_only=read_only,
            )
        )
        for _, questions in structure
    ]
    unanswered = [
        {"key": q.key, "text": q.text}
        for _, questions in structure
        for q in questions
        if q.id not in answers
    ]
    return {
        "cards": cards,
        "answered": len(answers),
        "has_previous": bool(previous),
        "unanswered": unanswered,
    }


@login_required
@require_POST
def answer_save(request, assessment_id, question_key):
    """Autosave of one question (htmx), or a plain form post without JavaScript. Each field is
    judged on its own: an evidence link the service refuses (the API's rule) is reported next
    to the link while the level and the comment are saved."""
    assessment = permissions.get_visible_assessment_or_404(
        request.user, assessment_id, related=("team", "questionnaire")
    )
    level = _parse_level(request.POST.get("level"))
    answers = {} if level == "missing" else {question_key: level}
    comments, evidence = {}, {}
    if "comment" in request.POST:
        comments[question_key] = request.POST["comment"]
    if "evidence_url" in request.POST:
        evidence[question_key] = request.POST["evidence_url"]
    if not answers and "comment" in request.POST:
        # A comment typed before choosing a level: keep it, the level stays unanswered.
        existing = Answer.objects.filter(
            response__assessment=assessment,
            response__respondent=request.user,
            question__key=question_key,
        ).first()
        if existing is None:
            status, message = 400, 'Choose a level (or "don\'t know") to save your comment.'
            return _save_feedback(request, assessment, question_key, status, message)
    evidence_error = False
    try:
        try:
            answered = services.save_answers(request.user, assessment, answers, comments, evidence)
        except DomainError as exc:
            if not (exc.field or "").startswith("evidence.") or not (answers or comments):
                raise
            # Nothing was written (the service validates first): save the rest without it.
            evidence_error = True
            answered = services.save_answers(request.user, assessment, answers, comments, {})
    except DomainError as exc:
        raise_for_page(exc)
        refused = (exc.field or "").startswith("evidence.")
        return _save_feedback(
            request, assessment, question_key, exc.status, exc.message, evidence_error=refused
        )
    saved_at = timezone.localtime().strftime("%H:%M:%S")
    if evidence_error:
        message = (
            f"Your answer and comment were saved at {saved_at}; the evidence link was not "
            "saved (see below)."
        )
    else:
        message = f"Saved at {saved_at}"
    return _save_feedback(
        request,
        assessment,
        question_key,
        200,
        message,
        answered=answered,
        evidence_error=evidence_error,
    )


EVIDENCE_ERROR = (
    "Not saved: an evidence link must be a full web address starting with https:// or "
    "http:// (at most 500 characters), for example https://wiki.example.com/page."
)


def _save_feedback(
    request, assessment, question_key, status, message, answered=None, evidence_error=False
):
    if not request.htmx:
        (messages.success if status == 200 else messages.error)(request, message)
        if evidence_error:
            messages.error(request, EVIDENCE_ERROR)
        return redirect(f"/assessments/{assessment.id}/answer/#q-{question_key}")
    if answered is None:  # nothing was saved: count what there is
        answered = Answer.objects.filter(
            response__assessment=assessment, response__respondent=request.user
        ).count()
    # What the server holds now, echoed so the page says "Saved" only when these are the
    # values it shows (answering.js compares them).
    stored = (
        Answer.objects.filter(
            response__assessment=assessment,
            response__respondent=request.user,
            question__key=question_key,
        )
        .values("level", "not_applicable", "comment", "evidence_url")
        .first()
    )
    echo = None
    if stored is not None:
        echo = {
            "level": "na"
            if stored["not_applicable"]
            else "dk"
            if stored["level"] is None
            else str(stored["level"]),
            "comment": stored["comment"],
            "evidence": stored["evidence_url"],
        }
    # The status line, the page's progress count and the evidence link's own error (both out
    # of band); written here rather than through a template.
    html = format_html(
        '<span class="{}" role="status" data-saved="{}">{} {}</span>\n'
        '<span id="progress-count" hx-swap-oob="true">{}</span>\n'
        '<div id="q-{}-evidence-error" class="field-error small text-danger" '
        'hx-swap-oob="true">{}</div>\n',
        "text-success" if status == 200 else "text-danger fw-semibold",
        json.dumps(echo) if echo is not None and status == 200 else "",
        "✔" if status == 200 else "⚠",
        message,
        answered,
        question_key,
        EVIDENCE_ERROR if evidence_error else "",
    )
    # Errors are shown in place too: htmx swaps only 2xx by default, so answer 200 with the
    # error text and an HX-Trigger the page script uses to keep the warning visible.
    response = HttpResponse(html)
    if status != 200:
        response["HX-Trigger"] = "vsm-save-failed"
    return response


@login_required
@require_POST
def answer_copy_previous(request, assessment_id):
    assessment = permissions.get_visible_assessment_or_404(request.user, assessment_id)
    with reported(request):
        copied = services.copy_previous_answers(request.user, assessment)
        if copied:
            messages.success(
                request,
                f"Copied {copied} answers from your previous assessment. Check each one: "
                "they describe how things were then.",
            )
        else:
            messages.info(request, "There were no previous answers to copy.")
    return redirect("answer_page", assessment_id=assessment.id)


@login_required
@require_POST
def answer_submit(request, assessment_id):
    assessment = permissions.get_visible_assessment_or_404(request.user, assessment_id)

    def with_link_to_the_list(exc):
        if "unanswered" not in exc.message:
            return exc.message
        # The list on the answer page, each question linked to its card.
        return format_html(
            '{} <a class="alert-link" href="{}#unanswered">Go to the list of unanswered '
            "questions</a>.",
            exc.message,
            reverse("answer_page", args=[assessment.id]),
        )

    with reported(request, message=with_link_to_the_list):
        services.submit_response(request.user, assessment)
        messages.success(
            request,
            "Thank you: your answers are submitted. Until the assessment closes you can take "
            "them back (Undo submit) to change them.",
        )
        return redirect("assessment_detail", assessment_id=assessment.id)
    return redirect("answer_page", assessment_id=assessment.id)


@login_required
@require_POST
def answer_unsubmit(request, assessment_id):
    """Undo a submission while the assessment is open: the answers become a draft again."""
    assessment = permissions.get_visible_assessment_or_404(request.user, assessment_id)
    with reported(request):
        services.unsubmit_response(request.user, assessment)
        messages.success(
            request, "Submission undone: your answers are a draft again. Submit when ready."
        )
        return redirect("answer_page", assessment_id=assessment.id)
    return redirect("assessment_detail", assessment_id=assessment.id)


@login_required
@require_POST
def assessment_close(request, assessment_id):
    assessment = permissions.get_visible_assessment_or_404(request.user, assessment_id)
    with reported(request):
        services.close_assessment(request.user, assessment)
        messages.success(request, "Assessment closed; the result below is frozen.")
        return redirect("result_page", assessment_id=assessment.id)
    return redirect("assessment_detail", assessment_id=assessment.id)


def _current_levels(assessment):
    """{dimension key: level} where the team is now: this assessment's result once closed,
    else the team's latest result of an earlier period (empty when there is none)."""
    result = (
        Result.objects.filter(assessment=assessment).only("data").first()
        or Result.objects.filter(team=assessment.team, assessment__period__lt=assessment.period)
        .order_by("-assessment__period")
        .only("data")
        .first()
    )
    if result is None:
        return {}
    return {d["key"]: d["level"] for d in result.data.get("dimensions", []) if d.get("level")}


@login_required
@require_POST
def assessment_targets(request, assessment_id):
    assessment = permissions.get_visible_assessment_or_404(request.user, assessment_id)
    targets = {}
    for key, value in request.POST.items():
        if key.startswith("target-") and value:
            try:
                targets[key.removeprefix("target-")] = int(value)
            except ValueError:
                messages.error(request, f"{value!r} is not a level.")
                return redirect("assessment_detail", assessment_id=assessment.id)
    # A target below where the team already is plans nothing: refuse it, naming the level.
    if permissions.can_lead_team(request.user, assessment.team):
        current = _current_levels(assessment)
        names = dict(assessment.questionnaire.dimensions.values_list("key", "name"))
        below = [
            f"{names.get(key, key)}: target {level} is below the current level "
            f"{current[key]} {LEVEL_NAMES.get(current[key], '')}".rstrip()
            for key, level in targets.items()
            if current.get(key) and level < current[key]
        ]
        if below:
            messages.error(request, "Targets not saved. " + "; ".join(below) + ".")
            if request.POST.get("next") == "result":
                return redirect("result_page", assessment_id=assessment.id)
            return redirect("assessment_detail", assessment_id=assessment.id)
    with reported(request):
        services.set_targets(request.user, assessment, targets)
        messages.success(request, "Targets saved.")
    next_url = request.POST.get("next")
    if next_url == "result":
        return redirect("result_page", assessment_id=assessment.id)
    return redirect("assessment_detail", assessment_id=assessment.id)


PERCENT_FIELDS = {
    "change_failure_rate": "the percentage of deployments that cause a failure",
    "rework_rate": "the percentage of deployments that are unplanned fixes",
}


@login_required
@require_POST
def survey_dora_save(request, assessment_id):
    """Autosave of the DORA questions on the answering page. Each answer is judged on its own
    (by the service, the API's rule): one the service refuses is reported next to its field,
    in words, and the others are saved."""
    assessment = permissions.get_visible_assessment_or_404(request.user, assessment_id)
    answers = {key: request.POST.get(key, "") for key in dora.SCORED_METRICS if key in request.POST}
    refused = {}
    try:
        while True:
            try:
                services.save_survey_answers(request.user, assessment, answers)
                break
            except DomainError as exc:
                if exc.field not in answers or exc.field in refused:
                    raise
                what = PERCENT_FIELDS.get(exc.field)
                refused[exc.field] = (
                    f"Not saved: {answers[exc.field]!r} is not a number from 0 to 100; "
                    f"enter {what} between 0 and 100."
                    if what
                    else f"Not saved: {exc.message}"
                )
                del answers[exc.field]  # its stored value stays as it was
    except DomainError as exc:
        raise_for_page(exc)
        ok, message = False, exc.message
    else:
        saved_at = timezone.localtime().strftime("%H:%M:%S")
        ok, message = True, f"Saved at {saved_at}"
        if refused:
            message = (
                f"Some answers were not saved (see above); the others were saved at {saved_at}."
            )
    if not request.htmx:
        (messages.success if ok else messages.error)(request, message)
        for text in refused.values():
            messages.error(request, text)
        return redirect(f"/assessments/{assessment.id}/answer/#dora")
    # The stored values, echoed so the page says "Saved" only when they are the ones it shows.
    stored = (
        DoraSurveyAnswer.objects.filter(
            response__assessment=assessment, response__respondent=request.user
        )
        .values(*dora.SCORED_METRICS)
        .first()
    )
    css = "text-success" if ok and not refused else "text-danger fw-semibold"
    icon = "✔" if ok and not refused else "⚠"
    html = format_html(
        '<span class="{}" role="status" data-saved="{}">{} {}</span>',
        css,
        json.dumps(stored) if ok and stored is not None else "",
        icon,
        message,
    )
    errors = format_html_join(
        "",
        '<div id="dora-{}-error" class="field-error small text-danger" hx-swap-oob="true">{}</div>',
        ((field, refused.get(field, "")) for field in PERCENT_FIELDS),
    )
    response = HttpResponse(html + errors)
    if not ok:
        response["HX-Trigger"] = "vsm-save-failed"
    return response
