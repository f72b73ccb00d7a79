"""Hotline and card-progress look-ups under load, beside a bare Django view.

gunicorn (gthread) serves the project on 127.0.0.1 against the bench database (made by
``bench/generate.py``); a closed-loop load generator on loopback (one process per
connection, HTTP/1.1 keep-alive, bounded in time) drives, one after the other:

- ``hotline``: ``POST /api/hotline/volunteers/lookup/`` as a hotline user (token auth) with
  random generated ID numbers (90 % found, 10 % valid but unknown: 404); every look-up
  writes its audit row;
- ``progress``: ``GET /api/card/me/progress/`` as random volunteers holding a card;
- ``hotline-progress``: ``POST /api/card/hotline/progress/`` by ID number;
- ``hotline-coverage``: ``POST /api/hotline/coverage/`` by ID number (insurance: the coverage
  years, the policy, the activity at the incident; no raw baseline, shown for its p99);
- the baseline of each (``raw-hotline``, ``raw-progress``, ``raw-hotline-progress``): the
  same requests to ``/bench/raw/…``, minimal Django views through the same middleware that
  run the same SQL statements with a raw cursor (``bench.bare_urls``);
- ``bare``: ``GET /bench/bare/``, a plain Django view returning a tiny JSON (no database).

Targets for each look-up: p99 <= 50 ms and throughput >= 50 % of its baseline's; exits 1
when one is missed. Queries per request are counted in-process beforehand, and every
statement of every hotline look-up key (ID number, volunteer number, mobile, name and birth
date, card reference) is EXPLAINed: none may read a big table whole (``bench/plans.py``).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/card_service_bench2 \\
        .venv/bin/python bench/lookups_load.py [--duration 20] [--repeat 1] [--concurrency 16]
        [--workers 4] [--threads 1] [--conn-max-age 600] [--plans-only] [--cpu 500]

``--cpu N`` measures first, in this process, the CPU each case's request costs the web
process (``time.process_time`` around the WSGI handler, as gunicorn calls it; PostgreSQL's
own work is not counted): the median of N requests per case. Target: card progress
< 2 ms (issue 19.2).
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import multiprocessing as mp
import os
import random
import secrets
import signal
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings_bench"

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from bank_adapters.testing_sshd import free_port  # noqa: E402
from bench import plans  # noqa: E402
from bench.generate import database_url, id_number_for, mobile_for  # noqa: E402
from card_service.models import CardApplication  # noqa: E402
from volunteers.models import ApiToken, Volunteer  # noqa: E402
from volunteers.roles import HOTLINE_GROUP  # noqa: E402

LOOKUPS = ("hotline", "progress", "hotline-progress")
P99_TARGET_MS = 50.0
RATIO_TARGET = 0.50
MAX_SECONDS = 60
HOTLINE_USER = "bench-hotline"


# --- the requests each case sends ---------------------------------------------------------


def issue_tokens(user_ids: list[int]) -> list[str]:
    """A fresh API token for each user (only hashes are stored, so earlier keys are lost):
    the users' earlier tokens are replaced."""
    ApiToken.objects.filter(user_id__in=user_ids).delete()
    keys = [secrets.token_hex(20) for _ in user_ids]
    expires = timezone.now() + timedelta(days=1)
    ApiToken.objects.bulk_create(
        [
            ApiToken(user_id=u, key_hash=ApiToken.hash_key(k), expires_at=expires)
            for u, k in zip(user_ids, keys, strict=True)
        ],
        batch_size=1000,
    )
    return keys


