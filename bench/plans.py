"""Query plans for the benches: the statements a look-up runs, checked for a scan of a whole
big table, and the plans of the set-wise jobs, printed.

A look-up must reach its rows through an index: a ``Seq Scan`` of a big table, or an index
scan whose condition does not hold the index's leading column (walking a whole index, e.g.
in id order until a filter matches, or a (bank, card_ref) index searched by card_ref alone),
is what makes a look-up slow at 10 million volunteers while it was fast at 10,000.
"Big" is what PostgreSQL's statistics say (``pg_class.reltuples``), so run ANALYZE first
(``bench/generate.py`` does).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

BIG_ROWS = 100_000  # a table this big is never read whole by a look-up
STATEMENTS = ("SELECT", "INSERT", "UPDATE", "DELETE", "WITH")


@dataclass
class BigTables:
    """The big tables (rows by the planner's statistics) and, for each of their indexes, its
    table and leading column."""

    rows: dict[str, int]
    indexes: dict[str, tuple[str, str]]

    def __contains__(self, table: object) -> bool:
        return table in self.rows


def big_tables(cur: Any, min_rows: int = BIG_ROWS) -> BigTables:
    """Tables (and partitioned tables) of the current schema holding at least ``min_rows``
    rows, with their indexes."""
    cur.execute(
        "SELECT relname, reltuples::bigint FROM pg_class WHERE relkind IN ('r', 'p') "
        "AND relnamespace = current_schema()::regnamespace AND reltuples >= %s",
        [min_rows],
    )
    rows = dict(cur.fetchall())
    cur.execute(
        "SELECT i.indexrelid::regclass::text, i.indrelid::regclass::text, a.attname "
        "FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
        "AND a.attnum = i.indkey[0] WHERE i.indrelid::regclass::text = ANY(%s)",
        [list(rows)],
    )
    return BigTables(rows, {index: (table, col) for index, table, col in cur.fetchall()})


def _nodes(node: dict) -> Iterator[dict]:
    yield node
    for child in node.get("Plans", ()):
        yield from _nodes(child)


def _bounded(node: dict, big: BigTables) -> bool:
    """The index scan's condition holds its index's leading column, so it descends the tree
    to its rows instead of reading every leaf. EXPLAIN writes the indexed column first in
    each comparison: ``(volunteer_id = 5)``, ``((card_ref)::text = ...)``."""
    _, column = big.indexes[node["Index Name"]]
    return re.search(rf"\(+{re.escape(column)}\b", node.get("Index Cond", "")) is not None


def whole_scans(plan: dict, big: BigTables) -> list[str]:
    """The nodes of a JSON plan that read a big table, or one of its indexes, whole."""
    found = []
    for node in _nodes(plan["Plan"]):
        kind = node["Node Type"]
        index = node.get("Index Name")
        # A Bitmap Index Scan names its index only (the heap scan above it names the table).
        table = big.indexes[index][0] if index in big.indexes else node.get("Relation Name")
        if table not in big:
            continue
        if kind == "Seq Scan" or (index and not _bounded(node, big)):
            how = f"{kind} using {index}" if index else kind
            found.append(f"{how} on {table} (~{big.rows[table]:,} rows)")
    return found


def access_paths(plan: dict) -> list[str]:
    """One short line per table read: how (which index) and on what."""
    paths = []
    for node in _nodes(plan["Plan"]):
        kind = node["Node Type"]
        if kind == "ModifyTable":
            paths.append(f"{node['Operation']} {node['Relation Name']}")
        elif "Index Name" in node:
            paths.append(f"{kind} {node['Index Name']}")
        elif "Relation Name" in node and kind != "Bitmap Heap Scan":  # its index says it
            paths.append(f"{kind} {node['Relation Name']}")
    return paths


def explain(cur: Any, sql: str, params: Any = None) -> tuple[dict, str]:
    """(JSON plan, text plan) of ``sql``; EXPLAIN without ANALYZE runs nothing."""
    cur.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
    raw = cur.fetchone()[0]
    plan = (json.loads(raw) if isinstance(raw, str) else raw)[0]
    cur.execute(f"EXPLAIN {sql}", params)
    return plan, "\n".join(row[0] for row in cur.fetchall())


@dataclass
class LookupPlans:
    name: str
    statements: list[tuple[str, list[str], list[str]]] = field(default_factory=list)
    # (the statement's verb, its access paths, its whole scans of big tables)

    @property
    def whole_scans(self) -> list[str]:
        return [scan for _, _, scans in self.statements for scan in scans]


def lookup_plans(
    name: str, run: Callable[[], None], connection: Any, big: BigTables
) -> LookupPlans:
    """Run one look-up (``run`` sends the request in-process), capture its SQL and EXPLAIN
    every statement of it. Django's psycopg cursors bind on the client, so the captured text
    is the statement as the server ran it."""
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        run()
    result = LookupPlans(name)
    with connection.cursor() as cur:
        for query in ctx.captured_queries:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith(STATEMENTS):
                continue  # SAVEPOINT, RELEASE
            plan, _ = explain(cur, sql)
            verb = sql.split(None, 1)[0].upper()
            result.statements.append((verb, access_paths(plan), whole_scans(plan, big)))
    return result


def print_lookup_plans(results: list[LookupPlans], big: BigTables) -> bool:
    """Print each look-up's statements with their access paths; True when none reads a big
    table whole."""
    print(f"\nLook-up plans (big tables: {len(big.rows)} by pg_class.reltuples, the smallest "
          f"{min(big.rows.values(), default=0):,} rows, the largest "
          f"{max(big.rows.values(), default=0):,})")  # fmt: skip
    ok = True
    for r in results:
        print(f"  {r.name}: {len(r.statements)} statements")
        for verb, paths, scans in r.statements:
            print(f"    {verb:<7}{'; '.join(paths) or '(no table)'}")
            for scan in scans:
                print(f"      WHOLE SCAN: {scan}")
        ok &= not r.whole_scans
    n = sum(len(r.statements) for r in results)
    scans = sum(len(r.whole_scans) for r in results)
    print(f"{'plans':<18}{'statements':>11}{'whole scans':>12}{'target':>8}  met?")
    print(f"{'look-ups':<18}{n:>11}{scans:>12}{0:>8}  {'yes' if ok else 'NO'}")
    return ok
