"""A roadmap document's sources are read once, in one pass (reports/roadmap/document.py); the
PDF's context and its fingerprint are built from them without reading again."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports.pdf import context as pdf_context
from reports.pdf import services as report_services
from reports.roadmap import document
from reports.roadmap import services as roadmap_services


def test_gather_reads_each_source_once_and_building_reads_nothing_more(closed_result):
    with CaptureQueriesContext(connection) as gathering:
        sources = document.gather(closed_result)
    tables = [q["sql"].split(" FROM ")[1].split()[0].strip('"') for q in gathering]
    assert sorted(tables) == sorted(
        [
            "assessments_team",  # with group and organisation
            "reports_roadmap",
            "reports_roadmapitem",  # with owners
            "assessments_result",  # the previous result
            "assessments_result",  # the history up to the period
            "assessments_dorasnapshot",
            "assessments_valuestreammap",  # current (the future one only when there is one)
        ]
    )
    with CaptureQueriesContext(connection) as building:
        context = pdf_context.roadmap_context(closed_result, sources=sources)
    assert len(building) == 0  # a low-confidence result: no comments to read
    assert context["plan"]["phases"] and context["team"]["name"] == "Team A"


def test_fingerprint_is_the_context_as_rendered_and_follows_the_roadmap(world, closed_result):
    first = report_services.roadmap_fingerprint(closed_result)
    assert report_services.roadmap_fingerprint(closed_result) == first  # time of making left out
    item = closed_result.roadmap.items.first()
    roadmap_services.update_item(world.lead_a, item, done=True)
    assert report_services.roadmap_fingerprint(closed_result) != first
