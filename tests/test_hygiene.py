"""Test modules share builders only through ``tests/factories.py`` and conftest fixtures: a
test module that imports another test module (or a conftest) runs that module's tests'
imports and couples two layers' tests by accident."""

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent
ALLOWED = {"tests.factories"}


def _test_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
        elif isinstance(node, ast.ImportFrom) and node.level > 0:
            names.append("." * node.level + (node.module or ""))
        elif isinstance(node, ast.Import):
            names.extend(a.name for a in node.names)
    return [
        n for n in names if (n == "tests" or n.startswith(("tests.", "."))) and n not in ALLOWED
    ]


def test_no_test_module_imports_another():
    found = {
        str(p.relative_to(TESTS.parent)): bad
        for p in sorted(TESTS.rglob("*.py"))
        if (bad := _test_imports(p))
    }
    assert found == {}


def test_the_check_sees_a_cross_module_import(tmp_path):
    p = tmp_path / "test_x.py"
    p.write_text("from tests.catalog.test_answers import answer_field\nfrom . import conftest\n")
    assert _test_imports(p) == ["tests.catalog.test_answers", "."]
