"""Notification pages: a person's notices and their notification settings (their own only),
and the lead's "Invite the team" on an assessment page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from assessments import permissions
from reports.models import Notice
from reports.notifications import services as notifications
from vsm_site.http import reported


@login_required
def notice_list(request):
    return render(
        request,
        "reports/notifications/notice_list.html",
        {"notices": notifications.notices_for(request.user)},
    )


@login_required
@require_POST
def notices_mark_read(request):
    notifications.mark_all_read(request.user)
    messages.success(request, "All notices marked as read.")
    return redirect("notice_list")


@login_required
@require_http_methods(["GET", "POST"])
def notification_preferences(request):
    if request.method == "POST":
        notifications.set_preferences(request.user, request.POST.getlist("kind"))
        messages.success(request, "Notification settings saved.")
        return redirect("notification_preferences")
    off = notifications.turned_off(request.user)
    labels = dict(Notice.KIND_CHOICES)
    kinds = [
        {"kind": k, "label": labels[k], "on": k not in off} for k in notifications.OPTIONAL_KINDS
    ]
    return render(request, "reports/notifications/preferences.html", {"kinds": kinds})


@login_required
@require_POST
def assessment_invite(request, assessment_id):
    assessment = permissions.get_visible_assessment_or_404(request.user, assessment_id)
    with reported(request):
        invited, skipped = notifications.invite_team(request.user, assessment)
        plural = "" if invited == 1 else "s"
        text = f"Invitation sent to {invited} member{plural}."
        if skipped:
            text += (
                f" {skipped} left out: already invited, already submitted, or they turned these"
                " messages off."
            )
        messages.success(request, text)
    return redirect("assessment_detail", assessment_id=assessment.id)
