"""Generate the province's data at scale, fast: PostgreSQL COPY, deterministic from a seed.

Users, volunteers (real AES-GCM ciphertexts from ``core.crypto.encrypt`` and the real blind
indexes, so look-ups by ID number find generated rows), the organisation tree, memberships,
activities and their days, attendance with its hours, and cards with their event history.
Every value is a function of ``seed`` and the row's id; only the AES-GCM nonces are
random (``core.crypto.encrypt`` draws them, as it must). Volunteer rows are built by a
process pool over chunks and written with psycopg 3 ``cursor.copy`` in one transaction;
the loaded tables' secondary indexes and constraints are dropped first and rebuilt after
(one sort each instead of millions of random inserts; by default when the load is at least
as big as what the tables hold), so a crash leaves nothing half-made.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/card_service_bench2 \\
        .venv/bin/python bench/generate.py [--volunteers 1000000] [--seed 1] [--workers 2]

Other benchmarks import it: ``generate(conn, n_volunteers, seed, ...)`` and
``id_number_for(volunteer_id, seed)`` (the ID number of a generated volunteer).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import multiprocessing as mp
import os
import random
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

import psycopg  # noqa: E402

from activities.selectors import star_level  # noqa: E402
from bank_adapters.records import ApplyRecord  # noqa: E402
from card_service import qr  # noqa: E402
from card_service.services import _record_json  # noqa: E402  (the exact stored format)
from core import crypto  # noqa: E402
from volunteers.identity import make_mainland_id  # noqa: E402
from volunteers.services import GUANGDONG_CITY_CODES, id_number_index, mobile_index  # noqa: E402

TZ = dt.timezone(dt.timedelta(hours=8))  # Asia/Shanghai has no DST: a fixed offset is exact
REFERENCE = dt.datetime(2026, 11, 1, 9, 0, tzinfo=TZ)  # "now" of the generated world
BANKS = ("BOC", "ICBC", "CEB")
CHUNK = 10_000
MAX_MEMBERSHIPS = 5
MAX_ATTENDANCE = 8
MAX_EVENTS = 10
MAX_SPENDS = 5

# ID-number space: 21 cities x 30 districts x birth dates 1960-01-01..2005-12-31 x 1000
# order codes. i -> (i * PRIME + offset) mod SPACE is a bijection (PRIME is coprime to SPACE),
# so every generated ID number is distinct and valid, and the gender digit is the seq's.
CITIES = sorted(GUANGDONG_CITY_CODES)
DISTRICTS = 30
BIRTH_FIRST = dt.date(1960, 1, 1)
BIRTH_DAYS = (dt.date(2005, 12, 31) - BIRTH_FIRST).days + 1
ID_SPACE = len(CITIES) * DISTRICTS * BIRTH_DAYS * 1000
PRIME = 1_000_000_007

SURNAMES = [
    ("王", "WANG"), ("李", "LI"), ("张", "ZHANG"), ("刘", "LIU"), ("陈", "CHEN"),
    ("杨", "YANG"), ("黄", "HUANG"), ("赵", "ZHAO"), ("吴", "WU"), ("周", "ZHOU"),
    ("徐", "XU"), ("孙", "SUN"), ("马", "MA"), ("朱", "ZHU"), ("胡", "HU"),
    ("郭", "GUO"), ("何", "HE"), ("林", "LIN"), ("罗", "LUO"), ("梁", "LIANG"),
    ("郑", "ZHENG"), ("谢", "XIE"), ("宋", "SONG"), ("唐", "TANG"), ("许", "XU"),
    ("邓", "DENG"), ("冯", "FENG"), ("曾", "ZENG"), ("彭", "PENG"), ("蔡", "CAI"),
]  # fmt: skip
GIVEN = [
    ("伟", "WEI"), ("芳", "FANG"), ("娜", "NA"), ("敏", "MIN"), ("静", "JING"),
    ("丽", "LI"), ("强", "QIANG"), ("磊", "LEI"), ("军", "JUN"), ("洋", "YANG"),
    ("勇", "YONG"), ("艳", "YAN"), ("杰", "JIE"), ("娟", "JUAN"), ("涛", "TAO"),
    ("明", "MING"), ("超", "CHAO"), ("秀", "XIU"), ("霞", "XIA"), ("平", "PING"),
    ("刚", "GANG"), ("桂", "GUI"), ("英", "YING"), ("华", "HUA"), ("文", "WEN"),
    ("辉", "HUI"), ("建", "JIAN"), ("志", "ZHI"), ("宇", "YU"), ("欣", "XIN"),
    ("晓", "XIAO"), ("嘉", "JIA"), ("俊", "JUN"), ("婷", "TING"), ("浩", "HAO"),
    ("思", "SI"), ("雨", "YU"), ("佳", "JIA"), ("子", "ZI"), ("梓", "ZI"),
]  # fmt: skip
STREETS = ["人民路", "中山路", "解放路", "建设路", "东风路", "新华路", "和平路", "体育西路"]
SIZES = ("S", "M", "L", "XL", "XXL", "XXXL")
CATEGORIES = ("community", "culture", "event", "emergency", "environment", "poverty", "health")

# Final status of a generated card ("history" mode) and its weight; the event chain leading
# to it follows the transition table (card_service.lifecycle.TRANSITIONS).
FINAL_STATUSES = [
    ("activated", 45), ("collected", 8), ("mailed", 4), ("at_branch", 5), ("produced", 5),
    ("accepted", 6), ("sent", 4), ("queued", 5), ("submitted", 2), ("rejected", 6),
    ("cancelled", 6), ("withdrawn", 4),
]  # fmt: skip


# --- columns of every table we load (the COPY column lists) -----------------------------

COLUMNS: dict[str, tuple[str, ...]] = {
    "auth_user": (
        "id", "password", "last_login", "is_superuser", "username", "first_name", "last_name",
        "email", "is_staff", "is_active", "date_joined",
    ),
    "volunteers_volunteer": (
        "id", "volunteer_no", "name", "surname_pinyin", "given_pinyin", "gender", "birth_date",
        "nationality", "id_type", "id_number", "id_number_index", "id_expiry", "mobile",
        "mobile_index", "address", "postcode", "city_code", "verification", "verification_note",
        "verified_at", "registered_at", "user_id",
    ),
    "volunteers_organisation": (
        "id", "name", "code", "kind", "parent_id", "path", "city_code", "created_at",
    ),
    "volunteers_membership": (
        "id", "status", "applied_at", "decided_at", "note", "decided_by_id", "organisation_id",
        "volunteer_id",
    ),
    "activities_activity": (
        "id", "name", "kind", "category", "description", "organisation_id", "contact_name",
        "contact_phone", "address", "city_code", "lat", "lng", "places", "members_only",
        "self_checkin", "checkin_radius_m", "checkin_before_min", "checkin_after_min", "status",
        "created_by_id", "created_at", "status_changed_at",
    ),
    "activities_activityday": ("id", "activity_id", "date", "starts_at", "ends_at"),
    "activities_attendance": (
        "id", "day_id", "volunteer_id", "checked_in_at", "check_in_method", "check_in_by_id",
        "checked_out_at", "check_out_method", "check_out_by_id",
    ),
    "activities_hoursentry": (
        "id", "volunteer_id", "activity_id", "day_id", "attendance_id", "kind", "service_date",
        "minutes", "source", "status", "counts_from", "reason", "approved_by_id", "approved_at",
        "created_at", "published_on",
    ),
    "card_service_cardapplication": (
        "id", "application_no", "volunteer_id", "card_serial", "apply_type", "bank_id", "product",
        "delivery", "branch_id", "mail_address", "postcode", "uniform_size", "photo",
        "photo_sha256", "guardian_name", "guardian_id_type", "guardian_id_number",
        "guardian_relation", "fee_payer", "apply_record", "qr_payload", "applied_at", "status",
        "status_changed_at", "batch_id", "reason_code", "reason_text", "card_ref", "masked_pan",
        "expected_ready_date", "tracking_no", "activated_at", "first_spend_at", "cancelled_at",
        "cancel_reason",
    ),
    "card_service_cardevent": (
        "id", "application_id", "from_status", "to_status", "fact", "at", "recorded_at", "source",
        "source_ref", "actor_id", "note",
    ),
    "card_service_cardspend": (
        "id", "bank_id", "application_id", "event_id", "event_type", "day", "count", "city_code",
    ),
}  # fmt: skip
PER_VOLUNTEER_TABLES = (
    "auth_user", "volunteers_volunteer", "volunteers_membership", "activities_attendance",
    "activities_hoursentry", "card_service_cardapplication", "card_service_cardevent",
    "card_service_cardspend",
)  # fmt: skip
N = "\\N"


PHOTO_SHA = hashlib.sha256(b"bench").hexdigest()  # the generated cards' (absent) photo


def _ts(value: dt.datetime) -> str:
    return value.isoformat()


def _line(values: tuple[Any, ...] | list[Any]) -> str:
    # Generated text never holds a tab, newline or backslash, so COPY text needs no escaping.
    return "\t".join(N if v is None else str(v) for v in values)


# --- the deterministic world ------------------------------------------------------------


def identity_for(i: int, seed: int) -> tuple[str, str, dt.date, bool]:
    """(city_code, ID number, birth date, male) of the generated volunteer whose id is ``i``
    (keyed on the row id, so a second run into the same database makes new people)."""
    x = (i * PRIME + seed * 7919) % ID_SPACE
    x, seq = divmod(x, 1000)
    x, day = divmod(x, BIRTH_DAYS)
    city_idx, district = divmod(x, DISTRICTS)
    city = CITIES[city_idx]
    birth = BIRTH_FIRST + dt.timedelta(days=day)
    male = seq % 2 == 1  # make_mainland_id keeps seq as is when its parity matches
    number = make_mainland_id(f"{city[:4]}{district + 1:02d}", birth, seq, male)
    return city, number, birth, male


def id_number_for(volunteer_id: int, seed: int) -> str:
    """The mainland ID number of the volunteer row ``volunteer_id`` generated with ``seed``."""
    return identity_for(volunteer_id, seed)[1]


def mobile_for(i: int, seed: int) -> str:
    return f"1{3 + (i + seed) % 7}{(i * 48271 + seed) % 1_000_000_000:09d}"


@dataclass
class Plan:
    """What a worker needs to build its chunk (inherited through fork)."""

    seed: int
    n_volunteers: int
    first: dict[str, int]  # table -> first id of this run
    org_ids: list[int]
    days: list[tuple[int, int, dt.date, str, dt.datetime, dt.datetime]]
    branches: dict[str, list[tuple[int, str, str]]]  # bank -> [(id, code, city)]
    card_share: float
    card_mode: str  # "history" | "queued"
    attendance_mean: float
    photo: tuple[str, str] | None  # (relative path pattern with {no}, sha256)
    user_prefix: str


_PLAN: Plan | None = None


def _chunk_rows(start: int, count: int) -> dict[str, str]:
    """COPY text of every per-volunteer table for volunteers start..start+count-1."""
    plan = _PLAN
    assert plan is not None
    rng = random.Random(plan.seed * 1_000_003 + start)
    # Purchases draw from their own stream: the other tables stay what they were for a seed.
    spend_rng = random.Random(plan.seed * 7_000_003 + start)
    out: dict[str, list[str]] = {t: [] for t in PER_VOLUNTEER_TABLES}
    f = plan.first
    status_names = [s for s, _ in FINAL_STATUSES]
    status_weights = [w for _, w in FINAL_STATUSES]
    password = "!bench-generated-unusable"
    for i in range(start, start + count):
        uid = f["auth_user"] + i
        vid = f["volunteers_volunteer"] + i
        city, number, birth, male = identity_for(vid, plan.seed)
        sur, sur_py = SURNAMES[rng.randrange(len(SURNAMES))]
        given = [GIVEN[rng.randrange(len(GIVEN))] for _ in range(1 + (rng.random() < 0.7))]
        name = sur + "".join(g[0] for g in given)
        given_py = "".join(g[1] for g in given)
        mobile = mobile_for(vid, plan.seed)
        registered = REFERENCE - dt.timedelta(seconds=rng.randrange(10 * 365 * 86400))
        address = f"{GUANGDONG_CITY_CODES[city]}{STREETS[i % len(STREETS)]}{1 + i % 999}号"
        volunteer_no = f"{city[:4]}{vid:08d}"
        id_expiry = dt.date(2030 + i % 16, 1 + i % 12, 1 + i % 28)
        out["auth_user"].append(
            _line((uid, password, None, "f", f"{plan.user_prefix}{i}", "", "", "", "f", "t",
                   _ts(registered)))
        )  # fmt: skip
        out["volunteers_volunteer"].append(
            _line((
                vid, volunteer_no, name, sur_py, given_py, "M" if male else "F", birth, "CHN",
                "01", crypto.encrypt(number), id_number_index("01", number), id_expiry,
                crypto.encrypt(mobile), mobile_index(mobile), crypto.encrypt(address),
                f"{510000 + i % 9000}", city, "verified", "", _ts(registered), _ts(registered),
                uid,
            ))
        )  # fmt: skip
        r = rng.random()
        k = 1 if r < 0.6 else 2 if r < 0.85 else 3 if r < 0.95 else 4 if r < 0.98 else 5
        for j, org in enumerate(rng.sample(plan.org_ids, k) if plan.org_ids else []):
            out["volunteers_membership"].append(
                _line((f["volunteers_membership"] + i * MAX_MEMBERSHIPS + j, "approved",
                       _ts(registered), _ts(registered), "", None, org, vid))
            )  # fmt: skip
        service_minutes = 0
        if plan.days and plan.attendance_mean > 0:
            n_att = min(MAX_ATTENDANCE, int(rng.expovariate(1 / plan.attendance_mean)))
            for j, day in enumerate(rng.sample(plan.days, n_att)):
                day_id, activity_id, date, kind, starts, ends = day
                aid = f["activities_attendance"] + i * MAX_ATTENDANCE + j
                minutes = int((ends - starts).total_seconds() // 60)
                out["activities_attendance"].append(
                    _line((aid, day_id, vid, _ts(starts), "activity_qr", None, _ts(ends),
                           "activity_qr", None))
                )  # fmt: skip
                out["activities_hoursentry"].append(
                    _line((aid, vid, activity_id, day_id, aid, kind, date, minutes, "scanned",
                           "credited", date, "", None, None, _ts(ends), date))
                )  # fmt: skip
                if kind == "service":
                    service_minutes += minutes
        if plan.card_share <= 0 or rng.random() >= plan.card_share:
            continue
        # --- the volunteer's card application and its events
        app_id = f["card_service_cardapplication"] + i
        bank = BANKS[i % 3] if plan.card_mode == "queued" else BANKS[rng.randrange(3)]
        credit = rng.random() < 0.2
        if credit:
            branch_id, branch_code = None, None
            mail_address, postcode = address, f"{510000 + i % 9000}"
        else:
            choices = plan.branches[bank]
            local = [b for b in choices if b[2] == city] or choices
            branch_id, branch_code, _ = local[i % len(local)]
            mail_address, postcode = "", ""
        final = "queued" if plan.card_mode == "queued" else rng.choices(
            status_names, status_weights)[0]  # fmt: skip
        applied = registered + (REFERENCE - registered) * rng.random()
        if plan.card_mode == "queued":
            applied = REFERENCE - dt.timedelta(seconds=rng.randrange(86400))
        applied = applied.replace(microsecond=0)
        application_no = f"VC{volunteer_no}0001"
        if plan.photo is not None:
            photo_path, photo_sha = plan.photo[0].format(no=application_no), plan.photo[1]
        else:
            photo_path = "card_photos/bench.jpg"
            photo_sha = PHOTO_SHA
        qr_payload = qr.make_payload(volunteer_no=volunteer_no, card_serial=1)
        record = ApplyRecord(
            application_no=application_no, apply_type="N", product="C" if credit else "D",
            volunteer_no=volunteer_no, name=name, surname_pinyin=sur_py, given_pinyin=given_py,
            gender="M" if male else "F", birth_date=birth, id_type="01", id_number=number,
            id_expiry=id_expiry, nationality="CHN", mobile=mobile,
            delivery="M" if credit else "B", branch_code=branch_code,
            mail_address=mail_address or None, postcode=postcode or None, city_code=city,
            star_level=star_level(service_minutes // 60), qr_payload=qr_payload,
            photo_sha256=photo_sha, applied_at=applied,
        )  # fmt: skip
        chain = _event_chain(final, credit)
        final = chain[-1][1]
        at = applied
        events = []
        times = {}
        for j, (frm, to) in enumerate(chain):
            if j:
                at = min(at + dt.timedelta(hours=rng.randrange(1, 24 * 9)), REFERENCE)
            times[to] = at
            source = "volunteer" if j == 0 or to == "withdrawn" else (
                "system" if to in ("queued", "sent") else "bank_file")  # fmt: skip
            events.append(
                _line((f["card_service_cardevent"] + i * MAX_EVENTS + j, app_id, frm, to, "",
                       _ts(at), _ts(at), source, "", None, ""))
            )  # fmt: skip
        out["card_service_cardevent"].extend(events)
        accepted = "accepted" in times
        first_spend = None
        if "activated" in times:  # the bank's SPENDS rows: 0-5 days with purchases
            since = times["activated"].date()
            until = (times.get("cancelled") or REFERENCE).date()
            spend_days = sorted({since + dt.timedelta(days=spend_rng.randrange((until - since).days + 1))
                            for _ in range(spend_rng.randrange(MAX_SPENDS + 1))})  # fmt: skip
            for j, spend_day in enumerate(spend_days):
                out["card_service_cardspend"].append(
                    _line((f["card_service_cardspend"] + i * MAX_SPENDS + j, bank, app_id,
                           f"{bank}G{app_id:012d}{j}", "SPENDS", spend_day,
                           1 + spend_rng.randrange(4), city))
                )  # fmt: skip
            if spend_days:
                first_spend = dt.datetime.combine(spend_days[0], dt.time(12), TZ)
        out["card_service_cardapplication"].append(
            _line((
                app_id, application_no, vid, 1, "N", bank, "C" if credit else "D",
                "M" if credit else "B", branch_id,
                crypto.encrypt(mail_address) if mail_address else "", postcode,
                SIZES[i % len(SIZES)], photo_path, photo_sha, "", "", "", "", "programme",
                crypto.encrypt(_record_json(record)), qr_payload, _ts(applied), final,
                _ts(at), None,
                "R001" if final == "rejected" else "",
                "资料不全" if final == "rejected" else "",
                f"{bank}{app_id:012d}" if accepted else None,
                f"621661******{app_id % 10000:04d}" if accepted else "",
                (times["accepted"] + dt.timedelta(days=35)).date() if accepted else None,
                f"SF{app_id:012d}" if "mailed" in times else "",
                _ts(times["activated"]) if "activated" in times else None,
                _ts(first_spend) if first_spend else None,
                _ts(times["cancelled"]) if "cancelled" in times else None,
                "1" if final == "cancelled" else "",
            ))
        )  # fmt: skip
    return {t: "\n".join(rows) + "\n" if rows else "" for t, rows in out.items()}


def _event_chain(final: str, credit: bool) -> list[tuple[str, str]]:
    path = ["submitted", "queued", "sent", "accepted", "produced"]
    path += ["mailed", "activated"] if credit else ["at_branch", "collected", "activated"]
    if final == "withdrawn":
        states = ["submitted", "withdrawn"]
    elif final == "rejected":
        states = ["submitted", "queued", "sent", "rejected"]
    elif final == "cancelled":
        states = [*path, "cancelled"]
    elif final in path:
        states = path[: path.index(final) + 1]
    else:  # the other product's delivery step: this product's one
        states = path[: path.index("mailed" if credit else "at_branch") + 1]
    return list(zip(["", *states[:-1]], states, strict=True))


def _chunk_worker(args: tuple[int, int]) -> tuple[int, dict[str, str]]:
    start, count = args
    return count, _chunk_rows(start, count)


# --- the database side --------------------------------------------------------------------


@contextmanager
def _indexes_rebuilt(cur: psycopg.Cursor, tables: list[str], log: Callable[[str], None]):
    """Drop the tables' secondary indexes, unique and foreign-key constraints; recreate them
    after the load (inside the same transaction)."""
    cur.execute(
        """SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)
           FROM pg_constraint c WHERE c.conrelid = ANY(%s::regclass[]) AND c.contype IN ('u','f')
           ORDER BY c.contype DESC""",
        (tables,),
    )
    constraints = cur.fetchall()  # 'u' first (an FK may need a unique index elsewhere: not ours)
    cur.execute(
        """SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
           FROM pg_index i
           WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary
             AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)""",
        (tables,),
    )
    indexes = cur.fetchall()
    for table, name, _ in constraints:
        cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        cur.execute(f"DROP INDEX {name}")
    yield
    started = time.perf_counter()
    cur.execute("SET LOCAL maintenance_work_mem = '512MB'")
    for _, ddl in indexes:
        cur.execute(ddl)
    for table, name, ddl in reversed(constraints):
        cur.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {ddl}')
    log(
        f"  rebuilt {len(indexes)} indexes and {len(constraints)} constraints "
        f"in {time.perf_counter() - started:.1f} s"
    )


def _truncated_for_freeze(cur: psycopg.Cursor, tables: list[str]) -> bool:
    """Truncate the tables (and every table referencing them) when all of them are empty, so
    COPY may write FREEZE: rows frozen and pages all-visible as loaded, instead of every page
    being written again by the first scan that sets hint bits, or by VACUUM. At 10 million
    volunteers that second write is tens of GB. False when any of them holds a row."""
    cur.execute(
        """WITH RECURSIVE refs(rel) AS (
               SELECT unnest(%s::regclass[])::oid
               UNION SELECT c.conrelid FROM pg_constraint c JOIN refs ON c.confrelid = refs.rel
                     WHERE c.contype = 'f')
           SELECT rel::regclass::text FROM refs""",
        (tables,),
    )
    closure = [row[0] for row in cur.fetchall()]
    for table in closure:
        cur.execute(f"SELECT EXISTS (SELECT 1 FROM {table})")
        if cur.fetchone()[0]:
            return False
    cur.execute(f"TRUNCATE {', '.join(closure)}")  # all empty: only what FREEZE needs changes
    return True


def _copy(cur: psycopg.Cursor, table: str, data: str, *, freeze: bool = False) -> None:
    if not data:
        return
    cols = ", ".join(COLUMNS[table])
    with cur.copy(f"COPY {table} ({cols}) FROM STDIN{' WITH (FREEZE)' if freeze else ''}") as copy:
        copy.write(data.encode("utf-8"))


def _next_id(cur: psycopg.Cursor, table: str) -> int:
    cur.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}")
    return cur.fetchone()[0]


def _organisations(first: int, n: int, rng: random.Random) -> tuple[list[str], list[int]]:
    """A tree: province federation, its 21 cities, 6 districts each, organisations and groups
    under the districts. Returns COPY lines and the ids volunteers may join."""
    rows: list[str] = []
    created = _ts(REFERENCE - dt.timedelta(days=3650))
    next_id = first

    def add(name: str, kind: str, parent: tuple[int, str] | None, city: str) -> tuple[int, str]:
        nonlocal next_id
        oid = next_id
        next_id += 1
        path = f"{parent[1] if parent else '/'}{oid}/"
        rows.append(
            _line((oid, name, f"B{oid:09d}", kind, parent[0] if parent else None, path, city,
                   created))
        )  # fmt: skip
        return oid, path

    root = add("广东省志愿者联合会", "federation", None, "")
    districts = []
    for city in CITIES:
        c = add(f"{GUANGDONG_CITY_CODES[city]}志愿者联合会", "city", root, city)
        for d in range(6):
            districts.append((add(f"{GUANGDONG_CITY_CODES[city]}第{d + 1}区志愿者协会",
                                  "district", c, city), city))  # fmt: skip
    joinable = []
    for k in range(max(n - len(rows), 0)):
        parent, city = districts[rng.randrange(len(districts))]
        kind = "group" if k % 4 == 3 else "organisation"
        oid, _ = add(f"志愿服务队{k + 1}", kind, parent, city)
        joinable.append(oid)
    return rows, joinable or [d[0][0] for d in districts]


def _activities(
    first_activity: int, first_day: int, n: int, org_ids: list[int], rng: random.Random
) -> tuple[list[str], list[str], list[tuple[int, int, dt.date, str, dt.datetime, dt.datetime]]]:
    acts, day_rows, days = [], [], []
    day_id = first_day
    for k in range(n):
        aid = first_activity + k
        kind = "training" if k % 10 == 9 else "service"
        city = CITIES[k % len(CITIES)]
        start_date = (REFERENCE - dt.timedelta(days=rng.randrange(5, 3 * 365))).date()
        n_days = 1 + (rng.random() < 0.3) + (rng.random() < 0.1)
        created = dt.datetime.combine(start_date - dt.timedelta(days=14), dt.time(9), TZ)
        acts.append(
            _line((aid, f"志愿服务活动{aid}", kind, CATEGORIES[k % len(CATEGORIES)], "",
                   org_ids[rng.randrange(len(org_ids))], "联系人", "020-12345678",
                   f"{GUANGDONG_CITY_CODES[city]}活动地点{k}", city, None, None,
                   20 + rng.randrange(200), "f", "f", 500, 60, 60, "finished", None,
                   _ts(created), _ts(created)))
        )  # fmt: skip
        for d in range(n_days):
            date = start_date + dt.timedelta(days=d)
            starts = dt.datetime.combine(date, dt.time(8 + rng.randrange(6)), TZ)
            ends = starts + dt.timedelta(minutes=60 * (2 + rng.randrange(6)))
            day_rows.append(_line((day_id, aid, date, _ts(starts), _ts(ends))))
            days.append((day_id, aid, date, kind, starts, ends))
            day_id += 1
    return acts, day_rows, days


@dataclass
class Report:
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    first_volunteer_id: int = 0
    first_user_id: int = 0
    first_application_id: int = 0

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def generate(
    conn: psycopg.Connection,
    n_volunteers: int = 1_000_000,
    seed: int = 1,
    *,
    organisations: int | None = None,
    activities: int | None = None,
    attendance_mean: float = 2.0,
    card_share: float = 0.2,
    card_mode: str = "history",
    photo: tuple[str, str] | None = None,
    workers: int = 2,
    rebuild_indexes: bool | None = None,
    log: Callable[[str], None] = print,
) -> Report:
    """Load ``n_volunteers`` volunteers and everything around them into ``conn``'s database
    in one transaction (committed on return). ``card_mode="queued"`` gives every carded
    volunteer an application waiting for its bank's cut-off; ``photo`` is
    ``(path pattern with {no}, sha256)`` of the photo files the caller wrote."""
    global _PLAN
    started = time.perf_counter()
    rng = random.Random(seed)
    n_orgs = organisations if organisations is not None else max(200, n_volunteers // 95)
    n_acts = activities if activities is not None else max(50, n_volunteers // 20)
    report = Report()
    tables = [*COLUMNS]
    with conn.transaction(), conn.cursor() as cur:
        cur.execute("SET LOCAL synchronous_commit = off")
        first = {t: _next_id(cur, t) for t in tables}
        cur.execute("SELECT bank_id, id, code, city_code FROM card_service_branch "
                    "WHERE active AND city_code <> '440300' ORDER BY bank_id, code")  # fmt: skip
        branches: dict[str, list[tuple[int, str, str]]] = {b: [] for b in BANKS}
        for bank, bid, code, city in cur.fetchall():
            branches.setdefault(bank, []).append((bid, code, city))
        prefix = f"bench{seed}-{first['auth_user']}-"
        if rebuild_indexes is None:  # worth it when the load outweighs what is there
            rebuild_indexes = n_volunteers >= first["volunteers_volunteer"] - 1
        freeze = rebuild_indexes and _truncated_for_freeze(cur, tables)
        if freeze:
            log("  empty tables: loading with COPY FREEZE")
        with _indexes_rebuilt(cur, tables, log) if rebuild_indexes else nullcontext():
            org_rows, org_ids = _organisations(first["volunteers_organisation"], n_orgs, rng)
            _copy(cur, "volunteers_organisation", "\n".join(org_rows) + "\n", freeze=freeze)
            report.rows["volunteers_organisation"] = len(org_rows)
            days: list = []
            if n_acts and attendance_mean > 0:
                act_rows, day_rows, days = _activities(
                    first["activities_activity"], first["activities_activityday"], n_acts,
                    org_ids, rng,
                )  # fmt: skip
                _copy(cur, "activities_activity", "\n".join(act_rows) + "\n", freeze=freeze)
                _copy(cur, "activities_activityday", "\n".join(day_rows) + "\n", freeze=freeze)
                report.rows["activities_activity"] = len(act_rows)
                report.rows["activities_activityday"] = len(day_rows)
            _PLAN = Plan(
                seed=seed, n_volunteers=n_volunteers, first=first, org_ids=org_ids, days=days,
                branches=branches, card_share=card_share, card_mode=card_mode,
                attendance_mean=attendance_mean, photo=photo, user_prefix=prefix,
            )  # fmt: skip
            jobs = [(s, min(CHUNK, n_volunteers - s)) for s in range(0, n_volunteers, CHUNK)]
            done = 0
            last_log = time.perf_counter()
            for count, chunk in _run(jobs, workers):
                for table in PER_VOLUNTEER_TABLES:
                    data = chunk[table]
                    _copy(cur, table, data, freeze=freeze)
                    report.rows[table] = report.rows.get(table, 0) + data.count("\n")
                done += count
                if time.perf_counter() - last_log > 10 or done == n_volunteers:
                    last_log = time.perf_counter()
                    rate = sum(report.rows.values()) / (last_log - started)
                    log(f"  {done:,}/{n_volunteers:,} volunteers, {rate:,.0f} rows/s")
            _PLAN = None
        for table in tables:
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT coalesce(max(id), 1) FROM {table}))"
            )
    with conn.transaction(), conn.cursor() as cur:
        for table in tables:
            cur.execute(f"ANALYZE {table}")
    if not conn.autocommit:
        conn.commit()
    report.seconds = time.perf_counter() - started
    report.first_volunteer_id = first["volunteers_volunteer"]
    report.first_user_id = first["auth_user"]
    report.first_application_id = first["card_service_cardapplication"]
    return report


def _run(jobs: list[tuple[int, int]], workers: int) -> Iterator[tuple[int, dict[str, str]]]:
    if workers <= 1:
        for job in jobs:
            yield _chunk_worker(job)
        return
    # A bounded window of chunks in flight: the builders never run far ahead of COPY.
    with mp.get_context("fork").Pool(workers) as pool:
        pending: deque = deque()
        todo = iter(jobs)
        for job in todo:
            pending.append(pool.apply_async(_chunk_worker, (job,)))
            if len(pending) >= 2 * workers:
                break
        while pending:
            result = pending.popleft().get()
            job = next(todo, None)
            if job is not None:
                pending.append(pool.apply_async(_chunk_worker, (job,)))
            yield result


def database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("DATABASE_URL must name a PostgreSQL database (migrated with manage.py migrate)")
    return url


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--volunteers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2, help="processes building rows")
    parser.add_argument("--card-share", type=float, default=0.2)
    parser.add_argument("--attendance-mean", type=float, default=2.0)
    parser.add_argument(
        "--indexes",
        choices=("auto", "rebuild", "keep"),
        default="auto",
        help="drop and rebuild the tables' indexes around the load, or load into them "
        "(auto: rebuild when the load is at least as big as what is there)",
    )
    args = parser.parse_args()
    with psycopg.connect(database_url()) as conn:
        report = generate(
            conn, args.volunteers, args.seed, workers=args.workers, card_share=args.card_share,
            attendance_mean=args.attendance_mean, rebuild_indexes={"auto": None, "rebuild": True, "keep": False}[args.indexes],
        )  # fmt: skip
    print(f"Generated {args.volunteers:,} volunteers (seed {args.seed}) in {report.seconds:.1f} s")
    print(f"{'table':<32}{'rows':>12}")
    for table, n in report.rows.items():
        print(f"{table:<32}{n:>12,}")
    print(f"{'total':<32}{report.total:>12,}")
    print(f"{report.total / report.seconds:,.0f} rows/s "
          f"({args.volunteers / report.seconds:,.0f} volunteers/s)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
