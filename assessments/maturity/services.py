"""Writes: every change to assessment data goes through a function here, called alike by the
views, the API, tasks and management commands. Each function is atomic, asks
``permissions`` itself, and raises an ``errors.DomainError`` with a message meant for the
person who asked; nothing is half-saved when it raises. Questionnaire versions (loading,
adopting, editing, publishing) are written by ``assessments.questionnaires.services``."""

from django.contrib.auth import get_user_model
from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone

from assessments import permissions, signals
from assessments.audit import trail as audit
from assessments.dora import services as dora_services
from assessments.levels import MAX_LEVEL, MIN_LEVEL
from assessments.maturity import scoring, selectors
from assessments.models import (
    Answer,
    Assessment,
    DimensionTarget,
    DoraSurveyAnswer,
    Membership,
    Response,
    Result,
)
from assessments.periods import PeriodError, parse_period
from assessments.questionnaires import selectors as questionnaire_selectors
from vsm_site.domain_errors import Conflict, Invalid, NotAllowed, NotFound
from vsm_site.prepared import Prepared

# --- memberships -------------------------------------------------------------------------


def add_member(team, username, role=Membership.MEMBER):
    """Add a person of the team's organisation to the team, or change their role if they
    already belong to it."""
    if role not in (Membership.MEMBER, Membership.LEAD):
        raise Invalid(f"Role must be 'member' or 'lead', not {role!r}.", field="role")
    # Only the organisation's people: an unknown name, an inactive account and someone of
    # another organisation are refused with the same words, so nothing tells them apart.
    user = (
        get_user_model()
        .objects.filter(
            username=username,
            is_active=True,
            organization_memberships__organization_id=team.organization_id,
        )
        .first()
    )
    if user is None:
        raise Invalid(
            f"{team.organization.name} has no member named {username!r}; invite them to "
            "the organisation first.",
            field="username",
        )
    with transaction.atomic():
        try:
            with transaction.atomic():
                membership, created = Membership.objects.get_or_create(
                    user=user, team=team, defaults={"role": role}
                )
        except IntegrityError:  # a concurrent request added the same person a moment ago
            membership, created = Membership.objects.get(user=user, team=team), False
        if not created and membership.role != role:
            membership.role = role
            membership.save(update_fields=["role"])
    return membership, created


def remove_member(team, username):
    """Remove a user from a team. Their submitted answers stay part of closed results.
    Returns a signed token that ``restore_member`` accepts for ``MEMBER_UNDO_SECONDS`` to
    put them back with the role they had."""
    membership = (
        Membership.objects.filter(team=team, user__username=username).select_related("user").first()
    )
    if membership is None or not Membership.objects.filter(pk=membership.pk).delete()[0]:
        raise NotFound(f"{username!r} is not a member of {team.name}.")
    return signing.dumps(
        {"team": team.id, "user": membership.user_id, "role": membership.role},
        salt=MEMBER_UNDO_SALT,
    )


# Undo of a removal: a signed token (nothing stored) naming the team, the person and the role.
MEMBER_UNDO_SECONDS = 15 * 60
MEMBER_UNDO_SALT = "assessments.member-undo"


def restore_member(team, token):
    """Undo ``remove_member``: the person rejoins ``team`` with their previous role. The token
    must be this team's and at most ``MEMBER_UNDO_SECONDS`` old; the person must still belong
    to the organisation. Harmless when repeated."""
    try:
        data = signing.loads(token, salt=MEMBER_UNDO_SALT, max_age=MEMBER_UNDO_SECONDS)
    except signing.SignatureExpired:
        raise Invalid("Too late to undo: add the person again below.") from None
    except signing.BadSignature:
        raise Invalid("This undo link is not valid.") from None
    if not isinstance(data, dict) or data.get("team") != team.id:
        raise Invalid("This undo link is not valid.")
    user = get_user_model().objects.filter(pk=data.get("user")).first()
    if user is None:
        raise Invalid("This person no longer has an account.")
    membership, _ = add_member(team, user.username, data.get("role", Membership.MEMBER))
    return membership


# --- assessments -------------------------------------------------------------------------


