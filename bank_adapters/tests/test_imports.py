"""The exchange knows files, not cards: no module of ``bank_adapters`` imports an app that
plugs into it (those apps register their file types in their ``AppConfig.ready``), and the
codecs need neither Django nor the project's ``core``.

Every module is read as source (AST, ``tests.source_imports``), so an import inside a function
counts as much as one at the top, and so does ``import_module("…")`` of a constant name. The
tests of ``bank_adapters`` are left out: they drive the whole project end to end.
"""

from __future__ import annotations

from bank_adapters import codecs
from tests.source_imports import REPO, module_imports, module_path

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


def _modules() -> list[str]:
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(REPO).with_suffix("")
        if "tests" in rel.parts:
            continue
        parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
        names.append(".".join(parts))
    return names


def _top(name: str) -> str:
    return name.split(".")[0]


def test_no_module_of_bank_adapters_imports_an_app_that_plugs_into_it():
    arrows = sorted(
        f"{module} → {name}"
        for module in _modules()
        for name in module_imports(module)
        if _top(name) in PLUGGED_IN
    )
    assert arrows == []


def test_the_codecs_import_neither_django_nor_core():
    arrows = sorted(
        f"{module} → {name}"
        for module in CODEC_MODULES
        for name in module_imports(module)
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
        for name in module_imports(module):
            if _top(name) in FRAMEWORKS:
                reached.append(" → ".join([*via, name]))
            elif module_path(name) is not None and name not in seen:
                todo.append((name, (*via, name)))
    assert sorted(reached) == []


def test_the_codec_list_names_every_partner_package_and_module():
    for package in codecs.CODEC_PACKAGES:
        assert package in CODEC_MODULES
        assert f"{package}.codec" in CODEC_MODULES
    assert all(module_path(m) is not None for m in CODEC_MODULES)
