"""Insurance coverage years for every cardholder: our nightly rebuild against one hand-written
PostgreSQL query computing the same answer.

Generates N cardholders (default 1,000,000) with random card histories (replacements,
cancellations, rejected replacements), service and training hours and card purchases,
loaded with COPY into a migrated PostgreSQL database. Then times:

- ours: ``insurance.coverage.coverage_rebuild`` (TRUNCATE + one INSERT … SELECT into the
  indexed ``insurance_coverageyear`` table, in one transaction);
- baseline: one hand-written query (generate_series, a range join, DISTINCT ON, a lateral
  EXISTS) materialised with CREATE TEMP TABLE … AS;

checks that both hold exactly the same rows, prints both plans (EXPLAIN), prints a table
and exits 1 when ours is slower than 1.5 × the baseline.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/card_service_insbench \\
        .venv/bin/python bench/insurance_coverage.py [--n 1000000] [--repeat 3] [--reuse]

The database is created if missing and migrated. Without ``--reuse`` the bench refuses a
database that already holds cards; with it, the cards already there are used as they are.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

TARGET = 1.5
TODAY = dt.date(2026, 11, 1)
PROGRAMME_START = dt.date(2017, 8, 1)
TZ = "+08"


def database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("DATABASE_URL must name a PostgreSQL database")
    return url


def ensure_database(url: str) -> None:
    import psycopg

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


# --- data ----------------------------------------------------------------------------------


def _ts(day: dt.date, hour: int) -> str:
    return f"{day.isoformat()} {hour:02d}:17:00{TZ}"


def _day(rng: random.Random, lo: dt.date, hi: dt.date) -> dt.date:
    span = (hi - lo).days
    return lo + dt.timedelta(days=rng.randint(0, span)) if span > 0 else lo


class Loader:
    """Rows as COPY text, flushed in chunks."""

    def __init__(self, cur, table: str, cols: tuple[str, ...]) -> None:
        self.cur, self.table, self.cols = cur, table, cols
        self.buf: list[str] = []
        self.count = 0

    def add(self, *values: object) -> None:
        self.buf.append("\t".join(r"\N" if v is None else str(v) for v in values))
        if len(self.buf) >= 50_000:
            self.flush()

    def flush(self) -> None:
        if not self.buf:
            return
        with self.cur.copy(f"COPY {self.table} ({', '.join(self.cols)}) FROM STDIN") as cp:
            cp.write(("\n".join(self.buf) + "\n").encode())
        self.count += len(self.buf)
        self.buf = []


def generate(conn, n: int, seed: int) -> dict[str, int]:
    """N cardholders (every one with an activated first card) and their histories."""
    rng = random.Random(seed)
    cur = conn.cursor()
    try:
        cur.execute("SET session_replication_role = replica")  # no FK triggers while loading
    except Exception:
        conn.rollback()
    cur.execute("SELECT coalesce(max(id), 0) FROM auth_user")
    uid0 = cur.fetchone()[0]
    cur.execute("SELECT coalesce(max(id), 0) FROM volunteers_volunteer")
    vid0 = cur.fetchone()[0]
    cur.execute(
        "INSERT INTO volunteers_organisation (name, code, kind, path, city_code, created_at) "
        "VALUES ('保险基准组织', 'INSBENCH', 'group', '/', '440100', now()) RETURNING id"
    )
    org = cur.fetchone()[0]
    cur.execute(
        "INSERT INTO activities_activity (name, kind, category, description, organisation_id, "
        "contact_name, contact_phone, address, city_code, places, members_only, self_checkin, "
        "checkin_radius_m, checkin_before_min, checkin_after_min, status, created_at) VALUES "
        "('基准服务活动', 'service', 'community', '', %s, '陈', '020', '广州', '440100', 100, "
        "false, false, 500, 60, 60, 'published', now()) RETURNING id",
        (org,),
    )
    act = cur.fetchone()[0]
    days: dict[dt.date, int] = {}
    d = PROGRAMME_START - dt.timedelta(days=120)
    while d <= TODAY:
        cur.execute(
            "INSERT INTO activities_activityday (activity_id, date, starts_at, ends_at) "
            "VALUES (%s, %s, %s, %s) RETURNING id",
            (act, d, _ts(d, 9), _ts(d, 12)),
        )
        days[d] = cur.fetchone()[0]
        d += dt.timedelta(days=1)

    users = Loader(cur, "auth_user", ("id", "password", "is_superuser", "username", "first_name",
                   "last_name", "email", "is_staff", "is_active", "date_joined"))  # fmt: skip
    vols = Loader(cur, "volunteers_volunteer", ("id", "user_id", "volunteer_no", "name",
                  "surname_pinyin", "given_pinyin", "gender", "birth_date", "nationality",
                  "id_type", "id_number", "id_number_index", "id_expiry", "mobile",
                  "mobile_index", "address", "postcode", "city_code", "verification",
                  "verification_note", "registered_at"))  # fmt: skip
    cards = Loader(cur, "card_service_cardapplication", ("id", "application_no", "volunteer_id",
                   "card_serial", "apply_type", "bank_id", "product", "delivery", "mail_address",
                   "postcode", "uniform_size", "photo", "photo_sha256", "guardian_name",
                   "guardian_id_type", "guardian_id_number", "guardian_relation", "fee_payer",
                   "apply_record", "qr_payload", "applied_at", "status", "status_changed_at",
                   "reason_code", "reason_text", "card_ref", "masked_pan", "tracking_no",
                   "activated_at", "cancelled_at", "cancel_reason"))  # fmt: skip
    hours = Loader(cur, "activities_hoursentry", ("volunteer_id", "activity_id", "day_id", "kind",
                   "service_date", "minutes", "source", "status", "counts_from", "reason",
                   "created_at"))  # fmt: skip
    spends = Loader(cur, "card_service_cardspend", ("bank_id", "application_id", "event_id",
                    "event_type", "day", "count", "city_code"))  # fmt: skip
    banks = ("BOC", "ICBC", "CEB")
    cur.execute("SELECT coalesce(max(id), 0) FROM card_service_cardapplication")
    card_id = cur.fetchone()[0]
    event = 0
    last = TODAY - dt.timedelta(days=1)
    for i in range(n):
        uid, vid = uid0 + i + 1, vid0 + i + 1
        users.add(uid, "!", "f", f"insb{vid}", "", "", "", "f", "t", "2017-01-01 00:00:00+08")
        vols.add(vid, uid, f"B{vid:011d}", "测试", "CE", "SHI", "M", "1990-01-01", "CHN", "01",
                 "x", f"insbench-{vid}", "2099-01-01", "x", "m", "", "", "440100", "verified",
                 "", "2017-01-01 00:00:00+08")  # fmt: skip
        first = _day(rng, PROGRAMME_START, last)
        applied, activated, serial = first - dt.timedelta(days=rng.randint(20, 50)), first, 1
        bank = rng.choice(banks)
        while True:
            card_id += 1
            cancelled = None
            if activated and rng.random() < 0.25:
                cancelled = _day(rng, activated, last)
            status = "cancelled" if cancelled else "activated" if activated else "accepted"
            changed = cancelled or activated or applied
            cards.add(card_id, f"B{card_id:019d}", vid, serial, "N" if serial == 1 else "R", bank,
                      "D", "B", "", "", "L", "p.jpg", "0" * 64, "", "", "", "", "programme", "{}",
                      "X", _ts(applied, 10), status, _ts(changed, 23), "", "",
                      f"BR{card_id:014d}", "", "", _ts(activated, 15) if activated else None,
                      _ts(cancelled, 11) if cancelled else None,
                      "L" if cancelled else "")  # fmt: skip
            if activated:
                end = cancelled or TODAY
                for _ in range(rng.randint(0, 5)):
                    event += 1
                    spends.add(bank, card_id, f"B{event:015d}", "SPENDS", _day(rng, activated, end),
                               rng.randint(1, 4), "440100")  # fmt: skip
            if not cancelled or rng.random() < 0.3 or serial >= 3:
                break
            serial += 1
            applied = cancelled + dt.timedelta(days=rng.randint(3, 60))
            if applied >= TODAY:
                break
            if rng.random() < 0.08:  # a rejected replacement first
                card_id += 1
                term = min(applied + dt.timedelta(days=rng.randint(5, 20)), TODAY)
                cards.add(card_id, f"B{card_id:019d}", vid, serial, "R", bank, "D", "B", "", "",
                          "L", "p.jpg", "0" * 64, "", "", "", "", "volunteer", "{}", "X",
                          _ts(applied, 10), "rejected", _ts(term, 12), "1001", "", None, "", "",
                          None, None, "")  # fmt: skip
                serial += 1
                applied = term + dt.timedelta(days=1)
            bank = rng.choice(banks)
            activated = applied + dt.timedelta(days=rng.randint(25, 45))
            if activated >= TODAY or rng.random() < 0.1:
                activated = None
        used: set[dt.date] = set()
        for _ in range(rng.randint(0, 6)):
            day = _day(rng, first - dt.timedelta(days=60), last)
            if day in used:
                continue
            used.add(day)
            credited = rng.random() < 0.9
            hours.add(vid, act, days[day], "service" if rng.random() < 0.85 else "training",
                      day, rng.randint(30, 300), "scanned", "credited" if credited else "pending",
                      day if credited else None, "", "2017-01-01 00:00:00+08")  # fmt: skip
    for loader in (users, vols, cards, hours, spends):
        loader.flush()
    cur.execute("SET session_replication_role = origin")
    for table in ("setval('auth_user_id_seq', (SELECT max(id) FROM auth_user))",
                  "setval('volunteers_volunteer_id_seq', (SELECT max(id) FROM volunteers_volunteer))",
                  "setval('card_service_cardapplication_id_seq', "
                  "(SELECT max(id) FROM card_service_cardapplication))"):  # fmt: skip
        cur.execute(f"SELECT {table}")
    conn.commit()
    for t in ("auth_user", "volunteers_volunteer", "card_service_cardapplication",
              "activities_hoursentry", "card_service_cardspend"):  # fmt: skip
        cur.execute(f"ANALYZE {t}")
    conn.commit()
    return {
        "volunteers": vols.count,
        "cards": cards.count,
        "hours": hours.count,
        "purchases": spends.count,
    }


# --- the hand-written query ------------------------------------------------------------------

BASELINE = """
CREATE TEMP TABLE bench_baseline AS
WITH anchor AS (
    SELECT volunteer_id, min((activated_at AT TIME ZONE 'Asia/Shanghai')::date) AS a
    FROM card_service_cardapplication WHERE activated_at IS NOT NULL GROUP BY volunteer_id
),
y AS (
    SELECT anchor.volunteer_id, anchor.a, k,
        make_date(extract(year FROM a)::int + k, extract(month FROM a)::int, 1)
            + (extract(day FROM a)::int - 1) AS ys,
        make_date(extract(year FROM a)::int + k + 1, extract(month FROM a)::int, 1)
            + (extract(day FROM a)::int - 2) AS ye
    FROM anchor, generate_series(0, extract(year FROM age(%(today)s::date, anchor.a))::int) k
    WHERE anchor.a <= %(today)s::date
),
ev AS (
    SELECT volunteer_id, service_date AS d, 0 AS pri FROM activities_hoursentry
    WHERE kind = 'service' AND status = 'credited' AND minutes > 0
      AND service_date <= %(today)s::date
    UNION ALL
    SELECT c.volunteer_id, s.day, 1 FROM card_service_cardspend s
    JOIN card_service_cardapplication c ON c.id = s.application_id
    WHERE s.event_type = 'SPENDS' AND s.count > 0 AND s.day <= %(today)s::date
),
firsts AS (
    SELECT DISTINCT ON (y.volunteer_id, y.k) y.volunteer_id, y.k, ev.d, ev.pri
    FROM y JOIN ev ON ev.volunteer_id = y.volunteer_id AND ev.d BETWEEN y.ys AND y.ye
    ORDER BY y.volunteer_id, y.k, ev.d, ev.pri
)
SELECT y.volunteer_id, y.k AS year_index, y.ys AS starts_on, y.ye AS ends_on,
    CASE WHEN y.k = 0 THEN true ELSE h.held AND f.d IS NOT NULL END AS covered,
    CASE WHEN y.k = 0 THEN 'activation' WHEN NOT h.held THEN 'no_card'
         WHEN f.d IS NULL THEN 'no_activity' WHEN f.pri = 0 THEN 'service'
         ELSE 'purchase' END AS reason,
    CASE WHEN y.k = 0 THEN y.a WHEN h.held THEN f.d END AS qualifying_date
