"""The exchange knows files, not cards: no module of ``bank_adapters`` imports an app that
plugs into it (those apps register their file types in their ``AppConfig.ready``), and the
codecs need neither Django nor the project's ``core``.

Every module is read as source (AST), so an import inside a function counts as much as one at
the top, and so does ``import_module("…")`` of a constant name. The tests of
``bank_adapters`` are left out: they drive the whole project end to end.
"""

from __future__ import annotations

import ast
from pathlib import Path

from bank_adapters import codecs

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "bank_adapters"

# The apps that plug into the exchange: they import bank_adapters, never the other way.
PLUGGED_IN = ("card_service", "insurance", "uniforms")

# The codec layer: one package per partner (its facts and its codec), the helpers the codecs
# share, and the field and record definitions.
CODEC_MODULES = (
    "bank_adapters.boc",
    "bank_adapters.boc.codec",
    "bank_adapters.icbc",
    "bank_adapters.icbc.codec",
    "bank_adapters.ceb",
    "bank_adapters.ceb.codec",
    "bank_adapters.unf",
    "bank_adapters.unf.codec",
    "bank_adapters.codecs",
    "bank_adapters.fields",
    "bank_adapters.records",
)
# The codecs reach the project only through ``bank_adapters.errors`` (their error is a
# ``core.errors.ValidationFailed``; values are masked by ``core.masking``), which imports
# core but not Django: what a codec imports, however far, never reaches Django.
FRAMEWORKS = ("django", "rest_framework")


def _path_of(module: str) -> Path | None:
    base = REPO.joinpath(*module.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def _modules() -> list[str]:
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(REPO).with_suffix("")
        if "tests" in rel.parts:
            continue
        parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
        names.append(".".join(parts))
    return names


def _imports(module: str) -> set[str]:
    """Every module name ``module`` imports, anywhere in its source."""
    path = _path_of(module)
    assert path is not None, module
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
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
            # ``from pkg import name``: name may be a module of pkg
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


def _top(name: str) -> str:
    return name.split(".")[0]


def test_no_module_of_bank_adapters_imports_an_app_that_plugs_into_it():
    arrows = sorted(
        f"{module} → {name}"
        for module in _modules()
        for name in _imports(module)
        if _top(name) in PLUGGED_IN
    )
    assert arrows == []


def test_the_codecs_import_neither_django_nor_core():
    arrows = sorted(
        f"{module} → {name}"
        for module in CODEC_MODULES
        for name in _imports(module)
        if _top(name) in ("core", *FRAMEWORKS)
    )
    assert arrows == []


def test_nothing_a_codec_imports_reaches_django():
    seen: set[str] = set()
    todo = [(m, (m,)) for m in CODEC_MODULES]
    reached = []
    while todo:
        module, via = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        for name in _imports(module):
            if _top(name) in FRAMEWORKS:
                reached.append(" → ".join([*via, name]))
            elif _path_of(name) is not None and name not in seen:
                todo.append((name, (*via, name)))
    assert sorted(reached) == []


def test_the_codec_list_names_every_partner_package_and_module():
    for package in codecs.CODEC_PACKAGES:
        assert package in CODEC_MODULES
        assert f"{package}.codec" in CODEC_MODULES
    assert all(_path_of(m) is not None for m in CODEC_MODULES)
