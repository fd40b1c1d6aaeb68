"""Settings are wiring: each environment variable is read once, and base.py imports no app."""

import ast
from collections import Counter
from pathlib import Path

CONFIG = Path(__file__).resolve().parents[2] / "config"
READERS = {"str", "bool", "int", "float", "list", "json", "url", "db_url", "cache_url"}


def _reads(path: Path) -> list[str]:
    """Names of the variables `env.<cast>("NAME", ...)` / `env("NAME")` read in `path`."""
    names = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not (isinstance(node, ast.Call) and node.args):
            continue
        first, func = node.args[0], node.func
        is_env = (isinstance(func, ast.Name) and func.id == "env") or (
            isinstance(func, ast.Attribute)
            and func.attr in READERS
            and isinstance(func.value, ast.Name)
            and func.value.id == "env"
        )
        if is_env and isinstance(first, ast.Constant) and isinstance(first.value, str):
            names.append(first.value)
    return names


def test_each_environment_variable_is_read_by_one_line_of_one_module():
    reads = Counter(name for path in CONFIG.rglob("*.py") for name in _reads(path))
    assert reads, "no reads found: the scan no longer matches how config/ reads env"
    assert [name for name, count in reads.items() if count > 1] == []


def test_base_settings_import_no_app_module():
    tree = ast.parse((CONFIG / "settings" / "base.py").read_text())
    imported = [
        alias.name if isinstance(node, ast.Import) else node.module or ""
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in (node.names if isinstance(node, ast.Import) else [node])
    ]
    assert [m for m in imported if m.split(".")[0] in {"shared_apps", "tenant_apps"}] == []
