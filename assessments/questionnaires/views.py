"""Pages for questionnaires: the list with YAML upload, a version's page and YAML export,
adopting a library version, the browser editor of a draft, the review of its changes and
publishing. Thin: each view asks ``permissions`` or a selector, calls one service, renders.

Another organisation's questionnaires do not exist for a user (404, like a missing one); a
team member of the owning organisation may read published versions but not manage them (403).
"""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from assessments import permissions
from assessments.levels import LEVEL_NAMES
from assessments.models import Questionnaire
from assessments.periods import PeriodError, current_period, parse_period, shift_period
from assessments.questionnaires import presenters, services
from assessments.questionnaires import selectors as questionnaire_selectors
from assessments.questionnaires.editing import doc_to_json
from assessments.questionnaires.format import export_questionnaire
from assessments.questionnaires.forms import QuestionnaireUploadForm
from vsm_site.domain_errors import DomainError
from vsm_site.http import attachment_header, download_filename, raise_for_page, reported

MAX_EDIT_BYTES = 64 * 1024  # one change: a field, or a dimension with its first question


def _organization_or_404(user, slug):
    """The organisation, when the user has any role in it (else 404, as if it did not exist)."""
    organization = permissions.member_organization(user, slug)
    if organization is None:
        raise Http404("No such organisation.")
    return organization


def _managed_organization(user, slug):
    """The organisation whose questionnaires the user manages; 404 or 403 otherwise."""
    organization = _organization_or_404(user, slug)
    if not permissions.can_manage_questionnaires(user, organization):
        raise PermissionDenied("Only CoE analysts and organisation admins manage questionnaires.")
    return organization


def _org_version(organization, key, version):
    questionnaire = (
        Questionnaire.objects.filter(organization=organization, key=key, version=version)
        .select_related("organization", "based_on")
        .first()
    )
    if questionnaire is None:
        raise Http404("No such questionnaire.")
    return questionnaire


def _yaml_response(questionnaire):
    response = HttpResponse(
        export_questionnaire(questionnaire_selectors.questionnaire_doc(questionnaire)),
        content_type="application/yaml; charset=utf-8",
    )
    owner = questionnaire.organization.slug if questionnaire.organization_id else "library"
    name = download_filename(questionnaire.key, f"v{questionnaire.version}", owner, ext="yaml")
    response["Content-Disposition"] = attachment_header(name)
    return response


