"""Issue 16, point 8: DORA figures stay visible after entry. A lead sees the figures they
entered with units and conversion, edits and deletes them (the deletion is in the audit
trail); uploads a semicolon-separated CSV with a byte-order mark, sees the upload listed (who,
when, rows) and removes it whole; gets a hint for a tab-separated file; downloads a template
per kind."""

import csv
import io

import pytest
from playwright.sync_api import expect

from assessments.dora import ingest
from assessments.models import Deployment
from assessments.periods import current_period, shift_period
from tests.browser.helpers import confirm_dialog, log_in, serious_violations
from tests.browser.test_dora import gateway, upload  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser


def open_dora(page):
    page.get_by_role("link", name="Payment Gateway", exact=True).click()
    page.get_by_role("link", name="Delivery performance (DORA)").click()


@pytest.mark.parametrize("width", [1280, 390])
def test_entered_figures_shown_edited_and_deleted(new_context, gateway, width):  # noqa: F811
    page = new_context(width=width).new_page()
    log_in(page, "gateway.lead")
    open_dora(page)
    previous = shift_period(current_period(), -1)
    page.get_by_label("Period").fill(previous)
    page.get_by_label("Deployment frequency").fill("2")
    page.locator("#id_deployment_frequency_unit").select_option("week")
    page.get_by_label("Lead time for changes").fill("3")
    page.locator("#id_lead_time_unit").select_option("days")
    page.get_by_label("Change failure rate (%)").fill("12")
    page.get_by_role("button", name="Save figures").click()

    entered = page.locator("section[aria-labelledby=entered-h]")
    row = entered.locator("tbody tr").filter(has_text=previous)
    expect(row).to_contain_text("Deployment frequency: 0.285714 per day (shown as 2.0 per week)")
    expect(row).to_contain_text("Lead time for changes: 72 hours (shown as 3.0 days)")
    expect(row).to_contain_text("Change failure rate: 12%")
    expect(row).to_contain_text("gateway.lead")
    assert serious_violations(page) == []

    # Edit: the form comes back filled with the stored figures; change one, keep the rest.
    row.get_by_role("link", name=f"Edit figures for {previous}").click()
    expect(page.get_by_role("heading", name=f"Edit figures for {previous}")).to_be_visible()
    expect(page.get_by_label("Period")).to_have_value(previous)
    expect(page.get_by_label("Lead time for changes")).to_have_value("72")
    page.get_by_label("Change failure rate (%)").fill("20")
    page.get_by_role("button", name="Save figures").click()
    expect(row).to_contain_text("Change failure rate: 20%")
    expect(row).to_contain_text("Lead time for changes: 72 hours")

    # Delete, and it is gone from the page and recorded in the audit trail.
    row.get_by_role("button", name=f"Delete figures for {previous}").click()
    dialog = confirm_dialog(page)
    expect(dialog).to_contain_text("the audit log keeps what they were")
    dialog.get_by_role("button", name="Delete figures").click()
    expect(
        page.get_by_role("alert").filter(has_text=f"Figures entered for {previous} deleted.")
    ).to_be_visible()
    expect(entered).to_have_count(0)
    page.context.clear_cookies()
    log_in(page, "admin")
    page.goto("/audit/?model=doraentry")
    table = page.locator("table")
    deleted = table.locator("tbody tr").filter(has_text="Delete")
    expect(deleted).to_have_count(1)
    expect(deleted).to_contain_text("Payment Gateway")
    expect(deleted).to_contain_text("gateway.lead")


SEMICOLON_CSV = (
    "\ufeffexternal_id;finished_at;change_ids;change_first_commit_times\r\n"
    'gw-1;2026-11-20T14:05:00Z;"c-1;c-2";"2026-11-19T09:00:00Z;2026-11-19T10:00:00Z"\r\n'
    "gw-2;2026-11-21T14:05:00Z;;\r\n"
    "gw-3;2026-11-22T14:05:00Z;;\r\n"
)


@pytest.mark.parametrize("width", [1280, 390])
def test_uploads_listed_and_removed_whole(new_context, gateway, width):  # noqa: F811
    page = new_context(width=width).new_page()
    log_in(page, "gateway.lead")
    open_dora(page)

    # A tab-separated file: refused, with a hint saying what the file looks like.
    upload(page, "deployments", "tabs.csv", "external_id\tfinished_at\ngw-1\t2026-11-20T14:05Z\n")
    expect(page.get_by_role("alert").filter(has_text="looks separated by tabs")).to_be_visible()

    # A semicolon-separated file with a byte-order mark, as Excel saves it in many languages.
    upload(page, "deployments", "excel-export.csv", SEMICOLON_CSV)
    expect(page.get_by_role("alert").filter(has_text="Deployments: 3 created")).to_be_visible()
    assert Deployment.objects.get(external_id="gw-1").changes[1]["id"] == "c-2"
    batches = page.locator("section[aria-labelledby=batches-h]")
    row = batches.locator("tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("excel-export.csv")
    expect(row).to_contain_text("Deployments")
    expect(row).to_contain_text("gateway.lead")
    expect(row).to_contain_text("3 (3 new, 0 updated)")
    assert serious_violations(page) == []

    row.get_by_role("button", name="Remove excel-export.csv", exact=False).click()
    dialog = confirm_dialog(page)
    expect(dialog).to_contain_text("The 3 rows of this upload are deleted")
    dialog.get_by_role("button", name="Remove upload").click()
    expect(
        page.get_by_role("alert").filter(has_text="Upload removed with its 3 events.")
    ).to_be_visible()
    expect(batches).to_have_count(0)
    assert Deployment.objects.filter(team=gateway).count() == 0


def test_csv_templates_match_the_columns(page, gateway):  # noqa: F811
    log_in(page, "gateway.lead")
    open_dora(page)
    for kind in ingest.KINDS:
        link = page.get_by_role("link", name=kind, exact=True)
        response = page.request.get(link.get_attribute("href"))
        assert response.status == 200
        rows = list(csv.reader(io.StringIO(response.text())))
        assert tuple(rows[0]) == ingest.CSV_COLUMNS[kind]
        assert len(rows) == 2  # one example row
