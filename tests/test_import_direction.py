"""The apps depend one way: fhir_api → coordination → pathways → webhooks → registry (and
every app on the project package rehab_portal). A lower app importing a higher one would tie
them in a knot; this test reads every module's imports."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ORDER = ["registry", "webhooks", "pathways", "coordination", "fhir_api"]


def imported_apps(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names & set(ORDER)


@pytest.mark.parametrize("app", ORDER)
def test_an_app_imports_only_the_apps_below_it(app):
    allowed = set(ORDER[:ORDER.index(app) + 1])
    wrong = {}
    for path in sorted((ROOT / app).rglob("*.py")):
        above = imported_apps(path) - allowed
        if above:
            wrong[str(path.relative_to(ROOT))] = sorted(above)
    assert wrong == {}
