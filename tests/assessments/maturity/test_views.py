"""The answering flow through the pages, as members, leads and outsiders use it."""

import re

import pytest
from django.test import Client

from assessments.maturity import services
from assessments.models import Answer, Response, Result
from tests.conftest import ALL_LEVELS

HTMX = {"HTTP_HX_REQUEST": "true"}


def save_url(assessment, key):
    return f"/assessments/{assessment.id}/answer/{key}/"


def test_autosave_one_answer_htmx_updates_progress(world, open_assessment, client):
    client.force_login(world.member_a)
    response = client.post(save_url(open_assessment, "flow-wip"), {"level": "3"}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Saved at" in html
    assert '<span id="progress-count" hx-swap-oob="true">1</span>' in html
    assert Answer.objects.get().level == 3


def test_autosave_dont_know_and_comment(world, open_assessment, client):
    client.force_login(world.member_a)
    client.post(
        save_url(open_assessment, "flow-wait"),
        {"level": "dk", "comment": "  no data yet ", "evidence_url": "https://wiki/x"},
        **HTMX,
    )
    answer = Answer.objects.get()
    assert (answer.level, answer.comment, answer.evidence_url) == (
        None,
        "no data yet",
        "https://wiki/x",
    )


def test_autosave_comment_before_level_asks_for_level(world, open_assessment, client):
    client.force_login(world.member_a)
    response = client.post(save_url(open_assessment, "flow-wip"), {"comment": "hm"}, **HTMX)
    assert response.status_code == 200
    assert response["HX-Trigger"] == "vsm-save-failed"
    assert "Choose a level (or &quot;don&#x27;t know&quot;) to save your comment." in (
        response.content.decode()
    )
    assert Answer.objects.count() == 0


def test_autosave_invalid_level_shows_error_in_place(world, open_assessment, client):
    client.force_login(world.member_a)
    response = client.post(save_url(open_assessment, "flow-wip"), {"level": "9"}, **HTMX)
    assert response["HX-Trigger"] == "vsm-save-failed"
    assert "must be a level from 1 to 5" in response.content.decode()
    assert Answer.objects.count() == 0


def test_save_without_javascript_redirects_back_to_question(world, open_assessment, client):
    client.force_login(world.member_a)
    response = client.post(save_url(open_assessment, "flow-wip"), {"level": "2"})
    assert response.status_code == 302
    assert response["Location"] == f"/assessments/{open_assessment.id}/answer/#q-flow-wip"
    assert Answer.objects.get().level == 2


def test_answer_page_shows_saved_answers_after_coming_back(world, open_assessment, client):
    client.force_login(world.member_a)
    client.post(save_url(open_assessment, "flow-wip"), {"level": "4"}, **HTMX)
    page = client.get(f"/assessments/{open_assessment.id}/answer/")
    assert page.status_code == 200
    assert page.context["answered"] == 1
    html = page.content.decode()
    assert 'id="q-flow-wip-4" value="4" checked' in html


def test_answer_page_kept_cards_follow_every_save_and_carry_this_requests_token(
    world, open_assessment, client
):
    client.force_login(world.member_a)
    url = f"/assessments/{open_assessment.id}/answer/"
    client.post(save_url(open_assessment, "flow-wip"), {"level": "2"}, **HTMX)
    first = client.get(url).content.decode()
    again = client.get(url)  # from the kept cards
    assert again.content.decode().count('id="q-flow-wip-2" value="2" checked') == 1
    cards = re.findall(r'<form id="q-[^"]+" class="card question-card.*?</form>',
                       again.content.decode(), re.S)  # fmt: skip
    assert cards and all(card.count('name="csrfmiddlewaretoken" value="') == 1 for card in cards)
    assert "<csrf-slot>" not in first + again.content.decode()
    # a kept card's token is this session's: a browser that enforces CSRF can save with it
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(world.member_a)
    strict.get(url)
    kept = strict.get(url).content.decode().split('id="q-flow-wip"')[1]
    token = kept.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    saved = strict.post(save_url(open_assessment, "flow-wip"),
                        {"level": "3", "csrfmiddlewaretoken": token}, **HTMX)  # fmt: skip
    assert saved.status_code == 200 and Answer.objects.get().level == 3
    client.post(save_url(open_assessment, "flow-wip"), {"level": "5"}, **HTMX)
    after = client.get(url)
    assert 'id="q-flow-wip-5" value="5" checked' in after.content.decode()
    assert 'value="2" checked' not in after.content.decode()
    assert after.context["answered"] == 1
    # another respondent of the same team never gets these cards
    client.force_login(world.lead_a)
    assert "checked" not in client.get(url).content.decode().split('id="dora"')[0]


def test_answer_page_kept_body_follows_dora_answers_renames_and_carries_tokens(
    world, open_assessment, client
):
    client.force_login(world.member_a)
    url = f"/assessments/{open_assessment.id}/answer/"
    client.post(save_url(open_assessment, "flow-wip"), {"level": "2"}, **HTMX)
    client.get(url)  # the body is kept from here on
    client.post(f"{url}dora/", {"rework_rate": "12", "lead_time": "less_than_one_day"}, **HTMX)
    html = client.get(url).content.decode()
    assert 'name="rework_rate"' in html and 'value="12' in html.split('name="rework_rate"')[1]
    assert '<option value="less_than_one_day" selected>' in html
    open_assessment.team.name = "Checkout Renamed"
    open_assessment.team.save(update_fields=["name"])
    html = client.get(url).content.decode()
    assert "Checkout Renamed" in html.split('<nav aria-label="breadcrumb">')[1]
    # every form of the kept body (cards, DORA, submit) carries this request's token
    forms = re.findall(r'<form [^>]*method="post".*?</form>', html, re.S)
    assert len(forms) >= 3
    assert all(form.count('name="csrfmiddlewaretoken" value="') == 1 for form in forms)
    assert "<csrf-slot>" not in html


def test_a_comment_cannot_pose_as_the_token_slot(world, open_assessment, client):
    client.force_login(world.member_a)
    client.post(save_url(open_assessment, "flow-wip"), {"level": "3", "comment": "<csrf-slot>"},
                **HTMX)  # fmt: skip
    html = client.get(f"/assessments/{open_assessment.id}/answer/").content.decode()
    assert ">&lt;csrf-slot&gt;</textarea>" in html


def test_answer_page_of_other_team_404(world, open_assessment, client):
    client.force_login(world.member_b)
    assert client.get(f"/assessments/{open_assessment.id}/answer/").status_code == 404
    response = client.post(save_url(open_assessment, "flow-wip"), {"level": "3"}, **HTMX)
    assert response.status_code == 404
    assert Answer.objects.count() == 0


def answer_everything(client, assessment, levels=ALL_LEVELS):
    for key, level in levels.items():
        client.post(save_url(assessment, key), {"level": "dk" if level is None else level}, **HTMX)


def test_submit_page_flow(world, open_assessment, client):
    client.force_login(world.member_a)
    answer_everything(client, open_assessment)
    response = client.post(f"/assessments/{open_assessment.id}/answer/submit/", follow=True)
    assert "Thank you: your answers are submitted." in response.content.decode()
    assert Response.objects.get().status == "submitted"
    page = client.get(f"/assessments/{open_assessment.id}/answer/")
    assert page.context["read_only"] is True


def test_lead_sees_who_submitted_not_answers(world, open_assessment, client):
    client.force_login(world.member_a)
    answer_everything(client, open_assessment)
    client.post(f"/assessments/{open_assessment.id}/answer/submit/")
    client.force_login(world.lead_a)
    page = client.get(f"/assessments/{open_assessment.id}/")
    statuses = {p["user"].username: p["status"] for p in page.context["progress"]}
    assert statuses == {"lead_a": "not started", "member_a": "submitted"}
    assert page.context["submitted_count"] == 1


def test_member_does_not_see_progress_of_others(world, open_assessment, client):
    client.force_login(world.member_a)
    page = client.get(f"/assessments/{open_assessment.id}/")
    assert page.context["progress"] is None


def test_close_then_result_page(world, open_assessment, client):
    client.force_login(world.member_a)
    answer_everything(client, open_assessment)
    client.post(
        save_url(open_assessment, "flow-wip"), {"level": "3", "comment": "<b>bold</b>"}, **HTMX
    )
    client.post(f"/assessments/{open_assessment.id}/answer/submit/")
    client.force_login(world.lead_a)
    response = client.post(f"/assessments/{open_assessment.id}/close/", follow=True)
    assert response.request["PATH_INFO"] == f"/assessments/{open_assessment.id}/result/"
    html = response.content.decode()
    assert "Low confidence." in html  # one respondent, threshold 3
    assert "<svg" in html and 'role="img"' in html
    # One respondent: the lead is not shown the comment (it would name its author) ...
    assert "&lt;b&gt;bold" not in html and "Comments are hidden" in html
    assert response.context["individual"] is None  # leads see aggregates only
    # ... an organisation admin is, escaped.
    client.force_login(world.org_admin)
    html = client.get(f"/assessments/{open_assessment.id}/result/").content.decode()
    assert "&lt;b&gt;bold&lt;/b&gt;" in html and "<b>bold</b>" not in html


def test_individual_answers_only_for_org_admin(world, open_assessment, client):
    client.force_login(world.member_a)
    answer_everything(client, open_assessment)
    client.post(f"/assessments/{open_assessment.id}/answer/submit/")
    services.close_assessment(world.lead_a, open_assessment)
    for who, visible in [("lead_a", False), ("analyst", False), ("org_admin", True)]:
        client.force_login(getattr(world, who))
        page = client.get(f"/assessments/{open_assessment.id}/result/")
        assert page.status_code == 200
        assert (page.context["individual"] is not None) is visible, who
    client.force_login(world.org_admin)
    page = client.get(f"/assessments/{open_assessment.id}/result/")
    assert page.context["individual"]["rows"] == [("member_a", [3, 4, 2, None])]


def test_result_page_other_team_is_friendly_404(world, open_assessment, client):
    client.force_login(world.member_a)
    answer_everything(client, open_assessment)
    client.post(f"/assessments/{open_assessment.id}/answer/submit/")
    services.close_assessment(world.lead_a, open_assessment)
    client.force_login(world.member_b)
    page = client.get(f"/assessments/{open_assessment.id}/result/")
    assert page.status_code == 404
    assert b"Go to my teams" in page.content


def test_open_assessment_form_for_lead(world, mini, client):
    client.force_login(world.lead_a)
    response = client.post(
        f"/teams/{world.team_a.id}/assessments/open/",
        {"questionnaire": mini.id, "period": "2026-Q4"},
        follow=True,
    )
    assert "Assessment 2026-Q4 opened." in response.content.decode()
    again = client.post(
        f"/teams/{world.team_a.id}/assessments/open/",
        {"questionnaire": mini.id, "period": "2026-Q4"},
        follow=True,
    )
    assert "Team A already has a mini assessment for 2026-Q4." in again.content.decode()


def test_previous_answers_shown_and_copied(world, mini, client):
    first = services.open_assessment(world.lead_a, world.team_a, "2026-Q3", "mini")
    client.force_login(world.member_a)
    answer_everything(client, first)
    client.post(f"/assessments/{first.id}/answer/submit/")
    services.close_assessment(world.lead_a, first)
    second = services.open_assessment(world.lead_a, world.team_a, "2026-Q4", "mini")
    page = client.get(f"/assessments/{second.id}/answer/")
    assert page.context["has_previous"] is True
    assert "Last time you answered: <strong>3</strong>" in page.content.decode()
    client.post(save_url(second, "flow-wip"), {"level": "5"}, **HTMX)
    client.post(f"/assessments/{second.id}/answer/copy-previous/")
    copied = dict(
        Answer.objects.filter(response__assessment=second).values_list("question__key", "level")
    )
    assert copied == {"flow-wip": 5, "flow-wait": 4, "quality-tests": 2, "quality-review": None}


@pytest.mark.parametrize("who", ["analyst", "org_admin"])
def test_questionnaire_upload_with_line_errors(world, client, who):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(getattr(world, who))
    bad = SimpleUploadedFile("q.yaml", b"key: Bad Key\nversion: 0\n")
    page = client.post("/questionnaires/", {"file": bad})
    assert page.status_code == 200
    assert page.context["errors"]
    assert all(e.startswith("line ") or "line" not in e for e in page.context["errors"])
    assert any(e.startswith("line 1: ") for e in page.context["errors"])


def test_questionnaire_upload_forbidden_for_member(world, client):
    client.force_login(world.member_a)
    assert client.get("/questionnaires/").status_code == 403


def test_result_frozen_values_stored(world, open_assessment, client):
    client.force_login(world.member_a)
    answer_everything(client, open_assessment)
    client.post(f"/assessments/{open_assessment.id}/answer/submit/")
    services.close_assessment(world.lead_a, open_assessment)
    result = Result.objects.get()
    assert (result.questionnaire.version, result.respondents, result.scoring_rules_version) == (
        1,
        1,
        2,
    )
    assert result.data["dimensions"][0]["explanation"].startswith("Flow: 3.5")


def test_result_content_kept_per_version_never_mixes_viewers_or_goes_stale(
    world, open_assessment, client
):
    """One respondent: low confidence, so the spread is hidden from all but admins. The kept
    content must differ between them, and a rename must show at once."""
    client.force_login(world.member_a)
    answer_everything(client, open_assessment)
    client.post(f"/assessments/{open_assessment.id}/answer/submit/")
    services.close_assessment(world.lead_a, open_assessment)
    url = f"/assessments/{open_assessment.id}/result/"
    hidden = 'title="Hidden: fewer than 3 people answered this assessment, so the spread could '
    for who, sees_spread in [("lead_a", False), ("org_admin", True), ("lead_a", False)]:
        client.force_login(getattr(world, who))
        html = client.get(url).content.decode()
        assert (hidden not in html) is sees_spread, who
    world.team_a.name = "Team Renamed"
    world.team_a.save()
    assert "Team Renamed: maturity" in client.get(url).content.decode()


# --- issue 16, point 1: each field judged on its own, the stored values echoed ----------------


def test_autosave_bad_evidence_link_refused_while_level_and_comment_save(
    world, open_assessment, client
):
    client.force_login(world.member_a)
    response = client.post(
        save_url(open_assessment, "flow-wip"),
        {"level": "4", "comment": "pairing", "evidence_url": "wiki/page 12"},
        **HTMX,
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "HX-Trigger" not in response
    assert "the evidence link was not saved" in html
    assert '<div id="q-flow-wip-evidence-error" class="field-error small text-danger" ' in html
    assert "must be a full web address starting with https://" in html
    assert 'data-saved="{&quot;level&quot;: &quot;4&quot;, &quot;comment&quot;: ' in html
    answer = Answer.objects.get()
    assert (answer.level, answer.comment, answer.evidence_url) == (4, "pairing", "")


def test_autosave_good_evidence_link_clears_its_error(world, open_assessment, client):
    client.force_login(world.member_a)
    response = client.post(
        save_url(open_assessment, "flow-wip"),
        {"level": "dk", "comment": "", "evidence_url": "https://wiki.example/x"},
        **HTMX,
    )
    html = response.content.decode()
    assert (
        '<div id="q-flow-wip-evidence-error" class="field-error small text-danger" '
        'hx-swap-oob="true"></div>'
    ) in html
    assert "&quot;level&quot;: &quot;dk&quot;" in html
    assert Answer.objects.get().evidence_url == "https://wiki.example/x"


def test_dora_survey_percentage_over_100_refused_others_saved(world, open_assessment, client):
    from assessments.models import DoraSurveyAnswer

    client.force_login(world.member_a)
    response = client.post(
        f"/assessments/{open_assessment.id}/answer/dora/",
        {"change_failure_rate": "150", "rework_rate": "12", "lead_time": ""},
        **HTMX,
    )
    html = response.content.decode()
    assert "Some answers were not saved" in html
    assert "not a number from 0 to 100" in html
    assert 'id="dora-rework_rate-error" class="field-error small text-danger" hx-swap-oob' in html
    saved = DoraSurveyAnswer.objects.get()
    assert (saved.change_failure_rate, saved.rework_rate) == (None, 12.0)


# --- issue 16, point 7: unanswered questions listed and linked ------------------------------


def test_submit_with_unanswered_links_to_their_list(world, open_assessment, client):
    client.force_login(world.member_a)
    client.post(save_url(open_assessment, "flow-wip"), {"level": "3"}, **HTMX)
    response = client.post(f"/assessments/{open_assessment.id}/answer/submit/", follow=True)
    html = response.content.decode()
    assert f'href="/assessments/{open_assessment.id}/answer/#unanswered"' in html
    listing = html[html.index('<section id="unanswered"') :]
    assert 'href="#q-flow-wip"' not in listing
    assert 'href="#q-flow-wait"' in listing


# --- scoring rules v2: "not applicable" is its own answer -----------------------------------


def test_not_applicable_is_saved_echoed_and_shown_apart_from_dont_know(
    world, open_assessment, client
):
    client.force_login(world.member_a)
    response = client.post(save_url(open_assessment, "flow-wip"), {"level": "na"}, **HTMX)
    assert "&quot;level&quot;: &quot;na&quot;" in response.content.decode()
    client.post(save_url(open_assessment, "flow-wait"), {"level": "dk"}, **HTMX)
    stored = {a.question.key: (a.level, a.not_applicable) for a in Answer.objects.all()}
    assert stored == {"flow-wip": (None, True), "flow-wait": (None, False)}
    page = client.get(f"/assessments/{open_assessment.id}/answer/").content.decode()
    assert 'id="q-flow-wip-na" value="na" checked>' in page
    assert 'id="q-flow-wip-dk" value="dk">' in page
    assert 'id="q-flow-wait-dk" value="dk" checked>' in page
    assert 'for="q-flow-wip-na">Not applicable to us</label>' in page


def test_not_applicable_counts_as_answered_and_leaves_the_question_out_of_the_score(
    world, open_assessment, client
):
    client.force_login(world.member_a)
    answer_everything(client, open_assessment, {**ALL_LEVELS, "quality-review": None})
    client.post(save_url(open_assessment, "quality-tests"), {"level": "na"}, **HTMX)
    assert client.post(f"/assessments/{open_assessment.id}/answer/submit/").status_code == 302
    result = services.close_assessment(world.lead_a, open_assessment)
    quality = next(d for d in result.data["dimensions"] if d["key"] == "quality")
    # quality-tests "not applicable", quality-review "don't know": one applicable question
    # and no level, so no score; "don't know" is reported, "not applicable" is not asked.
    assert (quality["score"], quality["not_applicable"], quality["dont_know"]) == (None, 1, 1)
    assert quality["dont_know_share"] == 1.0
