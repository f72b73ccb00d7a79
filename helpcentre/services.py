"""Writes of the help centre: operations' edits (each audited) and the seeding of the
questions from ``helpcentre/data/faq.toml``."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path
from typing import Any

from django.db import models, transaction

from core.audit_actions import AuditAction
from core.services import audit_log_write
from helpcentre.files import download_name, format_of
from helpcentre.models import Category, Download, Question

FAQ_FILE = Path(__file__).resolve().parent / "data" / "faq.toml"
HelpContent = Category | Question | Download
# Long texts go into the audit row whole (the row is the only history of an answer), but a
# file's bytes never: its stored name stands for it.
_FILE_FIELDS = {"file"}


def _value(obj: models.Model, name: str) -> Any:
    field = obj._meta.get_field(name)
    value = getattr(obj, field.attname)
    if name in _FILE_FIELDS:
        return value.name if value else ""
    return value


# What each edit of each kind of content is, in the audit log.
_AUDIT: dict[tuple[type[models.Model], str], AuditAction] = {
    (Category, "add"): AuditAction.HELP_CATEGORY_ADD,
    (Category, "change"): AuditAction.HELP_CATEGORY_CHANGE,
    (Category, "delete"): AuditAction.HELP_CATEGORY_DELETE,
    (Question, "add"): AuditAction.HELP_QUESTION_ADD,
    (Question, "change"): AuditAction.HELP_QUESTION_CHANGE,
    (Question, "delete"): AuditAction.HELP_QUESTION_DELETE,
    (Download, "add"): AuditAction.HELP_DOWNLOAD_ADD,
    (Download, "change"): AuditAction.HELP_DOWNLOAD_CHANGE,
    (Download, "delete"): AuditAction.HELP_DOWNLOAD_DELETE,
}


@transaction.atomic
def help_content_save(
    *, actor: Any, obj: HelpContent, changed: list[str], before: dict[str, Any] | None = None
) -> HelpContent:
    """Save a category, question or download edited by operations and audit what changed
    (each changed field's old and new value). A download's served type, size and file name
    follow its file; a replaced file is deleted once the change is committed."""
    created = obj.pk is None
    before = before or {}
    old_file = ""
    if isinstance(obj, Download):
        old_file = str(before.get("file") or "") if "file" in changed else ""
        _download_describe(obj)
    obj.save()
    audit_log_write(
        action=_AUDIT[type(obj), "add" if created else "change"],
        actor=actor,
        target=obj,
        data={
            "slug": obj.slug,
            "changed": {
                name: {"from": "" if created else _plain(before.get(name)), "to": _value(obj, name)}
                for name in changed
            },
        },
    )
    if old_file and old_file != obj.file.name:
        storage = obj.file.storage
        transaction.on_commit(lambda: storage.delete(old_file))
    return obj


def _plain(value: Any) -> Any:
    """``value`` as JSON can hold it."""
    if hasattr(value, "name") and hasattr(value, "storage"):  # a FieldFile
        return value.name or ""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _download_describe(obj: Download) -> None:
    fmt = format_of(obj.file.name)
    obj.content_type = fmt.content_type if fmt else "application/octet-stream"
    obj.size = obj.file.size if obj.file else 0
    # Its length was checked by Download.clean() (the admin form).
    obj.filename = download_name(obj.filename, obj.title, obj.file.name)


@transaction.atomic
def help_content_delete(*, actor: Any, obj: HelpContent) -> None:
    """Delete a category (only when it holds no question), question or download, audited
    with what it held; a download's file goes once the deletion is committed."""
    fields = [f.name for f in obj._meta.concrete_fields if f.name not in ("id",)]
    audit_log_write(
        action=_AUDIT[type(obj), "delete"],
        actor=actor,
        target=obj,
        data={"slug": obj.slug, "deleted": {name: _plain(_value(obj, name)) for name in fields}},
    )
    file_name = obj.file.name if isinstance(obj, Download) and obj.file else ""
    storage = obj.file.storage if isinstance(obj, Download) else None
    obj.delete()
    if file_name and storage is not None:
        transaction.on_commit(lambda: storage.delete(file_name))


def faq_seed(
    category_model: Any = None, question_model: Any = None, *, path: Path = FAQ_FILE
) -> int:
    """Add the categories and questions of the FAQ file that the tables do not hold yet (by
    slug); rows already there, perhaps edited by operations, are left alone. Usable from a
    data migration (historical models given) or directly. Returns the questions added."""
    if category_model is None or question_model is None:
        category_model, question_model = Category, Question
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    have_categories = {c.slug: c for c in category_model.objects.all()}
    have_questions = set(question_model.objects.values_list("slug", flat=True))
    added = 0
    for c_pos, cat in enumerate(data["category"], start=1):
        category = have_categories.get(cat["slug"])
        if category is None:
            category = category_model.objects.create(
                slug=cat["slug"],
                name=cat["name"],
                description=cat.get("description", ""),
                position=c_pos * 10,
            )
        for q_pos, q in enumerate(cat.get("question", []), start=1):
            if q["slug"] in have_questions:
                continue
            question_model.objects.create(
                category=category,
                slug=q["slug"],
                title=q["title"],
                body=q["body"].strip(),
                keywords=q.get("keywords", ""),
                position=q_pos * 10,
            )
            added += 1
    return added