def prepare(seed: int, sample: int) -> dict[str, list[tuple[str, str, bytes | None, str]]]:
    """(method, path, body, token) lists per case, from generated rows."""
    rng = random.Random(seed)
    user, _ = get_user_model().objects.get_or_create(username=HOTLINE_USER)
    user.groups.add(Group.objects.get_or_create(name=HOTLINE_GROUP)[0])
    hotline_token = issue_tokens([user.pk])[0]
    bounds = Volunteer.objects.filter(user__username__startswith=f"bench{seed}-")
    lo = bounds.order_by("id").values_list("id", flat=True).first()
    hi = bounds.order_by("-id").values_list("id", flat=True).first()
    if lo is None:
        sys.exit(f"no volunteers generated with seed {seed}: run bench/generate.py first")
    ids = [rng.randint(lo, hi) for _ in range(sample)]
    hotline = []
    for k, vid in enumerate(ids):
        # One in ten: a valid ID number nobody registered (ids far beyond the table).
        number = id_number_for(vid if k % 10 else hi + 10_000_000 + vid, seed)
        body = json.dumps({"reason": "来电查询", "id_type": "01", "id_number": number}).encode()
        hotline.append(("POST", "/api/hotline/volunteers/lookup/", body, hotline_token))
    hotline_progress = [
        ("POST", "/api/card/hotline/progress/", body, hotline_token) for _, _, body, _ in hotline
    ]
    hotline_coverage = [
        ("POST", "/api/hotline/coverage/", _with(body, incident_at=INCIDENT), hotline_token)
        for _, _, body, _ in hotline
    ]
    holders = list(
        CardApplication.objects.filter(volunteer_id__in=ids).values_list(
            "volunteer__user_id", flat=True
        )[: max(sample // 5, 1)]
    )
    keys = issue_tokens(holders)
    progress = [("GET", "/api/card/me/progress/", None, k) for k in keys]
    bare = [("GET", "/bench/bare/", None, "")]
    cases = {
        "hotline": hotline,
        "progress": progress,
        "hotline-progress": hotline_progress,
        "hotline-coverage": hotline_coverage,
    }
    for name in LOOKUPS:
        cases[f"raw-{name}"] = [
            (method, f"/bench/raw/{name}/", body, token) for method, _, body, token in cases[name]
        ]
    return {**cases, "bare": bare}


INCIDENT = "2026-06-01T10:30:00+08:00"


def _with(body: bytes, **changes: str) -> bytes:
    return json.dumps({**json.loads(body), **changes}).encode()


def plan_requests(
    cases: dict[str, list[tuple[str, str, bytes | None, str]]], seed: int
) -> dict[str, tuple[str, str, bytes | None, str]]:
    """One request per look-up and key the hotline and volunteers use, for the plan check:
    the hotline's keys beside the ID number are read from a generated volunteer with an
    activated card (so that the coverage look-up computes years)."""
    _, _, body, token = cases["hotline"][1]  # [0] is a miss
    found = json.loads(body)
    holder = (
        CardApplication.objects.filter(card_ref__isnull=False, activated_at__isnull=False)
        .order_by("id")
        .values("card_ref", "volunteer__volunteer_no", "volunteer__name", "volunteer__birth_date",
                "volunteer_id")
        .first()
    )  # fmt: skip
    if holder is None:
        sys.exit("no activated card generated: run bench/generate.py first")
    mobile = mobile_for(holder["volunteer_id"], seed)
    keys = {
        "id_number": {"id_type": "01", "id_number": found["id_number"]},
        "volunteer_no": {"volunteer_no": holder["volunteer__volunteer_no"]},
        "mobile": {"mobile": mobile},
        "name+birth": {"name": holder["volunteer__name"],
                       "birth_date": holder["volunteer__birth_date"].isoformat()},
    }  # fmt: skip
    requests = {}
    for key in ("id_number", "volunteer_no"):  # what the volunteer look-up API takes
        v = keys[key]
        lookup = json.dumps({"reason": "来电查询", **v}).encode()
        requests[f"hotline {key}"] = ("POST", "/api/hotline/volunteers/lookup/", lookup, token)
    for key, v in [*keys.items(), ("card_ref", {"card_ref": holder["card_ref"]})]:
        coverage = {"reason": "来电查询", "incident_at": INCIDENT, **v}
        requests[f"coverage {key}"] = (
            "POST", "/api/hotline/coverage/", json.dumps(coverage).encode(), token,
        )  # fmt: skip
    requests["hotline-progress id_number"] = cases["hotline-progress"][1]
    requests["progress (me)"] = cases["progress"][0]
    return requests


def check_plans(
    requests: dict[str, tuple[str, str, bytes | None, str]], big_rows: int = plans.BIG_ROWS
) -> bool:
    """EXPLAIN every statement of each request; print them; True when no look-up reads a
    big table whole."""
    client = Client()
    with connection.cursor() as cur:
        big = plans.big_tables(cur, big_rows)
    results = []
    for name, (method, path, body, token) in requests.items():
        headers = {"HTTP_AUTHORIZATION": f"Token {token}"} if token else {}

        def run(method=method, path=path, body=body, headers=headers, name=name) -> None:
            if method == "POST":
                r = client.post(path, body, content_type="application/json", **headers)
            else:
                r = client.get(path, **headers)
            ambiguous = r.status_code == 400 and b"lookup_ambiguous" in r.content  # a shared name
            if r.status_code not in (200, 404) and not ambiguous:
                sys.exit(f"{name}: {path} answered {r.status_code}: {r.content[:300]!r}")

        results.append(plans.lookup_plans(name, run, connection, big))
    return plans.print_lookup_plans(results, big)


def query_counts(cases: dict[str, list[tuple[str, str, bytes | None, str]]]) -> dict[str, int]:
    """Queries per request, measured in-process on a few requests of each case."""
    client = Client()
    counts = {}
    for name, reqs in cases.items():
        worst = 0
        for method, path, body, token in reqs[1:6] or reqs[:1]:  # hotline's reqs[0] is a miss
            headers = {"HTTP_AUTHORIZATION": f"Token {token}"} if token else {}
            with CaptureQueriesContext(connection) as ctx:
                if method == "POST":
                    r = client.post(path, body, content_type="application/json", **headers)
                else:
                    r = client.get(path, **headers)
            if r.status_code not in (200, 404):
                sys.exit(f"{name}: {path} answered {r.status_code}: {r.content[:300]!r}")
            worst = max(worst, len(ctx.captured_queries))
        counts[name] = worst
    return counts


PROGRESS_CPU_TARGET_MS = 2.0


def cpu_per_request(
    cases: dict[str, list[tuple[str, str, bytes | None, str]]], n: int
) -> dict[str, tuple[float, float]]:
    """(median, 90th percentile) ms of this process's CPU per request of each case, through
    Django's WSGI handler with the environ gunicorn would pass (after a warm-up)."""
    from django.core.handlers.wsgi import WSGIHandler

    handler = WSGIHandler()

    def start_response(status: str, headers: list, exc_info: object = None) -> None:
        if not status.startswith(("200", "404")):  # a failing view would measure nothing
            sys.exit(f"a --cpu request answered {status}")

    def call(method: str, path: str, body: bytes | None, token: str) -> None:
        data = body or b""
        environ = {
            "REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "HTTP_HOST": "127.0.0.1",
            "REMOTE_ADDR": "127.0.0.1", "SERVER_PROTOCOL": "HTTP/1.1", "SCRIPT_NAME": "",
            "wsgi.input": io.BytesIO(data), "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr,
            "wsgi.version": (1, 0), "wsgi.multithread": False, "wsgi.multiprocess": True,
            "wsgi.run_once": False, "CONTENT_LENGTH": str(len(data)),
        }  # fmt: skip
        if body:
            environ["CONTENT_TYPE"] = "application/json"
        if token:
            environ["HTTP_AUTHORIZATION"] = f"Token {token}"
        response = handler(environ, start_response)
        b"".join(response)
        response.close()

    out = {}
    for name, reqs in cases.items():
        for i in range(min(50, n)):  # warm-up: caches, compiled statements, imports
            call(*reqs[(i + 1) % len(reqs)])
        samples = []
        for i in range(n):
            start = time.process_time()
            call(*reqs[(i + 1) % len(reqs)])
            samples.append((time.process_time() - start) * 1000)
        samples.sort()
        out[name] = (statistics.median(samples), samples[int(len(samples) * 0.9)])
    return out


def print_cpu(cpu: dict[str, tuple[float, float]]) -> bool:
    print("CPU of the web process per request (median / p90 ms; PostgreSQL not counted)")
    ok = True
    for name, (med, p90) in cpu.items():
        target = ""
        if name == "progress":
            met = med < PROGRESS_CPU_TARGET_MS
            ok &= met
            target = f"  target < {PROGRESS_CPU_TARGET_MS:.0f} ms: {'yes' if met else 'NO'}"
        raw = cpu.get(f"raw-{name}")
        vs = f"  ({med / raw[0]:.1f} x raw)" if raw else ""
        print(f"  {name:<22}{med:>7.2f}{p90:>7.2f}{vs}{target}")
    return ok


# --- the load generator -------------------------------------------------------------------


def _client(args: tuple) -> tuple[list[float], int, int]:
    port, reqs, seconds, seed = args
    rng = random.Random(seed)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    while True:
        method, path, body, token = reqs[rng.randrange(len(reqs))]
        headers = {"Content-Type": "application/json"} if body else {}
        if token:
            headers["Authorization"] = f"Token {token}"
        start = time.perf_counter()
        if start >= deadline:
            break
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            resp.read()
            ok = resp.status in (200, 404)
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            ok = False
        latencies.append(time.perf_counter() - start)
        errors += not ok
    conn.close()
    return latencies, errors, len(latencies)


def load(port: int, reqs: list, seconds: float, concurrency: int) -> dict[str, float]:
    with mp.get_context("fork").Pool(concurrency) as pool:
        parts = pool.map(_client, [(port, reqs, seconds, i) for i in range(concurrency)])
    lat = sorted(x for p in parts for x in p[0])
    n = len(lat)
    return {
        "requests": n,
        "errors": sum(p[1] for p in parts),
        "rps": n / seconds,  # each client runs for exactly ``seconds``
        "p50": statistics.median(lat) * 1000 if lat else float("nan"),
        "p99": lat[min(n - 1, int(n * 0.99))] * 1000 if lat else float("nan"),
    }


def start_gunicorn(port: int, workers: int, threads: int, conn_max_age: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings_bench",
        "DATABASE_URL": database_url(),
        # config.settings keeps PostgreSQL connections this long (and health-checks them).
        "DB_CONN_MAX_AGE": str(conn_max_age),
    }
    proc = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"), "config.wsgi:application",
            "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
            "--worker-class", "gthread", "--threads", str(threads), "--keep-alive", "30",
            "--log-level", "warning", "--chdir", str(ROOT),
        ],
        env=env,
        start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/bench/bare/")
            if c.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    sys.exit("gunicorn did not start")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--duration", type=float, default=20, help=f"seconds per case (<= {MAX_SECONDS})"
    )
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--concurrency", type=int, default=16, help="client connections")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (2-4)")
    parser.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker")
    parser.add_argument("--repeat", type=int, default=1, help="interleaved rounds, best kept")
    parser.add_argument(
        "--conn-max-age",
        type=int,
        default=600,
        help="persistent DB connections for the server (seconds; 0: one connection a request)",
    )
    parser.add_argument("--seed", type=int, default=1, help="the generator's seed")
    parser.add_argument("--sample", type=int, default=20_000, help="distinct volunteers asked for")
    parser.add_argument("--plans-only", action="store_true", help="check the plans, no load")
    parser.add_argument(
        "--cpu", type=int, default=0, metavar="N", help="first measure CPU per request (N each)"
    )
    parser.add_argument(
        "--big-rows", type=int, default=plans.BIG_ROWS, help="a table this big is never read whole"
    )
    args = parser.parse_args()
    database_url()
    duration = min(args.duration, MAX_SECONDS)

    cases = prepare(args.seed, args.sample)
    n_volunteers = Volunteer.objects.count()
    queries = query_counts(cases)
    cpu_ok = True
    if args.cpu:
        cpu_ok = print_cpu(cpu_per_request(cases, args.cpu))
    plans_ok = check_plans(plan_requests(cases, args.seed), args.big_rows)
    if args.plans_only:
        return 0 if plans_ok and cpu_ok else 1
    connection.close()
    port = free_port()
    server = start_gunicorn(port, args.workers, args.threads, args.conn_max_age)
    results: dict[str, dict[str, float]] = {}
    try:
        # Rounds interleave the cases, so a neighbour's burst on shared cores hits them all
        # alike; each case keeps its best round (highest throughput).
        for _ in range(max(args.repeat, 1)):
            for name in (
                "bare",
                *(c for n in LOOKUPS for c in (f"raw-{n}", n)),
                "hotline-coverage",
            ):
                load(port, cases[name], min(args.warmup, MAX_SECONDS), args.concurrency)
                r = load(port, cases[name], duration, args.concurrency)
                if name not in results or r["rps"] > results[name]["rps"]:
                    results[name] = r
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    bare = results["bare"]["rps"]
    print(
        f"Look-ups under load: {n_volunteers:,} volunteers, gunicorn {args.workers} gthread "
        f"workers x {args.threads} threads, {args.concurrency} keep-alive connections, "
        f"{duration:.0f} s per case, best of {max(args.repeat, 1)}, loopback, "
        f"conn_max_age={args.conn_max_age}"
    )
    print(f"{'case':<22}{'queries':>8}{'requests':>10}{'errors':>8}{'req/s':>9}{'baseline':>9}"
          f"{'ratio':>7}{'vs bare':>8}{'p50 ms':>8}{'p99 ms':>8}  met?")  # fmt: skip
    ok = True
    for name, r in results.items():
        base = results.get(f"raw-{name}")
        ratio = r["rps"] / base["rps"] if base else float("nan")
        met = base is None or (r["p99"] <= P99_TARGET_MS and ratio >= RATIO_TARGET)
        met = met and r["errors"] == 0
        ok &= met
        shown = f"{base['rps']:>9.0f}{ratio:>7.2f}" if base else f"{'':>9}{'':>7}"
        print(f"{name:<22}{queries[name]:>8}{r['requests']:>10,}{r['errors']:>8}{r['rps']:>9.0f}"
              f"{shown}{r['rps'] / bare:>8.2f}{r['p50']:>8.1f}{r['p99']:>8.1f}"
              f"  {'yes' if met else 'NO' if base else ''}")  # fmt: skip
    print(f"targets: p99 <= {P99_TARGET_MS:.0f} ms, req/s >= {RATIO_TARGET:.2f} x the same "
          "statements run by a minimal view (raw-…); "
          f"plans: {'no look-up reads a big table whole' if plans_ok else 'WHOLE SCANS above'}")  # fmt: skip
    return 0 if ok and plans_ok and cpu_ok else 1


if __name__ == "__main__":
    sys.exit(main())
