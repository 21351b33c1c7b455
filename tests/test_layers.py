"""Layers: ui -> app -> inference. The UI reaches models and tasks only through app/."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_ui_never_imports_inference() -> None:
    offenders = {
        f"{path.name}: {module}"
        for path in sorted((ROOT / "ui").glob("*.py"))
        for module in imported_modules(path)
        if module == "inference" or module.startswith("inference.")
    }
    assert not offenders, sorted(offenders)


def test_the_probe_sees_a_lazy_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f() -> None:\n    from inference.engine import LocalEngine\n")
    assert "inference.engine" in imported_modules(module)
