"""The question cards of the answer page, rendered in Python.

A questionnaire has about fifty questions of six choices each; through the template engine
the cards were most of the answer page's server time. The part of a card that depends only on
the questionnaire version (texts, radio labels: escaped once) is kept per question; what
depends on the respondent (checked level, comment, evidence link, last time's answer) is
filled in per request. The markup is the one ``answer.html`` had: the page script, the
browser tests and the accessibility checks read these ids and labels.
"""

from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from assessments.maturity.scoring import NOT_APPLICABLE
from vsm_site.caching import CARD_PARTS_MEMO_SIZE, ProcessMemo

LEVELS = (1, 2, 3, 4, 5)

_parts_memo = ProcessMemo(size=CARD_PARTS_MEMO_SIZE)


def _static_parts(key, text, help_text, statements):
    """The escaped, respondent-independent pieces of one question's card."""
    k = escape(key)
    radios = []
    for level, statement in statements:
        radios.append(
            (
                level,
                f'<div class="form-check">\n<input class="form-check-input" type="radio" '
                f'name="level" id="q-{k}-{level}" value="{level}"',
                f'>\n<label class="form-check-label" for="q-{k}-{level}"><span '
                f'class="level-tag">{level}</span> {escape(statement)}</label>\n</div>\n',
            )
        )
    legend = f'<legend class="h6 fw-semibold">{escape(text)}</legend>\n'
    if help_text:
        legend += f'<p class="small text-muted">{escape(help_text)}</p>\n'
    return k, legend, tuple(radios)


def _parts(question, content_hash):
    """The static parts, kept per question and version and per the texts they are built
    from."""
    statements = tuple(question.level_statements())
    source = (question.key, question.text, question.help, statements)
    return _parts_memo.get_or_build(
        (question.id, content_hash, *source), lambda: _static_parts(*source)
    )


def question_card(question, content_hash, answer, previous, *, save_url, csrf_input, read_only):
    """One question's ``<form>`` card as HTML text (already escaped)."""
    k, legend, radios = _parts(question, content_hash)
    level = answer.level if answer is not None else "none"
    not_applicable = answer is not None and answer.not_applicable
    # novalidate: the server judges every field (the API's rule) and answers per field; the
    # browser's own validation would silently drop every later save of the card.
    answered = ' data-answered="1"' if answer is not None else ""
    out = [
        f'<form id="q-{k}" class="card question-card mb-3" method="post" action="{save_url}" '
        f"novalidate{answered}"
    ]
    if not read_only:
        out.append(
            f' hx-post="{save_url}" hx-trigger="change, input delay:1200ms from:find textarea, '
            f'input delay:1200ms from:find input[type=url]" hx-target="#status-{k}" '
            f'hx-swap="innerHTML"'
        )
    out.append(f">\n{csrf_input}\n")
    out.append('<div class="card-body">\n')
    out.append("<fieldset disabled>\n" if read_only else "<fieldset>\n")
    out.append(legend)
    for value, before, after in radios:
        out.append(before)
        if level == value:
            out.append(" checked")
        out.append(after)
    dont_know = answer is not None and level is None and not not_applicable
    out.append(
        f'<div class="form-check form-check-inline mt-1">\n<input class="form-check-input" '
        f'type="radio" name="level" id="q-{k}-dk" value="dk"{" checked" if dont_know else ""}>'
        f'\n<label class="form-check-label text-muted" for="q-{k}-dk">Don\'t know</label>\n'
        f'</div>\n<div class="form-check form-check-inline mt-1">\n<input '
        f'class="form-check-input" type="radio" name="level" id="q-{k}-na" value="na"'
        f'{" checked" if not_applicable else ""}>\n<label class="form-check-label text-muted" '
        f'for="q-{k}-na">Not applicable to us</label>\n</div>\n'
    )
    if previous:
        said = {None: "don't know", NOT_APPLICABLE: "not applicable"}.get(
            previous["level"], previous["level"]
        )
        out.append(
            f'<p class="small text-muted mb-2">Last time you answered: <strong>{said}</strong>'
        )
        if previous["comment"]:
            quoted = escape(Truncator(previous["comment"]).chars(140))
            out.append(f" — “{quoted}”")
        out.append("</p>\n")
    saved = '<span class="text-muted">Saved</span>' if answer is not None else ""
    comment = escape(answer.comment) if answer is not None else ""
    evidence = escape(answer.evidence_url) if answer is not None else ""
    out.append(
        f"<details{' open' if comment or evidence else ''}>\n"
        '<summary class="small">Comment and evidence (optional)</summary>\n'
        '<div class="mt-2">\n'
        f'<label class="form-label small" for="q-{k}-comment">Comment</label>\n'
        f'<textarea class="form-control form-control-sm" id="q-{k}-comment" name="comment" '
        f'rows="2" maxlength="4000">{comment}</textarea>\n'
        f'<label class="form-label small mt-2" for="q-{k}-evidence">Evidence link</label>\n'
        f'<input class="form-control form-control-sm" type="url" id="q-{k}-evidence" '
        f'name="evidence_url" maxlength="500" placeholder="https://" value="{evidence}" '
        f'aria-describedby="q-{k}-evidence-error">\n'
        f'<div id="q-{k}-evidence-error" class="field-error small text-danger"></div>\n'
        "</div>\n</details>\n</fieldset>\n"
        '<div class="d-flex justify-content-between align-items-center mt-2">\n'
        f'<div id="status-{k}" class="save-status small" aria-live="polite">{saved}</div>\n'
    )
    # Issue 16: once submitted the fields are disabled; the evidence stays a link to follow.
    link = answer.evidence_url if read_only and answer is not None else ""
    if link.startswith(("https://", "http://")):
        out.append(
            f'<a class="small text-break-anywhere" href="{escape(link)}" target="_blank" '
            f'rel="noopener noreferrer nofollow">Open the evidence link<span '
            f'class="visually-hidden"> of {escape(question.text)}</span></a>\n'
        )
    if not read_only:
        out.append(
            '<noscript><button class="btn btn-sm btn-outline-primary" type="submit">Save'
            "</button></noscript>\n"
        )
    out.append("</div>\n</div>\n</form>\n")
    return "".join(out)


def question_cards(assessment, rows, *, csrf_input, read_only):
    """The cards of one dimension's rows (``question``, ``answer``, ``previous``) as safe
    HTML. ``csrf_input`` is the hidden CSRF field (one per request, shared by every form)."""
    content_hash = assessment.questionnaire.content_hash
    url = reverse("answer_save", args=[assessment.id, "__key__"])
    return mark_safe(  # noqa: S308 - every user-typed text above goes through escape()
        "".join(
            question_card(
                row["question"],
                content_hash,
                row["answer"],
                row["previous"],
                save_url=url.replace("__key__", escape(row["question"].key)),
                csrf_input=csrf_input,
                read_only=read_only,
            )
            for row in rows
        )
    )
