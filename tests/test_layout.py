"""Tests import no test module: what two test modules share lives in a module that is not
collected (``helpers.py``, ``factories.py``, a ``conftest.py`` or the fixtures plugin the root
``conftest.py`` loads). A test module imported by another is collected, and run, twice, and
its tests' shape is fixed by whoever imports them.

Every Python file of the project is read as source (AST, ``tests.source_imports``), so an
import inside a function counts as much as one at the top, and so does
``import_module("…")`` of a constant name.
"""

from __future__ import annotations

import os
from pathlib import Path

from tests.source_imports import REPO, imported_names, module_path

SKIP = {".venv", "var", ".git", "node_modules", ".hypothesis", ".ruff_cache"}


def imported_test_modules(source: str, *, package: str = "", filename: str = "<source>"):
    """The project's test modules (``pkg/tests/test_x.py``) that ``source`` imports."""
    return sorted(
        name
        for name in imported_names(source, package=package, filename=filename)
        if name.rpartition(".")[2].startswith("test_") and module_path(name) is not None
    )


def _project_files() -> list[Path]:
    found = []
    for folder, dirs, files in os.walk(REPO):
        dirs[:] = [d for d in dirs if d not in SKIP]
        found += [Path(folder, f) for f in files if f.endswith(".py")]
    return sorted(found)


def _package_of(path: Path) -> str:
    rel = path.relative_to(REPO).with_suffix("")
    parts = rel.parts if rel.name == "__init__" else rel.parts[:-1]
    return ".".join(p for p in parts if p != "__init__")


def test_no_module_imports_a_test_module():
    arrows = [
        f"{path.relative_to(REPO)} → {name}"
        for path in _project_files()
        for name in imported_test_modules(
            path.read_text(encoding="utf-8"), package=_package_of(path), filename=str(path)
        )
    ]
    assert arrows == []


def test_the_check_sees_every_way_of_importing_a_test_module():
    source = """
import bank_adapters.tests.test_exchange
from bank_adapters.tests.test_envelope import *
from bank_adapters.tests import test_codecs as codecs, helpers
from .test_views import as_user
import importlib

def later():
    from card_service.tests.test_application_rules import CASES
    importlib.import_module("uniforms.tests.test_services")
"""
    assert imported_test_modules(source, package="org_console.tests") == [
        "bank_adapters.tests.test_codecs",
        "bank_adapters.tests.test_envelope",
        "bank_adapters.tests.test_exchange",
        "card_service.tests.test_application_rules",
        "org_console.tests.test_views",
        "uniforms.tests.test_services",
    ]
    fine = """
from bank_adapters.tests import helpers
from bank_adapters.tests.helpers import Bank
from card_service.tests.helpers import submit, test_data
from . import helpers
import pytest
"""
    assert imported_test_modules(fine, package="org_console.tests") == []