def open_assessment(user, team, period, questionnaire_key="vsm-maturity", version=None,
                    due_date=None):  # fmt: skip
    """Open an assessment of ``team`` for ``period`` on a published questionnaire version
    (the latest unless ``version`` is given) of the team's organisation, or of the library
    when the organisation has none of that key. Team leads and organisation admins only."""
    if not permissions.can_lead_team(user, team):
        raise NotAllowed("Only the team's lead opens assessments.")
    try:
        parse_period(period)
    except PeriodError as exc:
        raise Invalid(str(exc), field="period") from None
    # The team's organisation's own version of the key first, then the library's.
    questionnaire = questionnaire_selectors.resolve_published(
        team.organization, questionnaire_key, version
    )
    if version is not None:
        if questionnaire is None:
            raise Invalid(
                f"There is no published version {version} of {questionnaire_key!r}.",
                field="version",
            )
    else:
        if questionnaire is None:
            raise Invalid(
                f"There is no published questionnaire {questionnaire_key!r}.",
                field="questionnaire",
            )
    try:
        with transaction.atomic():
            assessment = Assessment.objects.create(
                team=team,
                questionnaire=questionnaire,
                questionnaire_key=questionnaire.key,
                period=period,
                opened_by=user,
                due_date=due_date,
            )
    except IntegrityError:
        raise Conflict(
            f"{team.name} already has a {questionnaire_key} assessment for {period}."
        ) from None
    signals.send_on_commit(signals.assessment_opened, assessment_id=assessment.id)
    return assessment


def _answerable(user, assessment):
    if not permissions.is_team_member(user, assessment.team):
        if permissions.can_view_team(user, assessment.team):
            raise NotAllowed("Only members of the team answer its assessment.")
        raise NotFound("No such assessment.")
    if not assessment.is_open:
        raise Conflict("This assessment is closed; answers can no longer change.")


def _response_for(user, assessment, lock=False):
    """The caller's response, created on first use; with ``lock`` (inside a transaction) the
    row is locked: one query on the common path, where the response exists already."""
    responses = Response.objects.select_for_update() if lock else Response.objects
    response = responses.filter(assessment=assessment, respondent=user).first()
    if response is not None:
        return response
    try:
        with transaction.atomic():
            response, _ = Response.objects.get_or_create(assessment=assessment, respondent=user)
    except IntegrityError:  # the same person's other tab created it a moment ago
        response = Response.objects.get(assessment=assessment, respondent=user)
    if lock:
        response = Response.objects.select_for_update().get(pk=response.pk)
    return response


MAX_COMMENT = 4000
MAX_URL = 500


# Every autosave reads the draft's answers: SQL built once.
_draft_answers = Prepared(
    lambda assessment_id, user_id: Answer.objects.filter(
        response__assessment_id=assessment_id, response__respondent_id=user_id
    ),
    int,
    int,
)


def save_answers(user, assessment, answers=None, comments=None, evidence=None):
    """Save part or all of the caller's draft. ``answers`` maps question keys to a level 1-5,
    None ("don't know") or ``scoring.NOT_APPLICABLE`` ("n/a"); ``comments`` and ``evidence``
    map question keys to text. Keys not given keep their saved value. Everything is validated
    before anything is written.
    Returns how many questions the draft now answers."""
    answers, comments, evidence = answers or {}, comments or {}, evidence or {}
    _answerable(user, assessment)
    questions = questionnaire_selectors.questions_by_key(assessment.questionnaire)
    for mapping, field in ((answers, "answers"), (comments, "comments"), (evidence, "evidence")):
        if not isinstance(mapping, dict):
            raise Invalid(f"{field} must be an object of question keys.", field=field)
        for key in mapping:
            if key not in questions:
                raise Invalid(
                    f"{key!r} is not a question of {assessment.questionnaire.label}.",
                    field=f"{field}.{key}",
                )
    for key, level in answers.items():
        if level is None or level == scoring.NOT_APPLICABLE:
            continue
        if (
            isinstance(level, bool)
            or not isinstance(level, int)
            or not MIN_LEVEL <= level <= MAX_LEVEL
        ):
            raise Invalid(
                f"The answer to {key!r} must be a level from {MIN_LEVEL} to {MAX_LEVEL}, null "
                f'for "don\'t know" or "{scoring.NOT_APPLICABLE}" for "not applicable", not '
                f"{level!r}.",
                field=f"answers.{key}",
            )
    for key, text in comments.items():
        if not isinstance(text, str) or len(text) > MAX_COMMENT:
            raise Invalid(
                f"The comment on {key!r} must be text of at most {MAX_COMMENT} characters.",
                field=f"comments.{key}",
            )
    for key, url in evidence.items():
        if (
            not isinstance(url, str)
            or len(url) > MAX_URL
            or (url and not url.startswith(("https://", "http://")))
        ):
            raise Invalid(
                f"The evidence link for {key!r} must be an http(s) address of at most "
                f"{MAX_URL} characters.",
                field=f"evidence.{key}",
            )

    keys = set(answers) | set(comments) | set(evidence)
    with transaction.atomic():
        now = timezone.now()
        # The common path, a draft that exists: one UPDATE both locks it (until commit) and
        # marks the change (the answer page's kept cards follow updated_at).
        draft = Response.objects.filter(
            assessment=assessment, respondent=user, status=Response.DRAFT
        )
        response_id = None
        if not draft.update(updated_at=now):
            response = _response_for(user, assessment, lock=True)  # a first save, or too late
            if response.status == Response.SUBMITTED:
                raise Conflict("You have already submitted your answers to this assessment.")
            draft.update(updated_at=now)
            response_id = response.pk
        # Every answer of the draft, in one query: the ones written now and the count after.
        existing = {a.question_id: a for a in _draft_answers(assessment.id, user.id)}
        before = audit.snapshot(  # bulk writes skip auditlog's signals
            existing[questions[key].id] for key in keys if questions[key].id in existing
        )
        new_keys = [key for key in keys if questions[key].id not in existing]
        if new_keys and response_id is None:  # new answers need the draft's id
            if existing:
                response_id = next(iter(existing.values())).response_id
            else:
                response_id = draft.values_list("id", flat=True).get()
        to_create, to_update = [], []
        for key in keys:
            question = questions[key]
            answer = existing.get(question.id)
            if answer is None:
                answer = Answer(response_id=response_id, question=question)
                to_create.append(answer)
            else:
                answer.question = question  # loaded already: the audit entry names it
                to_update.append(answer)
            if key in answers:
                answer.not_applicable = answers[key] == scoring.NOT_APPLICABLE
                answer.level = None if answer.not_applicable else answers[key]
            if key in comments:
                answer.comment = comments[key].strip()
            if key in evidence:
                answer.evidence_url = evidence[key].strip()
        Answer.objects.bulk_create(to_create)
        for answer in to_update:
            answer.updated_at = now
        fields = ["level", "not_applicable", "comment", "evidence_url", "updated_at"]
        if len(to_update) == 1:  # an autosave: a plain UPDATE, not bulk_update's CASE
            answer = to_update[0]
            Answer.objects.filter(pk=answer.pk).update(**{f: getattr(answer, f) for f in fields})
        else:
            Answer.objects.bulk_update(to_update, fields)
        audit.record(to_create + to_update, before)
    return len(existing) + len(to_create)


