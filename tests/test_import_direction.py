"""Imports run one way, in three layers:

- common, the shared base (model bases, the API's envelope and locking, htmx steps, sweeps,
  idempotency), imports no app and not the composition root;
- the apps depend one way among themselves: indicators → fhir_api → plo → referrals → coordination →
  pathways → webhooks → registry, each on common and never on the composition root; citizen (the
  patient's own door) stands on referrals, coordination and pathways beside indicators, and no app
  imports it (staff code never does);
- rehab_portal, the composition root (settings, URLs, the API router, Celery, bench), may
  import anything.

A lower layer importing a higher one would tie them in a knot; this test reads every module's
imports, the lazy ones inside functions too."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BASE = "common"
APPS = ["registry", "webhooks", "pathways", "coordination", "referrals", "plo", "fhir_api",
        "indicators"]
# The patient's own door, and what it may import: nothing above referrals.
CITIZEN = "citizen"
CITIZEN_MAY_IMPORT = {BASE, "registry", "webhooks", "pathways", "coordination", "referrals"}
ROOT_PACKAGE = "rehab_portal"
LAYERED = {BASE, *APPS, CITIZEN, ROOT_PACKAGE}


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names & LAYERED


def wrong_imports(package: str, allowed: set[str], root: Path = ROOT) -> dict[str, list[str]]:
    wrong = {}
    for path in sorted((root / package).rglob("*.py")):
        above = imported_packages(path) - allowed
        if above:
            wrong[str(path.relative_to(root))] = sorted(above)
    return wrong


def test_the_shared_base_imports_no_app_and_not_the_composition_root():
    assert wrong_imports(BASE, {BASE}) == {}


@pytest.mark.parametrize("app", APPS)
def test_an_app_imports_only_the_apps_below_it_and_the_shared_base(app):
    allowed = {BASE, *APPS[:APPS.index(app) + 1]}
    assert wrong_imports(app, allowed) == {}


def test_the_citizen_door_stands_on_coordination_and_pathways_only():
    assert wrong_imports(CITIZEN, CITIZEN_MAY_IMPORT | {CITIZEN}) == {}


def test_a_staff_import_of_the_citizen_door_is_reported(tmp_path):
    (tmp_path / "coordination").mkdir()
    (tmp_path / "coordination" / "bad.py").write_text("from citizen.auth import BACKEND\n")
    assert wrong_imports("coordination", {BASE, "coordination"}, root=tmp_path) == {
        "coordination/bad.py": ["citizen"]}


def test_a_lazy_import_of_an_app_from_the_base_is_reported(tmp_path):
    (tmp_path / BASE).mkdir()
    (tmp_path / BASE / "bad.py").write_text("def f():\n    from registry.models import User\n")
    assert wrong_imports(BASE, {BASE}, root=tmp_path) == {"common/bad.py": ["registry"]}
