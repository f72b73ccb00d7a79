"""Audit actions are the members of ``AuditAction``: the source of every app writes nothing
else, every member is written somewhere, and the admin shows what each means."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.urls import reverse

from core.audit_actions import AuditAction
from core.models import AuditLog
from core.services import audit_log_write

WRITER = "audit_log_write"


def _source_files() -> list[Path]:
    """The modules of the project's own apps, tests and migrations aside."""
    base = Path(settings.BASE_DIR).resolve()
    files = []
    for config in apps.get_app_configs():
        root = Path(config.path).resolve()
        if base not in root.parents:
            continue  # Django's and third-party apps
        for path in sorted(root.rglob("*.py")):
            parts = path.relative_to(root).parts
            if "tests" in parts or "migrations" in parts:
                continue
            files.append(path)
    return files


def _tables(tree: ast.Module) -> dict[str, ast.Dict]:
    """Module-level ``NAME = {...}`` (annotated or not): look-up tables of actions."""
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign):
            target, value = node.target, node.value
        else:
            continue
        if isinstance(target, ast.Name) and isinstance(value, ast.Dict):
            found[target.id] = value
    return found


def _members(expr: ast.expr | None, tables: dict[str, ast.Dict]) -> set[str] | None:
    """The ``AuditAction`` members ``expr`` can be: ``AuditAction.NAME``, a conditional of
    such, or a subscript of a module-level table whose values are such. None for anything
    else (a string literal, an f-string, a variable, a call)."""
    if (
        isinstance(expr, ast.Attribute)
        and isinstance(expr.value, ast.Name)
        and expr.value.id == "AuditAction"
        and expr.attr in AuditAction.__members__
    ):
        return {expr.attr}
    if isinstance(expr, ast.IfExp):
        body, orelse = _members(expr.body, tables), _members(expr.orelse, tables)
        return None if body is None or orelse is None else body | orelse
    if isinstance(expr, ast.Subscript) and isinstance(expr.value, ast.Name):
        table = tables.get(expr.value.id)
        if table is None or not table.values:
            return None
        names: set[str] = set()
        for value in table.values:
            found = _members(value, tables)
            if found is None:
                return None
            names |= found
        return names
    return None


def _is_audit_write(call: ast.Call) -> bool:
    func = call.func
    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
    return name == WRITER


def _is_direct_insert(call: ast.Call) -> bool:
    """``AuditLog(...)``, ``AuditLog.objects.create(...)`` and the like."""
    func = call.func
    if isinstance(func, ast.Name):
        return func.id == "AuditLog"
    return "AuditLog" in ast.unparse(func).split(".")


def _check(source: str, where: str) -> tuple[list[str], set[str]]:
    """(the problems of one module, the members its audit writes use)."""
    tree = ast.parse(source)
    tables = _tables(tree)
    problems, used = [], set()
    writer_body: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == WRITER:
            writer_body |= {id(n) for n in ast.walk(node)}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        if _is_direct_insert(node) and id(node) not in writer_body:
            problems.append(f"{where}:{node.lineno} writes AuditLog itself; use {WRITER}")
            continue
        if not _is_audit_write(node):
            continue
        action = next((kw.value for kw in node.keywords if kw.arg == "action"), None)
        found = _members(action, tables)
        if found is None:
            shown = ast.unparse(action) if action is not None else "nothing"
            problems.append(f"{where}:{node.lineno} action={shown} is not an AuditAction member")
        else:
            used |= found
    return problems, used


def _walk() -> tuple[list[str], set[str]]:
    base = Path(settings.BASE_DIR).resolve()
    problems, used = [], set()
    for path in _source_files():
        found, names = _check(path.read_text(encoding="utf-8"), str(path.relative_to(base)))
        problems += found
        used |= names
    return problems, used


def test_every_audit_write_passes_a_member_of_the_enum():
    problems, used = _walk()
    assert not problems, "\n".join(problems)
    assert used  # the walk found the writes: many apps audit


def test_every_member_is_written_somewhere():
    _, used = _walk()
    dead = sorted(set(AuditAction.__members__) - used)
    assert not dead, f"AuditAction members no code writes: {dead}"


@pytest.mark.parametrize(
    "call",
    [
        'audit_log_write(action="hotline_lookup", actor=u)',
        'audit_log_write(action=f"signup_{to}", actor=u)',
        "audit_log_write(action=name, actor=u)",
        "audit_log_write(action=pick(obj), actor=u)",
        "audit_log_write(action=AuditAction.NO_SUCH_THING)",
        'audit_log_write(action=AuditAction.HOTLINE_LOOKUP if ok else "oops")',
        "audit_log_write(actor=u)",
        'services.audit_log_write(action="hotline_lookup")',
        'AuditLog.objects.create(action="hotline_lookup")',
        "AuditLog(action=AuditAction.HOTLINE_LOOKUP).save()",
    ],
)
def test_the_walk_refuses_anything_but_a_member(call):
    problems, _ = _check(f"def f(u, to, name, obj, ok):\n    {call}\n", "m.py")
    assert problems


def test_the_walk_accepts_members_conditionals_and_tables():
    source = (
        "T = {'in': AuditAction.ATTENDANCE_IN, 'out': AuditAction.ATTENDANCE_OUT}\n"
        "def f(a, ok):\n"
        "    audit_log_write(action=AuditAction.HOTLINE_LOOKUP)\n"
        "    audit_log_write(action=AuditAction.SIGNUP_ADMITTED if ok else AuditAction.SIGNUP_REMOVED)\n"
        "    audit_log_write(action=T[a])\n"
    )  # fmt: skip
    problems, used = _check(source, "m.py")
    assert not problems
    assert used == {
        "HOTLINE_LOOKUP", "SIGNUP_ADMITTED", "SIGNUP_REMOVED", "ATTENDANCE_IN", "ATTENDANCE_OUT",
    }  # fmt: skip


@pytest.mark.django_db
def test_the_writer_refuses_a_value_that_is_not_an_action():
    with pytest.raises(ValueError):
        audit_log_write(action="no_such_action")
    assert not AuditLog.objects.exists()


@pytest.mark.django_db
def test_the_stored_value_is_the_old_string_and_the_admin_shows_its_meaning(client):
    from volunteers.tests.factories import UserFactory

    row = audit_log_write(action=AuditAction.HOTLINE_LOOKUP, reason="来电查询")
    stored = AuditLog.objects.get(pk=row.pk)
    assert stored.action == "hotline_lookup"
    assert AuditLog.objects.filter(action="hotline_lookup").count() == 1
    assert stored.get_action_display() == "热线查询志愿者"
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    page = client.get(reverse("admin:core_auditlog_changelist")).content.decode()
    assert "热线查询志愿者" in page  # in the list and in the filter
    assert page.count("热线查询志愿者") >= 2