def copy_previous_answers(user, assessment):
    """Start from the caller's answers to the team's previous assessment: fills questions not
    yet answered, mapped across questionnaire versions; returns how many were copied."""
    _answerable(user, assessment)
    previous = selectors.previous_answers(user, assessment)
    response = Response.objects.filter(assessment=assessment, respondent=user).first()
    answered = set()
    if response is not None:
        answered = set(response.answers.values_list("question__key", flat=True))
    to_copy = {k: v for k, v in previous.items() if k not in answered}
    if to_copy:
        save_answers(
            user,
            assessment,
            answers={k: a["level"] for k, a in to_copy.items()},
            comments={k: a["comment"] for k, a in to_copy.items() if a["comment"]},
        )
    return len(to_copy)


def submit_response(user, assessment):
    """Submit the caller's answers: draft -> submitted, once. Every question needs an answer
    (a level, "don't know" or "not applicable")."""
    _answerable(user, assessment)
    with transaction.atomic():
        response = (
            Response.objects.select_for_update()
            .filter(assessment=assessment, respondent=user)
            .first()
        )
        if response is None:
            raise Invalid("You have not answered any question yet.")
        if response.status == Response.SUBMITTED:
            raise Conflict("You have already submitted your answers to this assessment.")
        total = len(questionnaire_selectors.questions_by_key(assessment.questionnaire))
        answered = response.answers.count()
        if answered < total:
            raise Invalid(
                f"{total - answered} of {total} questions are still unanswered; answer them "
                'or choose "don\'t know" or "not applicable" before submitting.'
            )
        # The conditional update is the guard against a double click or a second tab.
        before = audit.snapshot([response])
        updated = Response.objects.filter(pk=response.pk, status=Response.DRAFT).update(
            status=Response.SUBMITTED, submitted_at=timezone.now()
        )
        if not updated:
            raise Conflict("You have already submitted your answers to this assessment.")
        response.refresh_from_db()
        audit.record([response], before)
    return response


def unsubmit_response(user, assessment):
    """Take a submission back (submitted -> draft) while the assessment is open, to change
    answers and submit again. Once it closes, the submission is part of the frozen result."""
    _answerable(user, assessment)
    with transaction.atomic():
        response = (
            Response.objects.select_for_update()
            .filter(assessment=assessment, respondent=user)
            .first()
        )
        if response is None or response.status != Response.SUBMITTED:
            raise Conflict("You have not submitted your answers; there is nothing to undo.")
        # Closing locks the assessment row: take the same lock, so a close either sees the
        # submission or runs after it was taken back, never half-way.
        still_open = Assessment.objects.select_for_update().filter(
            pk=assessment.pk, status=Assessment.OPEN
        )
        if not still_open.exists():
            raise Conflict("This assessment is closed; answers can no longer change.")
        before = audit.snapshot([response])
        Response.objects.filter(pk=response.pk, status=Response.SUBMITTED).update(
            status=Response.DRAFT, submitted_at=None, updated_at=timezone.now()
        )
        response.refresh_from_db()
        audit.record([response], before)
    return response