def _detail(request, questionnaire, organization=None):
    if request.GET.get("format") == "yaml":
        return _yaml_response(questionnaire)
    may_manage = organization is not None and permissions.can_manage_questionnaires(
        request.user, organization
    )
    return render(
        request,
        "assessments/questionnaire_detail.html",
        {
            "questionnaire": questionnaire,
            "organization": organization,
            "data": presenters.questionnaire_json(questionnaire),
            "level_names": LEVEL_NAMES,
            "may_manage": may_manage,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def questionnaire_list(request):
    """Every version the user's organisations own and the library's, per organisation, with
    the upload form. CoE analysts and organisation admins only."""
    organizations = permissions.analysable_organizations(request.user).order_by("name")
    if not organizations.exists():
        raise PermissionDenied("Only CoE analysts and organisation admins manage questionnaires.")
    form = QuestionnaireUploadForm(organizations=organizations)
    errors = []
    if request.method == "POST":
        form = QuestionnaireUploadForm(request.POST, request.FILES, organizations=organizations)
        if form.is_valid():
            try:
                questionnaire, outcome = services.load_questionnaire(
                    form.cleaned_data["file"].read(),
                    form.cleaned_data["organization"],
                    user=request.user,
                )
            except DomainError as exc:
                raise_for_page(exc)
                errors = getattr(exc, "errors", None) or [exc.message]
                messages.error(request, "The file was not loaded; nothing was saved.")
            else:
                messages.success(
                    request,
                    f"{questionnaire.label} of {questionnaire.organization.name}: {outcome}.",
                )
                return redirect("questionnaire_list")
    return render(
        request,
        "assessments/questionnaire_list.html",
        {
            "sections": questionnaire_selectors.questionnaire_sections(request.user, organizations),
            "form": form,
            "errors": errors,
        },
    )


@login_required
def library_questionnaire_detail(request, key, version):
    questionnaire = (
        Questionnaire.objects.filter(organization__isnull=True, key=key, version=version)
        .exclude(status=Questionnaire.DRAFT)
        .first()
    )
    if questionnaire is None and request.user.is_superuser:
        questionnaire = Questionnaire.objects.filter(
            organization__isnull=True, key=key, version=version
        ).first()
    if questionnaire is None:
        raise Http404("No such questionnaire.")
    return _detail(request, questionnaire)


@login_required
def org_questionnaire_detail(request, slug, key, version):
    organization = _organization_or_404(request.user, slug)
    questionnaire = _org_version(organization, key, version)
    if questionnaire.status == Questionnaire.DRAFT and not (
        permissions.can_manage_questionnaires(request.user, organization)
    ):
        raise Http404("No such questionnaire.")
    return _detail(request, questionnaire, organization)


@login_required
def questionnaire_detail(request, key, version):
    """The address pages used before questionnaires had owners: the version of that key and
    number the user's own organisation has, else the library's."""
    chosen = questionnaire_selectors.visible_version(request.user, key, version)
    if chosen is None:
        raise Http404("No such questionnaire.")
    return redirect(chosen.get_absolute_url())


@login_required
@require_POST
def questionnaire_adopt(request, slug, key):
    organization = _managed_organization(request.user, slug)
    library = questionnaire_selectors.latest_published(key, organization=None)
    if library is None:
        raise Http404("No such library questionnaire.")
    with reported(request):
        copy = services.adopt_questionnaire(request.user, organization, library)
        messages.success(
            request,
            f"{organization.name} now has its own {copy.label}, a copy of library "
            f"{library.label}; its teams get it from the next assessment on.",
        )
        return redirect(copy.get_absolute_url())
    return redirect("questionnaire_list")


@login_required
@require_POST
def questionnaire_start_draft(request, slug, key):
    organization = _managed_organization(request.user, slug)
    with reported(request, not_found_404=True):
        draft = services.start_draft(request.user, organization, key)
        return redirect("questionnaire_edit", slug=slug, key=key, version=draft.version)
    return redirect("questionnaire_list")


def _edit_urls(questionnaire):
    args = [questionnaire.organization.slug, questionnaire.key, questionnaire.version]
    return {
        "edit_url": reverse("questionnaire_edit", args=args),
        "diff_url": reverse("questionnaire_review", args=args),
        "detail_url": reverse("org_questionnaire_detail", args=args),
    }


@login_required
@require_http_methods(["GET", "POST"])
def questionnaire_edit(request, slug, key, version):
    """GET: the editor. POST: one change, as JSON (the editor's fetch) or as a form with
    ``path`` and ``value`` (the review page's "use this mapping" buttons)."""
    organization = _managed_organization(request.user, slug)
    questionnaire = _org_version(organization, key, version)
    if request.method == "GET":
        if questionnaire.status != Questionnaire.DRAFT:
            messages.info(request, f"{questionnaire.label} is {questionnaire.status}; it never "
                                   "changes. Start a new draft to edit.")  # fmt: skip
            return redirect(questionnaire.get_absolute_url())
        before = services.published_predecessor(questionnaire)
        return render(
            request,
            "assessments/questionnaire_editor.html",
            {
                "questionnaire": questionnaire,
                "organization": organization,
                "doc": doc_to_json(questionnaire_selectors.questionnaire_doc(questionnaire)),
                "predecessor_label": before.label if before else None,
                **_edit_urls(questionnaire),
            },
        )
    as_json = request.content_type == "application/json"
    if as_json:
        if len(request.body) > MAX_EDIT_BYTES:
            return JsonResponse(
                {"errors": [{"field": None, "message": "The change is too large."}]}, status=400
            )
        try:
            op = json.loads(request.body)
        except ValueError:
            return JsonResponse(
                {"errors": [{"field": None, "message": "The change is not valid JSON."}]},
                status=400,
            )
    else:
        op = {"op": "set", "path": request.POST.get("path", ""),
              "value": request.POST.get("value", "")}  # fmt: skip
    try:
        draft, doc = services.edit_draft(request.user, questionnaire, op)
    except DomainError as exc:
        raise_for_page(exc)
        errors = getattr(exc, "errors", None) or [{"field": None, "message": exc.message}]
        if as_json:
            return JsonResponse({"errors": errors}, status=exc.status)
        messages.error(request, "; ".join(e["message"] for e in errors))
        return redirect("questionnaire_review", slug=slug, key=key, version=version)
    if as_json:
        return JsonResponse(
            {"questionnaire": doc_to_json(doc), "saved_at": timezone.now().isoformat()}
        )
    messages.success(request, "Saved.")
    return redirect("questionnaire_review", slug=slug, key=key, version=version)


@login_required
def questionnaire_review(request, slug, key, version):
    """What publishing would change against the previous published version, with the
    proposed ``replaces`` mappings to confirm, and the publish button."""
    organization = _managed_organization(request.user, slug)
    questionnaire = _org_version(organization, key, version)
    before = services.published_predecessor(questionnaire)
    diff = services.version_diff(questionnaire, before)
    return render(
        request,
        "assessments/questionnaire_review.html",
        {
            "questionnaire": questionnaire,
            "organization": organization,
            "before": before,
            "diff": diff.to_json(),
            "summary": diff.summary(),
            "is_draft": questionnaire.status == Questionnaire.DRAFT,
            **_edit_urls(questionnaire),
        },
    )


@login_required
@require_POST
def questionnaire_publish(request, slug, key, version):
    organization = _managed_organization(request.user, slug)
    questionnaire = _org_version(organization, key, version)
    with reported(request):
        published = services.publish_questionnaire(request.user, questionnaire)
        messages.success(
            request,
            f"{published.label} is published: {organization.name}'s teams get it from the "
            "next assessment on.",
        )
        return redirect(published.get_absolute_url())
    return redirect("questionnaire_review", slug=slug, key=key, version=version)


@login_required
@require_POST
def questionnaire_discard(request, slug, key, version):
    organization = _managed_organization(request.user, slug)
    questionnaire = _org_version(organization, key, version)
    with reported(request):
        services.discard_draft(request.user, questionnaire)
        messages.success(request, f"Draft {questionnaire.label} discarded.")
        return redirect("questionnaire_list")
    return redirect(questionnaire.get_absolute_url())


PRACTICES_PERIODS = 8  # quarters offered on the page: this one and the seven before it


@login_required
@require_http_methods(["GET", "POST"])
def organization_practices(request, slug):
    """The organisation section of the questionnaire the organisation's teams get, answered
    once per period by a CoE analyst or an organisation admin; team result pages show the
    answers beside the team's results. Another organisation's page does not exist for a user
    (404); the organisation's team members may not answer it (403)."""
    organization = _organization_or_404(request.user, slug)
    if not permissions.can_analyse(request.user, organization):
        raise PermissionDenied(
            "Only CoE analysts and organisation admins answer organisation practices."
        )
    now = current_period()
    periods = [shift_period(now, -n) for n in range(PRACTICES_PERIODS)]
    period = request.POST.get("period") or request.GET.get("period") or now
    if period not in periods:
        try:
            future = parse_period(period) > parse_period(now)
        except PeriodError:
            future = True
        if future:
            raise Http404("No such period.")
        periods.append(period)
    questionnaire = questionnaire_selectors.practices_questionnaire(organization)
    structure = (
        questionnaire_selectors.organization_structure(questionnaire) if questionnaire else None
    )
    page_url = f"{reverse('organization_practices', args=[organization.slug])}?period={period}"
    if request.method == "POST" and structure is not None:
        questions = structure[1]
        answers = {
            q.key: request.POST[f"answer-{q.key}"]
            for q in questions
            if request.POST.get(f"answer-{q.key}")
        }
        comments = {q.key: request.POST.get(f"comment-{q.key}", "") for q in questions}
        with reported(request):
            services.save_organization_practices(
                request.user, organization, questionnaire, period, answers, comments
            )
            messages.success(request, f"Organisation practices for {period} saved.")
            return redirect(page_url)
    rows = []
    saved = {}
    if structure is not None:
        saved = questionnaire_selectors.practices_answers(organization, questionnaire, period)
        for question in structure[1]:
            answer = saved.get(question.key)
            if answer is None:
                value = ""
            elif answer.not_applicable:
                value = services.NOT_APPLICABLE
            elif answer.level is None:
                value = services.DONT_KNOW
            else:
                value = str(answer.level)
            rows.append(
                {
                    "question": question,
                    "levels": [
                        (str(level), LEVEL_NAMES[level], statement)
                        for level, statement in question.level_statements()
                    ],
                    "value": value,
                    "comment": answer.comment if answer else "",
                }
            )
    return render(
        request,
        "assessments/organization_practices.html",
        {
            "organization": organization,
            "period": period,
            "periods": sorted(periods, reverse=True),
            "questionnaire": questionnaire,
            "section": structure[0] if structure else None,
            "rows": rows,
            "answered": len(saved),
            "dont_know": services.DONT_KNOW,
            "not_applicable": services.NOT_APPLICABLE,
        },
    )


@login_required
def organization_practices_home(request):
    """The navigation's entry: the page of the first organisation (by name) whose practices the
    user answers."""
    organization = permissions.analysable_organizations(request.user).order_by("name").first()
    if organization is None:
        raise PermissionDenied(
            "Only CoE analysts and organisation admins answer organisation practices."
        )
    return redirect("organization_practices", slug=organization.slug)
