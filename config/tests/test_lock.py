"""The lock files match pyproject.toml and pin every package by hash (bin/lock makes them)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

BASE_DIR = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)")


def _locked(name: str) -> dict[str, str]:
    text = (BASE_DIR / "requirements" / name).read_text()
    pins: dict[str, str] = {}
    # One entry: the pin line and its continuation lines up to the next entry.
    for entry in re.split(r"\n(?=[A-Za-z0-9])", text):
        m = PIN.match(entry)
        if not m:
            continue
        assert "--hash=sha256:" in entry, f"{name}: {m.group(1)} has no hash"
        pins[canonicalize_name(m.group(1))] = m.group(2)
    return pins


def _wanted(extra: str | None) -> list[Requirement]:
    project = tomllib.loads((BASE_DIR / "pyproject.toml").read_text())["project"]
    wanted = [Requirement(r) for r in project["dependencies"]]
    if extra:
        wanted += [Requirement(r) for r in project["optional-dependencies"][extra]]
    return wanted


@pytest.mark.parametrize(("lock", "extra"), [("lock.txt", None), ("lock-dev.txt", "dev")])
def test_every_dependency_is_locked_at_an_allowed_version(lock, extra):
    """Fails when pyproject.toml changed without `bin/lock`."""
    pins = _locked(lock)
    for req in _wanted(extra):
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is not in requirements/{lock}: run bin/lock"
        assert req.specifier.contains(pins[name], prereleases=True), (
            f"requirements/{lock} pins {req.name}=={pins[name]}, pyproject wants {req}: "
            "run bin/lock"
        )


def test_the_runtime_pins_are_the_same_in_both_locks():
    runtime, dev = _locked("lock.txt"), _locked("lock-dev.txt")
    assert {n: dev.get(n) for n in runtime} == runtime