FROM y
LEFT JOIN firsts f ON f.volunteer_id = y.volunteer_id AND f.k = y.k - 1
CROSS JOIN LATERAL (
    SELECT y.k = 0 OR EXISTS (
        SELECT 1 FROM card_service_cardapplication c
        WHERE c.volunteer_id = y.volunteer_id
          AND (c.applied_at AT TIME ZONE 'Asia/Shanghai')::date < y.ys
          AND (c.status NOT IN ('cancelled', 'rejected', 'withdrawn')
               OR ((CASE WHEN c.status = 'cancelled'
                         THEN coalesce(c.cancelled_at, c.status_changed_at)
                         ELSE c.status_changed_at END) AT TIME ZONE 'Asia/Shanghai')::date >= y.ys)
    ) AS held
) h
"""

COMPARE = """
SELECT
  (SELECT count(*) FROM (SELECT volunteer_id, year_index, starts_on, ends_on, covered, reason,
      qualifying_date FROM insurance_coverageyear EXCEPT SELECT * FROM bench_baseline) a),
  (SELECT count(*) FROM (SELECT * FROM bench_baseline EXCEPT SELECT volunteer_id, year_index,
      starts_on, ends_on, covered, reason, qualifying_date FROM insurance_coverageyear) b),
  (SELECT count(*) FROM bench_baseline)
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="cardholders to generate")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each; best counts")
    parser.add_argument("--reuse", action="store_true", help="use the cards already loaded")
    args = parser.parse_args()

    url = database_url()
    ensure_database(url)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from bench.plans import explain
    from insurance.coverage import coverage_rebuild, coverage_sql

    call_command("migrate", verbosity=0)
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM card_service_cardapplication")
        existing = cur.fetchone()[0]
    if existing and not args.reuse:
        sys.exit(f"the database already holds {existing:,} cards: use --reuse or an empty one")
    if not existing:
        import psycopg

        started = time.perf_counter()
        with psycopg.connect(url) as conn:
            rows = generate(conn, args.n, args.seed)
        print(f"generated in {time.perf_counter() - started:.1f} s: "
              + ", ".join(f"{k} {v:,}" for k, v in rows.items()))  # fmt: skip

    def ours() -> int:
        return coverage_rebuild(today=TODAY)

    def baseline() -> int:
        with connection.cursor() as cur:
            cur.execute("DROP TABLE IF EXISTS bench_baseline")
            cur.execute(BASELINE, {"today": TODAY})
            return cur.rowcount

    # Rounds alternate the two, so neither always gets the cache the generator left.
    timings = {"ours": float("inf"), "baseline": float("inf")}
    counts: dict[str, int] = {}
    for _ in range(args.repeat):
        for name, fn in (("ours", ours), ("baseline", baseline)):
            started = time.perf_counter()
            counts[name] = fn()
            timings[name] = min(timings[name], time.perf_counter() - started)

    with connection.cursor() as cur:
        cur.execute(COMPARE)
        only_ours, only_base, total = cur.fetchone()
        cur.execute("SELECT count(DISTINCT volunteer_id) FROM insurance_coverageyear")
        holders = cur.fetchone()[0]
        # The set-wise plans: whole tables in hash joins and sorts, one pass each.
        now = dt.datetime(2026, 11, 1, 3, 0, tzinfo=dt.UTC)
        params = {
            "today": TODAY,
            "max_k": TODAY.year - PROGRAMME_START.year + 1,
            "computed_at": now,
        }
        for name, sql, args in (("ours", coverage_sql("postgresql"), params),
                                ("baseline", BASELINE, {"today": TODAY})):  # fmt: skip
            cur.execute("DROP TABLE IF EXISTS bench_baseline")
            print(f"\nplan, {name}:\n{explain(cur, sql, args)[1]}")
    same = only_ours == 0 and only_base == 0
    ratio = timings["ours"] / timings["baseline"]
    met = ratio <= TARGET and same
    print(f"\ncardholders {holders:,}, coverage years {total:,}; "
          f"same answer: {'yes' if same else f'NO ({only_ours} / {only_base} rows differ)'}")  # fmt: skip
    print(f"{'ours (s)':>10} {'baseline (s)':>13} {'ratio':>7} {'target':>7} {'met?':>5}")
    print(f"{timings['ours']:>10.2f} {timings['baseline']:>13.2f} {ratio:>7.2f} "
          f"{TARGET:>7.1f} {'yes' if met else 'NO':>5}")  # fmt: skip
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
