"""Campaign pages for CoE analysts and organisation admins: the list with the opening form, a
round's page with completion per team, "Send reminders now" and "Close round" (with a
confirmation step). Members of the organisation get 403; anyone else 404 for its rounds."""

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from assessments import permissions
from assessments.periods import current_period
from reports.campaigns import services as campaigns
from reports.models import Campaign
from vsm_site.http import reported

DEFAULT_DAYS_TO_ANSWER = 14


class OpenCampaignForm(forms.Form):
    """Parses the opening form; the rules are checked by ``campaigns.open_campaign``."""

    name = forms.CharField(max_length=200)
    period = forms.CharField(max_length=7)
    due_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    questionnaire = forms.CharField(max_length=80)
    teams = forms.TypedMultipleChoiceField(coerce=int, required=False)
    group = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)

    def __init__(self, *args, teams=(), groups=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["teams"].choices = [(t.id, t.name) for t in teams]
        self.fields["group"].choices = [("", "—")] + [(g.id, g.name) for g in groups]


def _organization_for(request):
    """The organisation the list page is about (``?org=`` among those the user analyses)."""
    organizations = list(permissions.analysable_organizations(request.user))
    if not organizations:
        raise PermissionDenied("Only CoE analysts and organisation admins run campaigns.")
    wanted = request.GET.get("org") or request.POST.get("org")
    if not wanted:
        return organizations[0], organizations
    organization = next((o for o in organizations if str(o.id) == wanted), None)
    if organization is None:
        raise Http404("No such organisation.")
    return organization, organizations


def _campaign_or_404(user, campaign_id):
    """The round, if the user analyses its organisation. Members of the organisation learn
    that it exists (403); anyone else cannot tell it from a missing one (404)."""
    try:
        campaign = Campaign.objects.select_related("organization", "created_by", "closed_by").get(
            pk=campaign_id
        )
    except Campaign.DoesNotExist:
        raise Http404("No such campaign.") from None
    if permissions.can_analyse(user, campaign.organization):
        return campaign
    if permissions.visible_teams(user).filter(organization=campaign.organization_id).exists():
        raise PermissionDenied("Only CoE analysts and organisation admins see campaigns.")
    raise Http404("No such campaign.")


@login_required
def campaign_list(request):
    organization, organizations = _organization_for(request)
    teams, groups = campaigns.campaign_teams_choice(organization)
    questionnaires = campaigns.published_questionnaires(organization)
    status = 200
    if request.method == "POST":
        form = OpenCampaignForm(request.POST, teams=teams, groups=groups)
        if form.is_valid():
            data = form.cleaned_data
            group = next((g for g in groups if g.id == data["group"]), None)
            with reported(request):
                campaign = campaigns.open_campaign(
                    request.user,
                    organization,
                    data["name"],
                    data["period"],
                    data["due_date"],
                    team_ids=data["teams"],
                    group=group,
                    questionnaire_key=data["questionnaire"],
                )
                messages.success(request, f"{campaign.name} is open; the teams can answer now.")
                return redirect("campaign_detail", campaign_id=campaign.id)
        else:
            for field, errors in form.errors.items():
                label = form.fields[field].label or field.replace("_", " ").capitalize()
                messages.error(request, f"{label}: {' '.join(errors)}")
        status = 400
    else:
        form = OpenCampaignForm(
            teams=teams,
            groups=groups,
            initial={
                "period": current_period(),
                "due_date": (
                    timezone.localdate() + dt.timedelta(days=DEFAULT_DAYS_TO_ANSWER)
                ).isoformat(),
                "questionnaire": "vsm-maturity",
            },
        )
    chosen = set()
    if form.is_bound:
        chosen = {str(v) for v in form.data.getlist("teams")}
    return render(
        request,
        "reports/campaigns/list.html",
        {
            "organization": organization,
            "organizations": organizations,
            "rounds": campaigns.campaign_list(organization),
            "teams": teams,
            "groups": groups,
            "questionnaires": questionnaires,
            "form": form,
            "chosen_team_ids": chosen,
            "grace_days": campaigns.REMINDER_GRACE_DAYS,
        },
        status=status,
    )


@login_required
def campaign_detail(request, campaign_id):
    campaign = _campaign_or_404(request.user, campaign_id)
    rows = campaigns.campaign_progress(campaign)
    return render(
        request,
        "reports/campaigns/detail.html",
        {
            "campaign": campaign,
            "rows": rows,
            "summary": campaigns.summarize(rows),
            "overdue": campaign.due_date < timezone.localdate(),
            "grace_days": campaigns.REMINDER_GRACE_DAYS,
        },
    )


@login_required
@require_POST
def campaign_remind(request, campaign_id):
    campaign = _campaign_or_404(request.user, campaign_id)
    with reported(request):
        sent = campaigns.send_campaign_reminders(request.user, campaign)
        if sent:
            people = "person" if sent == 1 else "people"
            messages.success(
                request,
                f"Sending reminders to {sent} {people} now (by e-mail, in the background). "
                "Nobody gets more than one reminder a day.",
            )
        else:
            messages.info(
                request,
                "No reminder to send: everyone has submitted, or was already reminded today.",
            )
    return redirect("campaign_detail", campaign_id=campaign.id)


@login_required
def campaign_close(request, campaign_id):
    """GET: what closing will do, and a confirmation button. POST: close."""
    campaign = _campaign_or_404(request.user, campaign_id)
    if not campaign.is_open:
        messages.info(request, "This round is already closed.")
        return redirect("campaign_detail", campaign_id=campaign.id)
    if request.method == "POST":
        with reported(request):
            outcome = campaigns.close_campaign(request.user, campaign)
            messages.success(
                request,
                f"Round closed: {outcome['closed']} assessment(s) closed with a result, "
                f"{outcome['without_result']} without (nobody had submitted).",
            )
        return redirect("campaign_detail", campaign_id=campaign.id)
    rows = campaigns.campaign_progress(campaign)
    return render(
        request,
        "reports/campaigns/close_confirm.html",
        {
            "campaign": campaign,
            "to_close": [r for r in rows if r.status == campaigns.OPEN and r.submitted],
            "no_answers": [r for r in rows if r.status == campaigns.OPEN and not r.submitted],
            "already_closed": [r for r in rows if r.status == campaigns.CLOSED],
        },
    )
