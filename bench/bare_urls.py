"""The project's URLs plus the look-up benchmark's baselines, through the same middleware:

- ``/bench/bare/``: a plain Django view returning a tiny JSON (no database);
- ``/bench/raw/hotline/``, ``/bench/raw/progress/``, ``/bench/raw/hotline-progress/``:
  minimal Django views that run, with a raw cursor, the same SQL statements as the hotline
  look-up, the volunteer's card progress and the hotline's card progress (the token check,
  the reads, the audit inserts: the statement texts are the product's own, taken from its
  ``fast`` modules and, for the uniform, compiled from its queryset), and answer a small
  JSON of what they read. They check the token and the hotline role as the product does
  but build no model, decrypt nothing, mask nothing and render no serializer.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from card_service.fast import progress_statements
from config.urls import urlpatterns as project_urlpatterns
from core.fast import audit_statement
from uniforms.fast import state_statement as uniform_statement
from volunteers import identity
from volunteers.fast import token_statement, volunteer_statement
from volunteers.roles import HOTLINE_GROUP
from volunteers.services import id_number_index

SEP = "\x1f"


def bare(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})


def _user(cur: Any, request: HttpRequest) -> tuple[int, str, list[str]] | None:
    """(user id, username, group names) of a live token, else None."""
    key = request.headers.get("Authorization", "").removeprefix("Token ")
    sql, users = token_statement(connection.alias)
    cur.execute(sql, [timezone.now(), SEP, hashlib.sha256(key.encode()).hexdigest()])
    row = cur.fetchone()
    if row is None:
        return None
    n = len(users.attnames)
    if not row[n + 1]:
        return None
    names = users.attnames
    return row[names.index("id")], row[names.index("username")], (row[n + 2] or "").split(SEP)


def _audit(
    cur: Any, user: tuple[int, str, list[str]], action: str, target: Any, data: dict
) -> None:
    sql, _, _ = audit_statement(connection.alias)
    # at, actor, actor_label, action, target_type, target_id, reason, data
    cur.execute(sql, [timezone.now(), user[0], user[1], action, "volunteers.volunteer",
                      str(target or ""), "来电查询", json.dumps(data)])  # fmt: skip
    cur.fetchone()


def _find_by_id_number(cur: Any, body: dict) -> tuple | None:
    index = id_number_index(
        body["id_type"], identity.normalize_id_number(body["id_type"], body["id_number"])
    )
    sql, _ = volunteer_statement(connection.alias, "id_number_index", 1)
    cur.execute(sql, [index])
    return cur.fetchone()


def _cards(cur: Any, volunteer_id: int) -> list[dict]:
    apps_sql, apps, _, _, events_sql, events = progress_statements(connection.alias)
    cur.execute(apps_sql, [volunteer_id, 20])
    rows = cur.fetchall()
    names = apps.attnames
    i_id, i_status, i_no = names.index("id"), names.index("status"), names.index("application_no")
    cards = {r[i_id]: {"no": r[i_no], "status": r[i_status], "events": []} for r in rows}
    if cards:
        cur.execute(events_sql.format(marks=", ".join(["%s"] * len(cards))), list(cards))
        e = events.attnames
        i_app, i_to, i_at = e.index("application_id"), e.index("to_status"), e.index("at")
        for r in cur.fetchall():
            cards[r[i_app]]["events"].append([r[i_to], r[i_at].isoformat()])
        current = next(iter(cards.values()))
        if current["status"] == "activated":
            cur.execute(uniform_statement(connection.alias), [volunteer_id])
            cur.fetchall()
    return list(cards.values())


def _denied() -> JsonResponse:
    return JsonResponse({"code": "permission_denied"}, status=403)


def _hotline_find(cur: Any, request: HttpRequest, actions: tuple[str, ...]) -> Any:
    """The hotline's part of a look-up: the token and role check, the volunteer by ID
    number and one audit row per action; the row found, None, or the 403 to answer."""
    user = _user(cur, request)
    if user is None or HOTLINE_GROUP not in user[2]:
        return _denied()
    row = _find_by_id_number(cur, json.loads(request.body))
    for action in actions:
        _audit(cur, user, action, row[0] if row else "", {"found": row is not None})
    return row


def _not_found() -> JsonResponse:
    return JsonResponse({"code": "volunteer_not_found"}, status=404)


@csrf_exempt
def raw_hotline(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cur:
        row = _hotline_find(cur, request, ("hotline_lookup",))
    if isinstance(row, JsonResponse):
        return row
    if row is None:
        return _not_found()
    return JsonResponse({"id": row[0], "row": len(row)})


def raw_progress(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cur:
        user = _user(cur, request)
        if user is None:
            return _denied()
        sql, _ = volunteer_statement(connection.alias, "user_id", 1)
        cur.execute(sql, [user[0]])
        row = cur.fetchone()
        cards = _cards(cur, row[0])
    return JsonResponse({"volunteer": row[0], "cards": cards, "at": dt.date.today().isoformat()})


@csrf_exempt
def raw_hotline_progress(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cur:
        row = _hotline_find(cur, request, ("hotline_lookup", "hotline_card_progress"))
        if isinstance(row, JsonResponse):
            return row
        if row is None:
            return _not_found()
        cards = _cards(cur, row[0])
    return JsonResponse({"volunteer": row[0], "cards": cards})


urlpatterns = [
    path("bench/bare/", bare, name="bench-bare"),
    path("bench/raw/hotline/", raw_hotline),
    path("bench/raw/progress/", raw_progress),
    path("bench/raw/hotline-progress/", raw_hotline_progress),
    *project_urlpatterns,
]
