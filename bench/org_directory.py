"""找组织 and 组织主页 at the province's scale: the directory's searches and an organisation's
page, served whole (view, queries, template) with the directory indexes, against the same
pages without them.

Needs a migrated PostgreSQL database. With fewer than ``--organisations`` organisations in it,
loads them first with ``bench/generate.py`` (and ``--volunteers`` volunteers, their
memberships, activities and hours). Then, inside a transaction rolled back at the end, gives
one organisation a tenth of all activities (a busy one: a university's volunteer
association) and times each page, median of ``--repeat``, through Django's test client with
``bench.settings_bench`` (no throttles, no DEBUG):

- the directory: all, by city, by city and kind, by kind, a name of 5 characters (trigram
  index), a name of 2 characters (no trigram fits: a scan), a deep page; and the API's list;
- the busy organisation's page, both tabs of activities (its hours total is cached: the
  uncached SUM is timed apart).

The baseline is the same pages with the directory's indexes (org_dir_*, org_name_trgm_idx)
dropped. Prints a table; exits 1 when a page misses its target.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/card_service_orgbench \\
        .venv/bin/python bench/org_directory.py [--organisations 100000] [--repeat 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings_bench")

PAGE = 20
INDEXES = ["org_dir_city_idx", "org_dir_city_kind_idx", "org_dir_kind_idx", "org_name_trgm_idx"]
# Median milliseconds a page may take (on 2 shared cores). A directory page is three queries;
# an organisation's page seven and a longer template. A 1–2 character name cannot use the
# trigram index and a deep page walks the rows before it: both read the whole table once.
TARGET_MS = {"default": 60.0, "organisation": 100.0, "scan": 300.0}


class Rollback(Exception):
    pass


def _page(url: str) -> Callable[[], int]:
    from django.test import Client

    client = Client()

    def read() -> int:
        response = client.get(url, secure=True)
        assert response.status_code == 200, (url, response.status_code)
        return len(response.content)

    return read


def _median_ms(read: Callable[[], int], repeat: int) -> float:
    read()  # warm: plans and pages in memory, as on a busy server
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        read()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _ensure_data(organisations: int, volunteers: int) -> None:
    from django.db import connection

    from volunteers.models import Organisation

    have = Organisation.objects.count()
    if have >= organisations:
        return
    import psycopg

    from bench.generate import database_url, generate

    print(f"{have:,} organisations: loading {organisations:,} with {volunteers:,} volunteers")
    connection.close()
    with psycopg.connect(database_url()) as conn:
        generate(conn, volunteers, organisations=organisations)
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE volunteers_organisation")
        cur.execute("VACUUM ANALYZE volunteers_membership")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--organisations", type=int, default=100_000)
    parser.add_argument("--volunteers", type=int, default=300_000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        sys.exit("DATABASE_URL must name a migrated PostgreSQL database")
    import django

    django.setup()
    from django.db import connection, transaction

    from activities.selectors import organisation_service_hours
    from volunteers.models import Organisation
    from volunteers.selectors import ORG_HOURS_CACHE_SECONDS

    _ensure_data(args.organisations, args.volunteers)
    n_orgs = Organisation.objects.count()
    busy = Organisation.objects.filter(kind=Organisation.Kind.ORGANISATION).order_by("pk").first()
    deep = max(1, n_orgs // PAGE // 2)
    cases: list[tuple[str, str, str]] = [
        ("directory, all (first page)", "default", "/organisations/"),
        ("directory, city", "default", "/organisations/?city=440100"),
        ("directory, city + kind", "default", "/organisations/?city=440100&kind=group"),
        ("directory, kind", "default", "/organisations/?kind=district"),
        ("directory, name of 5 characters", "default", "/organisations/?q=服务队123"),
        ("directory, name of 2 characters", "scan", "/organisations/?q=志愿"),
        (f"directory, all, page {deep:,}", "scan", f"/organisations/?page={deep}"),
        ("API list, city + kind", "default", "/api/organisations/?city=440100&kind=group"),
        ("busy organisation, current", "organisation", f"/organisations/{busy.pk}/"),
        ("busy organisation, past", "organisation", f"/organisations/{busy.pk}/?when=past"),
    ]
    ours: dict[str, float] = {}
    baseline: dict[str, float] = {}
    try:
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(
                "UPDATE activities_activity SET organisation_id = %s WHERE id %% 10 = 1",
                [busy.pk],
            )
            cur.execute("ANALYZE activities_activity")
            cur.execute(
                "SELECT count(*), (SELECT count(*) FROM activities_hoursentry e JOIN "
                "activities_activity a ON a.id = e.activity_id WHERE a.organisation_id = %s) "
                "FROM activities_activity WHERE organisation_id = %s",
                [busy.pk, busy.pk],
            )
            activities, entries = cur.fetchone()
            print(
                f"organisations {n_orgs:,}; the busy one ({busy.pk}): {activities:,} activities, "
                f"{entries:,} hours entries; median of {args.repeat}"
            )
            started = time.perf_counter()
            hours = organisation_service_hours(busy.pk)
            print(
                f"its hours total ({hours} h), uncached: "
                f"{(time.perf_counter() - started) * 1000:.0f} ms; the page keeps it "
                f"{ORG_HOURS_CACHE_SECONDS} s"
            )
            ours = {name: _median_ms(_page(url), args.repeat) for name, _, url in cases}
            for index in INDEXES:
                cur.execute(f"DROP INDEX {index}")
            baseline = {name: _median_ms(_page(url), args.repeat) for name, _, url in cases}
            raise Rollback
    except Rollback:
        pass
    missed = 0
    print(f"{'page':40} {'ours ms':>9} {'no index':>9} {'ratio':>7} {'target':>7}  met")
    for name, kind_of_target, _ in cases:
        target = TARGET_MS[kind_of_target]
        met = ours[name] <= target
        missed += not met
        ratio = baseline[name] / ours[name] if ours[name] else float("inf")
        print(
            f"{name:40} {ours[name]:9.1f} {baseline[name]:9.1f} {ratio:6.1f}x "
            f"{target:7.0f}  {'yes' if met else 'NO'}"
        )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
