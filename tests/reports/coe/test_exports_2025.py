"""The comparison's exports and API carry DORA 2025 beside the tiers (issue 19): the overall,
throughput and stability scores and bands against the segment, the segment itself, and the
tiers headed with their benchmark year."""

import csv
import io

import openpyxl
import pytest

from assessments.models import DoraSnapshot
from reports.coe import comparison, exports
from tests.reports.coe.test_dashboard import set_org
from tests.reports.coe.test_progress import EARLIER, EXAMPLE, snapshot


@pytest.fixture
def measured(world):
    """Team A: the worked example measured in 2026-Q3 (events), 2026-Q2 before it; Team B:
    only a survey."""
    snapshot(world.team_a, "2026-Q2", DoraSnapshot.EVENTS, EARLIER)
    snapshot(world.team_a, "2026-Q3", DoraSnapshot.EVENTS, EXAMPLE)
    snapshot(world.team_b, "2026-Q3", DoraSnapshot.SURVEY, EXAMPLE)
    set_org(world, dora_segment="industry:all")
    return world


def csv_rows(client, query=""):
    response = client.get(f"/coe/export/comparison.csv{query}")
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_comparison_csv_has_2025_scores_bands_segment_and_year_labelled_tiers(measured, client):
    client.force_login(measured.analyst)
    rows = {row["Team"]: row for row in csv_rows(client)}
    a, b = rows["Team A"], rows["Team B"]
    assert {key: a[key] for key in (
        "DORA period", "DORA 2024 tier: Failed deployment recovery time",
        "DORA 2024 overall tier", "Benchmark",
        "DORA 2025 overall score", "DORA 2025 overall band",
        "DORA 2025 throughput score", "DORA 2025 throughput band",
        "DORA 2025 stability score", "DORA 2025 stability band", "DORA 2025 compared with",
    )} == {
        "DORA period": "2026-Q3",
        "DORA 2024 tier: Failed deployment recovery time": "elite",
        "DORA 2024 overall tier": a["DORA 2024 overall tier"],
        "Benchmark": "2024",
        "DORA 2025 overall score": "8.6",
        "DORA 2025 overall band": "well above typical",
        "DORA 2025 throughput score": "9.33",
        "DORA 2025 throughput band": "well above typical",
        "DORA 2025 stability score": "7.5",
        "DORA 2025 stability band": "typical",
        "DORA 2025 compared with": "Industry: All industries (DORA Quick Check 2025 benchmarks)",
    }  # fmt: skip
    assert a["DORA 2024 overall tier"] in ("elite", "high", "medium", "low")
    # Nothing measured: the 2025 columns are empty, not zero.
    assert [b[key] for key in ("DORA period", "DORA 2025 overall score",
                               "DORA 2025 overall band", "DORA 2025 compared with")] == [
        "", "", "", ""
    ]  # fmt: skip


def test_comparison_export_follows_the_segment_and_benchmark_of_the_page(measured, client):
    client.force_login(measured.analyst)
    rows = csv_rows(client, "?segment=industry:industrials&benchmark=2018")
    a = next(row for row in rows if row["Team"] == "Team A")
    # Throughput 9.33 against industrials 5.1 +- 2.3: z = 1.84.
    assert a["DORA 2025 throughput band"] == "well above typical"
    assert a["DORA 2025 compared with"] == (
        "Industry: Industrials & Manufacturing (DORA Quick Check 2025 benchmarks)"
    )
    assert "DORA 2018 tier: Time to restore service" in a  # 2018 names it so
    response = client.get("/coe/export/comparison.csv?segment=industry:moon")
    assert (response.status_code, response["Location"]) == (302, "/coe/")


def test_comparison_xlsx_keeps_scores_as_numbers(measured):
    data = comparison.build_comparison(measured.org)
    content, _ = exports.render(exports.comparison_table(data), "xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    headers = [cell.value for cell in sheet[1]]
    column = headers.index("DORA 2025 overall score") + 1
    values = {sheet.cell(row=r, column=1).value: sheet.cell(row=r, column=column).value
              for r in range(2, sheet.max_row + 1)}  # fmt: skip
    assert values == {"Team A": 8.6, "Team B": None}


def test_comparison_api_has_2025_scores_and_the_segment(measured, api_client):
    api_client.force_authenticate(measured.analyst)
    body = api_client.get("/api/v1/comparison/").json()
    assert (body["benchmark"], body["benchmark_year"]) == ("2024", 2024)
    assert body["dora_2025"] == {
        "edition": "2025",
        "segment": {"kind": "industry", "key": "all", "label": "All industries"},
        "citation": "DORA Quick Check 2025 benchmarks",
    }
    teams = {t["team"]["name"]: t for t in body["teams"]}
    a = teams["Team A"]["dora_2025"]
    assert a["period"] == "2026-Q3"
    assert a["scores"] == {
        "overall": 8.6, "throughput": 9.33, "stability": 7.5,
        "metrics": {"deployment_frequency": 10.0, "lead_time": 8.0, "time_to_restore": 10.0,
                    "change_failure_rate": 7.0, "rework_rate": 8.0},
    }  # fmt: skip
    assert a["comparison"]["overall"] == {"mean": 6.72, "sd": 1.2, "z": 1.57,
                                          "band": "well_above"}  # fmt: skip
    assert a["comparison"]["lead_time"]["z"] == 1.04
    assert teams["Team B"]["dora_2025"] is None
    assert teams["Team A"]["dora"]["time_to_restore"] == "elite"


def test_comparison_api_segment_parameter(measured, api_client):
    api_client.force_authenticate(measured.analyst)
    body = api_client.get("/api/v1/comparison/", {"segment": "org_size:1000-4999"}).json()
    assert body["dora_2025"]["segment"] == {
        "kind": "org_size", "key": "1000-4999", "label": "1,000 to 4,999 employees"
    }  # fmt: skip
    a = next(t for t in body["teams"] if t["team"]["name"] == "Team A")["dora_2025"]
    # Recovery read as 10 - 2.6 = 7.4 for organisation sizes.
    assert a["comparison"]["time_to_restore"]["mean"] == 7.4
    bad = api_client.get("/api/v1/comparison/", {"segment": "industry:moon"})
    assert bad.status_code == 400
    assert bad.json()["detail"].startswith("'moon' is not a known industry")
