"""The dependency contract of pyproject.toml ([tool.importlinter]): reports -> assessments ->
vsm_site, never upwards, and no import cycle between the modules of a package. `make test`
runs lint-imports on the code as it is; these tests show that the same contracts, read from
the same configuration, hold today and break when an upward import or a cycle is added."""

import grimp
import pytest
from importlinter.api import read_configuration
from importlinter.contracts.acyclic_siblings import AcyclicSiblingsContract
from importlinter.contracts.layers import LayersContract

CONFIG = read_configuration("pyproject.toml")
TYPES = {"layers": LayersContract, "acyclic_siblings": AcyclicSiblingsContract}


def contract(contract_id):
    options = next(c for c in CONFIG["contracts_options"] if c["id"] == contract_id)
    return TYPES[options["type"]](
        name=options["name"], session_options=CONFIG["session_options"], contract_options=options
    )


@pytest.fixture
def graph():
    """The project's import graph, built afresh (a contract check may change the graph)."""
    return grimp.build_graph(*CONFIG["session_options"]["root_packages"], cache_dir=None)


def kept(contract_id, graph):
    return contract(contract_id).check(graph, verbose=False).kept


@pytest.mark.parametrize("contract_id", ["layers", "acyclic"])
def test_the_code_keeps_the_contract(graph, contract_id):
    assert kept(contract_id, graph)


@pytest.mark.parametrize(
    "importer, imported",
    [
        ("assessments.maturity.services", "reports.roadmap.services"),  # assessments -> reports
        ("vsm_site.charts", "assessments.levels"),  # the base layer -> an app
        ("assessments.models.people", "reports.models"),
    ],
)
def test_an_upward_import_breaks_the_layers(graph, importer, imported):
    graph.add_import(importer=importer, imported=imported, line_number=1, line_contents="x")
    assert not kept("layers", graph)


@pytest.mark.parametrize(
    "importer, imported",
    [
        ("assessments.dora.services", "assessments.maturity.services"),  # maturity -> dora
        ("reports.roadmap.services", "reports.pdf.services"),  # pdf -> roadmap
        ("assessments.questionnaires.selectors", "assessments.maturity.selectors"),
    ],
)
def test_an_import_cycle_between_siblings_breaks_the_contract(graph, importer, imported):
    graph.add_import(importer=importer, imported=imported, line_number=1, line_contents="x")
    assert not kept("acyclic", graph)
