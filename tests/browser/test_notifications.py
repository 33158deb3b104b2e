"""Journey (issue 16, point 3): a team lead copies the answer link and e-mails an invitation to
the team from the assessment page; a member sees the notice, follows it, and turns a kind of
notification off. At desktop and phone widths, with no serious accessibility violations."""

import re

import pytest
from django.conf import settings
from django.core import mail
from playwright.sync_api import expect

from assessments.models import Assessment
from reports import tasks
from reports.models import Notice, NotificationOptOut
from tests.browser.helpers import log_in, serious_violations

pytestmark = pytest.mark.browser


def open_nav(page, width):
    if width < 992:  # the navigation is collapsed behind its toggle on narrow screens
        page.get_by_role("button", name="Toggle navigation").click()


@pytest.mark.parametrize("width", [1280, 390])
def test_lead_invites_team_member_sees_notice_and_turns_a_kind_off(
    demo, new_context, monkeypatch, width
):
    batches = []  # what would go to the broker: the e-mails are sent by the Celery task
    monkeypatch.setattr(
        tasks.task_send_notice_emails, "apply_async", lambda args, **kw: batches.append(args[0])
    )
    assessment = Assessment.objects.get(team__slug="checkout", status=Assessment.OPEN)

    lead_context = new_context(width=width)
    lead_context.grant_permissions(["clipboard-read", "clipboard-write"])
    lead = lead_context.new_page()
    log_in(lead, "checkout.lead")
    lead.goto(f"/assessments/{assessment.id}/")
    link = lead.get_by_label("Answer link (members log in, then answer)")
    expect(link).to_have_value(f"{settings.SITE_URL}/assessments/{assessment.id}/answer/")
    lead.get_by_role("button", name="Copy link").click()
    expect(lead.get_by_role("status").filter(has_text="Link")).to_have_text(
        re.compile(r"Link (copied|selected)")
    )
    assert serious_violations(lead) == []
    lead.get_by_role("button", name="E-mail an invitation to the team").click()
    expect(lead.get_by_role("alert").filter(has_text="Invitation sent")).to_contain_text(
        "Invitation sent to 4 members."
    )
    assert [len(ids) for ids in batches] == [4]
    assert tasks.task_send_notice_emails(batches[0]) == 4
    assert sorted(m.to[0] for m in mail.outbox) == [
        f"checkout.m{i}@northwind.example" for i in range(1, 5)
    ]
    assert f"{settings.SITE_URL}/assessments/{assessment.id}/answer/" in mail.outbox[0].body

    member = new_context(width=width).new_page()
    log_in(member, "checkout.m3")
    open_nav(member, width)
    notices_link = member.get_by_role("link", name=re.compile(r"^Notices"))
    expect(notices_link).to_have_text("Notices 1 unread")
    notices_link.click()
    expect(member.get_by_role("heading", name="Notices", level=1)).to_be_visible()
    assert serious_violations(member) == []
    member.get_by_role("link", name=re.compile("invites you to answer Checkout")).click()
    expect(member).to_have_url(re.compile(rf"/assessments/{assessment.id}/$"))

    member.goto("/notices/")
    member.get_by_role("link", name="Notification settings").click()
    opens = member.get_by_label("An assessment opens for your team")
    expect(opens).to_be_checked()
    opens.uncheck()
    member.get_by_role("button", name="Save settings").click()
    expect(member.get_by_role("alert").filter(has_text="saved")).to_be_visible()
    expect(member.get_by_label("An assessment opens for your team")).not_to_be_checked()
    expect(member.get_by_label("Your team's result is ready")).to_be_checked()
    assert serious_violations(member) == []
    assert list(
        NotificationOptOut.objects.filter(user__username="checkout.m3").values_list(
            "kind", flat=True
        )
    ) == [Notice.OPENED]
