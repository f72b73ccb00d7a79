"""活跃志愿者 at the province's scale: our nightly ranking job against the bare window-function
query.

Needs a migrated PostgreSQL database filled by ``bench/generate.py`` (1,000,000 volunteers
by default; see bench/README.md). Then times, best of ``--repeat``:

- ours: ``activities.ranking.ranking_rebuild`` (DELETE the month's and year's rows + one
  INSERT … SELECT with rank() OVER (PARTITION BY …) into the indexed ranking table, in one
  transaction, audited);
- baseline: the same SELECT inserted into an unindexed copy of the table;

checks both hold the same rows, prints a table and exits 1 when ours is slower than 1.5 × the
baseline.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/card_service_bench2 \\
        .venv/bin/python bench/active_ranking.py [--on 2026-11-30] [--repeat 3]

``--on`` defaults to the latest service day in the data, so the month is not empty.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

TARGET = 1.5
BASELINE = "bench_active_rank_baseline"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--on", type=dt.date.fromisoformat, default=None)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        sys.exit("DATABASE_URL must name a PostgreSQL database filled by bench/generate.py")
    import django

    django.setup()
    from django.db import connection, transaction
    from django.utils import timezone

    from activities.ranking import TABLE, periods_of, ranking_rebuild, ranking_sql

    with connection.cursor() as cur:
        cur.execute("SELECT count(*), max(service_date) FROM activities_hoursentry")
        entries, latest = cur.fetchone()
        cur.execute("SELECT count(*) FROM volunteers_volunteer")
        volunteers = cur.fetchone()[0]
    if not entries:
        sys.exit("no hours in the database: run bench/generate.py first")
    on = args.on or latest
    month, year = periods_of(on)
    params = {"month": month, "year": year, "on": on, "computed_at": timezone.now()}
    print(f"volunteers {volunteers:,}, hours entries {entries:,}, on {on}")

    with connection.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS {BASELINE}")
        cur.execute(
            f"CREATE TABLE {BASELINE} (LIKE {TABLE} INCLUDING DEFAULTS)"
        )  # no indexes: the bare query's cost
        cur.execute(f"ALTER TABLE {BASELINE} ALTER COLUMN id DROP NOT NULL")
        cur.execute("ANALYZE activities_hoursentry")
        cur.execute("ANALYZE activities_activity")

    timings: dict[str, float] = {}
    for _ in range(args.repeat):
        started = time.perf_counter()
        rows = ranking_rebuild(on=on)
        timings["ours"] = min(timings.get("ours", 1e9), time.perf_counter() - started)
        with connection.cursor() as cur:
            cur.execute(f"TRUNCATE {BASELINE}")
        started = time.perf_counter()  # the same work as ours up to and including the commit
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(
                ranking_sql().replace(f"INSERT INTO {TABLE}", f"INSERT INTO {BASELINE}"), params
            )
        timings["baseline"] = min(timings.get("baseline", 1e9), time.perf_counter() - started)
    cols = "period, period_start, scope, scope_key, volunteer_id, minutes, rank"
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT count(*) FROM (SELECT {cols} FROM {TABLE} WHERE "
            f"(period = 'month' AND period_start = %s) OR (period = 'year' AND period_start = %s) "
            f"EXCEPT SELECT {cols} FROM {BASELINE}) d",
            [month, year],
        )
        missing = cur.fetchone()[0]
        cur.execute(f"SELECT count(*) FROM {BASELINE}")
        same = missing == 0 and cur.fetchone()[0] == rows
        cur.execute(f"DROP TABLE {BASELINE}")

    ratio = timings["ours"] / timings["baseline"]
    met = ratio <= TARGET and same
    print(f"ranking rows {rows:,}; same rows as the baseline: {'yes' if same else 'NO'}")
    print(f"{'ours (s)':>10} {'baseline (s)':>13} {'ratio':>7} {'target':>7} {'met?':>5}")
    print(f"{timings['ours']:>10.2f} {timings['baseline']:>13.2f} {ratio:>7.2f} "
          f"{TARGET:>7.1f} {'yes' if met else 'NO':>5}")  # fmt: skip
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