def set_targets(user, assessment, targets):
    """Set the team's target level per dimension key (1-5)."""
    if not permissions.can_lead_team(user, assessment.team):
        raise NotAllowed("Only the team's lead sets targets.")
    dimensions = {d.key: d for d in assessment.questionnaire.dimensions.all()}
    for key, level in targets.items():
        if key not in dimensions:
            raise Invalid(f"{key!r} is not a dimension of {assessment.questionnaire.label}.")
        if (
            isinstance(level, bool)
            or not isinstance(level, int)
            or not MIN_LEVEL <= level <= MAX_LEVEL
        ):
            raise Invalid(
                f"The target for {key!r} must be a level from {MIN_LEVEL} to {MAX_LEVEL}."
            )
    with transaction.atomic():
        for key, level in targets.items():
            DimensionTarget.objects.update_or_create(
                assessment=assessment, dimension=dimensions[key], defaults={"level": level}
            )
        if hasattr(assessment, "result"):
            # Targets are part of what the roadmap reads from the frozen result.
            result = Result.objects.select_for_update().get(pk=assessment.result.pk)
            for row in result.data["dimensions"]:
                if row["key"] in targets:
                    row["target"] = targets[row["key"]]
            result.save(update_fields=["data"])


def close_assessment(user, assessment):
    """Close the assessment and freeze its result (team leads and organisation admins)."""
    if not permissions.can_lead_team(user, assessment.team):
        raise NotAllowed("Only the team's lead closes the assessment.")
    result = close_assessment_for(assessment, closed_by=user)
    assessment.refresh_from_db()
    return result


def close_assessment_for(assessment, closed_by):
    """open -> closed, once, freezing the result from the submitted responses (drafts never
    count) and the DORA survey snapshot. The caller has checked who may do it (a lead, or a
    CoE analyst closing a campaign round). Raises Conflict when already closed or when nobody
    submitted."""

    with transaction.atomic():
        locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
        if locked.status != Assessment.OPEN:
            raise Conflict("This assessment is already closed.")
        submitted = selectors.submitted_answer_sets(locked)
        if not submitted:
            raise Conflict("Nobody has submitted answers yet; there is nothing to score.")
        result = _freeze_result(locked, submitted)
        dora_services.store_survey_snapshot(locked)
        signals.result_frozen.send(sender=Result, result=result)
        Assessment.objects.filter(pk=locked.pk, status=Assessment.OPEN).update(
            status=Assessment.CLOSED, closed_at=timezone.now(), closed_by=closed_by
        )
        signals.send_on_commit(signals.assessment_closed, assessment_id=locked.pk)
    return result


def _freeze_result(assessment, answer_sets):
    questionnaire = assessment.questionnaire
    dims, questions = selectors.scoring_specs(questionnaire)
    team_score = scoring.score_team(dims, questions, answer_sets)
    targets = dict(
        assessment.targets.select_related("dimension").values_list("dimension__key", "level")
    )
    lineages = dict(questionnaire.dimensions.values_list("key", "lineage"))
    threshold = assessment.team.organization.low_confidence_threshold
    data = selectors.team_score_to_data(team_score, lineages, targets)
    data["confidence_threshold"] = threshold
    # The explanation is frozen with the numbers: it describes the rules they were made with.
    data["explanation"] = scoring.explain_overall(team_score, dims)
    for row in data["dimensions"]:
        row["explanation"] = scoring.explain_dimension(
            team_score.dimensions[row["key"]], questions, team_score
        )
    return Result.objects.create(
        assessment=assessment,
        team=assessment.team,
        questionnaire=questionnaire,
        questionnaire_key=questionnaire.key,
        period=assessment.period,
        overall_score=team_score.overall_score,
        overall_level=team_score.overall_level,
        respondents=team_score.respondents,
        low_confidence=team_score.respondents < threshold,
        scoring_rules_version=scoring.SCORING_RULES_VERSION,
        data=data,
        dimension_scores={row["lineage"]: row["score"] for row in data["dimensions"]},
    )


def save_survey_answers(user, assessment, answers):
    """Save the caller's DORA survey answers (option keys for the three time-based metrics,
    percentages for CFR and rework rate; checked by ``dora_services.clean_survey_answers``)
    on their draft response."""
    _answerable(user, assessment)
    clean = dora_services.clean_survey_answers(answers)
    with transaction.atomic():
        response = _response_for(user, assessment, lock=True)
        if response.status == Response.SUBMITTED:
            raise Conflict("You have already submitted your answers to this assessment.")
        DoraSurveyAnswer.objects.update_or_create(response=response, defaults=clean)
    return clean
