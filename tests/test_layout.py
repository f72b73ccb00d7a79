"""Tests import no test module: what two test modules share lives in a module that is not
collected (``helpers.py``, ``factories.py``, a ``conftest.py`` or the fixtures plugin the root
``conftest.py`` loads). A test module imported by another is collected, and run, twice, and
its tests' shape is fixed by whoever imports them.

Every Python file of the project is read as source (AST), so an import inside a function
counts as much as one at the top, and so does ``import_module("…")`` of a constant name.
"""

from __future__ import annotations

import ast
import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SKIP = {".venv", "var", ".git", "node_modules", ".hypothesis", ".ruff_cache"}


def _is_test_module(name: str) -> bool:
    return name.rpartition(".")[2].startswith("test_")


def imported_test_modules(source: str, filename: str = "<source>") -> list[str]:
    """The test modules ``source`` imports (``pkg.tests.test_x``), anywhere in it."""
    found = []
    for node in ast.walk(ast.parse(source, filename=filename)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if _is_test_module(alias.name)]
        elif isinstance(node, ast.ImportFrom):
            origin = "." * node.level + (node.module or "")
            if _is_test_module(origin):
                found.append(origin)
            elif origin.rpartition(".")[2] == "tests":  # ``from pkg.tests import test_x``
                found += [
                    f"{origin}.{alias.name}" for alias in node.names if _is_test_module(alias.name)
                ]
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) in ("import_module",
                                                                              "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
            and _is_test_module(node.args[0].value)
        ):  # fmt: skip
            found.append(node.args[0].value)
    return found


def _project_files() -> list[Path]:
    found = []
    for folder, dirs, files in os.walk(REPO):
        dirs[:] = [d for d in dirs if d not in SKIP]
        found += [Path(folder, f) for f in files if f.endswith(".py")]
    return sorted(found)


def test_no_module_imports_a_test_module():
    arrows = sorted(
        f"{path.relative_to(REPO)} → {name}"
        for path in _project_files()
        for name in imported_test_modules(path.read_text(encoding="utf-8"), str(path))
    )
    assert arrows == []


def test_the_check_sees_every_way_of_importing_a_test_module():
    source = """
import bank_adapters.tests.test_exchange
from bank_adapters.tests.test_envelope import *
from bank_adapters.tests import test_exchange as tx, helpers
from .test_views import as_user
import importlib

def later():
    from card_service.tests.test_application_rules import non_mainland
    importlib.import_module("uniforms.tests.test_services")
"""
    assert sorted(imported_test_modules(source)) == [
        ".test_views",
        "bank_adapters.tests.test_envelope",
        "bank_adapters.tests.test_exchange",
        "bank_adapters.tests.test_exchange",
        "card_service.tests.test_application_rules",
        "uniforms.tests.test_services",
    ]
    fine = """
from bank_adapters.tests import helpers
from bank_adapters.tests.helpers import Bank
from card_service.tests.helpers import submit, test_data
from tests import helpers
import pytest
"""
    assert imported_test_modules(fine) == []
