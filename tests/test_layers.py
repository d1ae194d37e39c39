"""The layer rule: imports point down only (matching → assessments → competencies → mentorship).

The project wiring in the mentorship package (settings and the root URLconfs) is the one place
that names every app; migrations are generated and left alone.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HIGHER = {
    "mentorship": {"competencies", "assessments", "matching"},
    "competencies": {"assessments", "matching"},
    "assessments": {"matching"},
}
PROJECT_WIRING = {"mentorship/settings.py", "mentorship/urls.py", "mentorship/urls_api.py"}


def _imported_apps(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("app", sorted(HIGHER))
def test_an_app_never_imports_a_layer_above_it(app: str) -> None:
    offending = {}
    for path in sorted((ROOT / app).rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if "/migrations/" in relative or relative in PROJECT_WIRING:
            continue
        above = _imported_apps(path) & HIGHER[app]
        if above:
            offending[relative] = sorted(above)
    assert offending == {}
