"""The library API reaches the composition root one way: a module-level `bootstrap` import."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

API = Path(__file__).resolve().parents[2] / "entrypoints" / "api"


def _imports_bootstrap(node: ast.AST) -> bool:
    if isinstance(node, ast.ImportFrom):
        module = node.module or ""
        names = {alias.name for alias in node.names}
        return module == "entrypoints.bootstrap" or (
            module == "entrypoints" and "bootstrap" in names
        )
    if isinstance(node, ast.Import):
        return any(alias.name == "entrypoints.bootstrap" for alias in node.names)
    return False


@pytest.mark.parametrize(
    "module", sorted(API.rglob("*.py")), ids=lambda path: str(path.relative_to(API))
)
def test_api_modules_import_bootstrap_only_at_module_level(module: Path) -> None:
    tree = ast.parse(module.read_text(), filename=str(module))
    nested = [
        f"{module.name}:{function.name}"
        for function in ast.walk(tree)
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef)
        if any(_imports_bootstrap(inner) for inner in ast.walk(function))
    ]
    assert nested == [], "import bootstrap at module level: `from entrypoints import bootstrap`"
