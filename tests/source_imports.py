"""What a Python module imports, read from its source (AST) without running it: an import
inside a function counts as much as one at the top, and so does ``import_module("…")`` (or
``__import__``) of a constant name. For the tests that hold the project's import rules."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def module_path(module: str) -> Path | None:
    """The file of a project module (``pkg/mod.py`` or ``pkg/__init__.py``), if it has one."""
    base = REPO.joinpath(*module.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def imported_names(source: str, *, package: str = "", filename: str = "<source>") -> set[str]:
    """Every module name ``source`` imports (relative ones resolved against ``package``);
    ``from pkg import name`` gives ``pkg`` and ``pkg.name``, as name may be a module."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source, filename=filename)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                origin = ".".join([*base, node.module] if node.module else base)
            else:
                origin = node.module or ""
            found.add(origin)
            found.update(f"{origin}.{alias.name}" for alias in node.names)
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) in ("import_module",
                                                                              "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):  # fmt: skip
            found.add(node.args[0].value)
    return found


def module_imports(module: str) -> set[str]:
    """Every module name the project module ``module`` imports, anywhere in its source."""
    path = module_path(module)
    assert path is not None, module
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    return imported_names(path.read_text(encoding="utf-8"), package=package, filename=str(path))
