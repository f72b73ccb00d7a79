"""A big EVENT file applied set-wise on PostgreSQL, with exactly the result of the per-record
path (``card_service.bank_events.event_apply_once`` per record, in file order). What each
kind of event does comes from the same table, ``bank_events.EVENT_KINDS``.

The decoded records are COPYed into a temporary table, a chunk of them at a time in file
order (a thread decodes the next chunk meanwhile); then, for each chunk, in SQL:

1. events already applied (in ``AppliedBankEvent``, or for a purchase its ``CardSpend`` row),
   and repeats within the file, are dropped (the first occurrence in the file is the one that
   counts, as record by record);
2. every card reference is looked up; the rows of the cards that will change are locked;
3. a lifecycle event either repeats the card's state (nothing happens) or must be a move of
   ``lifecycle.TRANSITIONS``. Since no state a bank event leads to is ever entered twice (only
   the states before the bank, submitted and queued, can be re-entered), the state before an event
   is the target of the card's previous lifecycle event in the file (or its state in the
   database), which a window function gives for all events at once;
4. the first failing record in file order — unknown card, or illegal move — refuses the
   whole file with the very error the per-record path raises for it (a decoding error later
   in the file only counts when every record before it was fine);
5. the moves become ``CardEvent`` rows and one UPDATE per card (final status, tracking
   number, activation, cancellation), purchases become ``CardSpend`` rows, a first purchase
   sets ``first_spend_at`` once (with its fact row), and every new event id that is not a
   purchase is registered (a purchase's ``CardSpend`` row is its mark);
6. the hooks fire, in file order: ``CARD_MOVED`` for every move, ``FIRST_SPEND`` for the
   few cards concerned.

The caller holds the transaction; any error leaves nothing behind.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

from bank_adapters.errors import FileFormatError
from bank_adapters.models import PartnerFile
from bank_adapters.records import EventRecord
from card_service.bank_events import (
    EVENT_KINDS,
    FIRST_SPEND,
    ONE,
    TIME,
    application_for,
)
from card_service.lifecycle import CARD_MOVED, TRANSITIONS, transition
from card_service.models import CardApplication, CardEvent

# Below this many records the per-record path is as fast and simpler to follow.
BULK_MIN_RECORDS = 500
_NULL = "\\N"
# What one chunk makes, dropped after it; with what the whole file keeps.
_CHUNK_TABLES = ("_new_events", "_life", "_first")
_FILE_TABLES = ("_bank_events", "_targets", "_allowed")
_TEMP_TABLES = (*_FILE_TABLES, *_CHUNK_TABLES)
# Records applied at a time: the decoding of the next chunk runs while the database
# applies this one. bench/exchange_inbound.py, 1,000,000 BOC records: see bench/README.md.
CHUNK_RECORDS = 250_000


def usable() -> bool:
    """The set-based path needs PostgreSQL (COPY, window functions, temp tables)."""
    return connection.vendor == "postgresql"


def apply_event_file(
    *, partner: str, records: Iterator[EventRecord], file: PartnerFile, expected: int | None
) -> int | None:
    """The EVENT file's ``apply_many``: a file of at least ``BULK_MIN_RECORDS`` (as its header
    says) on PostgreSQL is applied here; None, before reading any record, leaves a smaller one
    to the exchange's record-by-record loop."""
    if (expected or 0) < BULK_MIN_RECORDS or not usable():
        return None
    return apply_events(partner, records, file)


def _kind_params() -> dict[str, list[str]]:
    """The kinds of ``EVENT_KINDS`` grouped as the SQL reads them (array parameters)."""
    return {
        "spend": [k for k, v in EVENT_KINDS.items() if v.spend is not None],
        "one": [k for k, v in EVENT_KINDS.items() if v.spend == ONE],
        "first": [k for k, v in EVENT_KINDS.items() if v.first_spend],
    }


def _writes() -> list[tuple[str, str, list[str]]]:
    """(card column, value expression, kinds that write it) for every field a move writes."""
    by_field: dict[str, tuple[str, list[str]]] = {}
    for kind, spec in EVENT_KINDS.items():
        for name, source in spec.writes.items():
            expr = "event_time" if source == TIME else "coalesce(detail, '')"
            got = by_field.setdefault(name, (expr, []))
            if got[0] != expr:
                raise ValueError(f"{name} is written from both the time and the detail")
            got[1].append(kind)
    meta = CardApplication._meta
    return [(meta.get_field(n).column, expr, kinds) for n, (expr, kinds) in by_field.items()]


def apply_events(
    partner: str,
    records: Iterator[EventRecord],
    pf: PartnerFile,
    *,
    chunk_records: int | None = None,
) -> int:
    """Apply every record of an EVENT file as ``event_apply_once`` would, one after the other;
    returns the number of records read (repeats included). Call inside a transaction.

    The file is applied ``chunk_records`` records at a time, in file order, each chunk as the
    steps above say. A chunk sees what the chunks before it wrote (its purchases, applied
    ids, the cards' states and first purchases), as a record sees the records before it, so
    the result is the same for any chunk size (``CHUNK_RECORDS`` unless given). A thread of
    its own decodes the next chunk while the database applies this one (the connection's
    wait leaves the GIL)."""
    kinds = _kind_params()
    n = 0
    chunks = _decoded_chunks(records, chunk_records or CHUNK_RECORDS)
    with connection.cursor() as cur, closing(chunks):
        # ON COMMIT DROP does not fire at a savepoint: a second file in the same transaction
        # (tests) must not find the first one's tables.
        cur.execute(f"DROP TABLE IF EXISTS {', '.join(_TEMP_TABLES)}")
        # The de-duplication sorts the whole chunk: in memory, not in 4 MB runs on disk.
        cur.execute("SET LOCAL work_mem = '256MB'")
        cur.execute(
            "CREATE TEMP TABLE _bank_events (seq integer, event_id text, card_ref text, "
            "event_type text, event_time timestamptz, detail text) ON COMMIT DROP"
        )
        targets = [(k, v.moves_to) for k, v in EVENT_KINDS.items() if v.moves_to is not None]
        moves = [(a, b) for a, to in TRANSITIONS.items() for b in to]
        cur.execute(
            "CREATE TEMP TABLE _targets (kind text PRIMARY KEY, target text) ON COMMIT DROP"
        )
        cur.executemany("INSERT INTO _targets VALUES (%s, %s)", targets)
        cur.execute(
            "CREATE TEMP TABLE _allowed (from_s text, to_s text, PRIMARY KEY (from_s, to_s)) "
            "ON COMMIT DROP"
        )
        cur.executemany("INSERT INTO _allowed VALUES (%s, %s)", moves)
        for chunk in chunks:
            n += chunk.records
            cur.execute("TRUNCATE _bank_events")
            with cur.cursor.copy("COPY _bank_events FROM STDIN") as copy:
                copy.write(chunk.text)
            _apply_chunk(cur, partner, pf, kinds)
            if chunk.error is not None:  # every record before it was fine
                raise chunk.error
        cur.execute(f"DROP TABLE {', '.join(_FILE_TABLES)}")
    return n


def _apply_chunk(cur: Any, partner: str, pf: PartnerFile, kinds: dict[str, list[str]]) -> None:
    """Steps 1-6 for the records in ``_bank_events``."""
    cur.execute("ANALYZE _bank_events")
    # 1. new events only, first occurrence; 2. their cards
    cur.execute(
        """
        CREATE TEMP TABLE _new_events ON COMMIT DROP AS
        SELECT e.seq, e.event_id, e.card_ref, e.event_type, e.event_time, e.detail,
               ca.id AS app_id, v.city_code
        FROM (
            -- byte order sorts faster than the database's collation; same groups
            SELECT DISTINCT ON (event_id COLLATE "C") * FROM _bank_events
            ORDER BY event_id COLLATE "C", seq
        ) e
        LEFT JOIN card_service_cardapplication ca
               ON ca.bank_id = %(bank)s AND ca.card_ref = e.card_ref
        LEFT JOIN volunteers_volunteer v ON v.id = ca.volunteer_id
        WHERE NOT EXISTS (
            SELECT 1 FROM bank_adapters_appliedbankevent a
            WHERE a.partner = %(bank)s AND a.event_id = e.event_id
        ) AND NOT EXISTS (
            SELECT 1 FROM card_service_cardspend s
            WHERE s.bank_id = %(bank)s AND s.event_id = e.event_id
        )
        """,
        {"bank": partner},
    )
    cur.execute("ANALYZE _new_events")
    # The cards whose row changes are held until the commit, in id order.
    cur.execute(
        """
        SELECT ca.id FROM card_service_cardapplication ca
        WHERE ca.id IN (
            SELECT app_id FROM _new_events
            WHERE app_id IS NOT NULL
              AND (event_type = ANY(%(first)s)
                   OR event_type IN (SELECT kind FROM _targets))
        )
        ORDER BY ca.id FOR UPDATE OF ca
        """,
        kinds,
    )
    # 3. the state before each lifecycle event
    cur.execute(
        """
        CREATE TEMP TABLE _life ON COMMIT DROP AS
        SELECT e.seq, e.app_id, e.event_id, e.event_type, e.event_time, e.detail, t.target,
               coalesce(lag(t.target) OVER (PARTITION BY e.app_id ORDER BY e.seq),
                        ca.status) AS before
        FROM _new_events e
        JOIN _targets t ON t.kind = e.event_type
        JOIN card_service_cardapplication ca ON ca.id = e.app_id
        """
    )
    # 4. the first failing record, in file order
    cur.execute(
        """
        SELECT seq, card_ref, NULL, NULL, NULL FROM _new_events WHERE app_id IS NULL
        UNION ALL
        SELECT seq, NULL, app_id, before, target FROM _life
        WHERE before <> target
          AND NOT EXISTS (SELECT 1 FROM _allowed WHERE from_s = before AND to_s = target)
        ORDER BY 1 LIMIT 1
        """
    )
    failure = cur.fetchone()
    if failure is not None:
        _raise_for(partner, failure)
    _write(cur, partner, pf, kinds)
    cur.execute(f"DROP TABLE {', '.join(_CHUNK_TABLES)}")


@dataclass(frozen=True)
class _Chunk:
    text: str  # COPY text of the records, numbered in file order
    records: int
    error: FileFormatError | None  # the decoding error right after them


_DONE = object()


def _decoded_chunks(records: Iterator[EventRecord], size: int) -> Iterator[_Chunk]:
    """``_copy_text``'s chunks, made by a thread of its own: one chunk waits while the next
    is made, so memory is bounded by the chunk, not the file. Closing the iterator stops
    the thread and waits for it; an error other than a decoding error (a bug, a read
    error) is raised here as it happens."""
    handoff: queue.Queue[Any] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def hand(item: Any) -> bool:
        while not stop.is_set():
            try:
                handoff.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for chunk in _copy_text(records, size):
                if not hand(chunk):
                    return
            hand(_DONE)
        except BaseException as exc:  # handed to the applying thread, raised there
            hand(exc)

    worker = threading.Thread(target=produce, name="event-file-decoder", daemon=True)
    worker.start()
    try:
        while (item := handoff.get()) is not _DONE:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        worker.join()


def _copy_text(records: Iterator[EventRecord], size: int) -> Iterator[_Chunk]:
    """The records as COPY text for ``_bank_events``, ``size`` at a time; a decoding error
    ends the last chunk, not raised, so that an earlier record's error can take precedence
    (as record by record)."""
    n = 0
    buf: list[str] = []
    # The codecs hand out one datetime object for records of the same second (in time order).
    last_time, last_iso = None, ""
    try:
        for rec in records:
            n += 1
            detail = rec.detail
            at = rec.event_time
            if at is not last_time:
                last_time, last_iso = at, at.isoformat()
            line = (
                f"{n}\t{rec.event_id}\t{rec.card_ref}\t{rec.event_type}\t"
                f"{last_iso}\t{_NULL if detail is None else detail}\n"
            )
            if line.count("\\") != (detail is None):  # a backslash in a value: escape
                line = _escaped_line(n, rec)
            buf.append(line)
            if len(buf) >= size:
                yield _Chunk("".join(buf), len(buf), None)
                buf.clear()
    except FileFormatError as exc:
        yield _Chunk("".join(buf), len(buf), exc)
        return
    if buf:
        yield _Chunk("".join(buf), len(buf), None)


def _escaped_line(n: int, rec: EventRecord) -> str:
    def esc(s: str | None) -> str:
        return "\\N" if s is None else s.replace("\\", "\\\\")

    fields = (rec.event_id, rec.card_ref, rec.event_type, rec.event_time.isoformat(), rec.detail)
    return f"{n}\t" + "\t".join(esc(f) for f in fields) + "\n"


def _raise_for(partner: str, failure: tuple) -> None:
    """Raise exactly what the per-record path raises at that record."""
    _seq, card_ref, app_id, before, target = failure
    if card_ref is not None:
        application_for(partner, card_ref=card_ref)  # raises UnknownRecord
        raise AssertionError("card exists")  # pragma: no cover
    app = CardApplication.objects.get(pk=app_id)
    app.status = before  # its state at that record
    transition(app, target, source=CardEvent.Source.BANK_FILE)  # raises IllegalTransition
    raise AssertionError("move allowed")  # pragma: no cover


def _write(cur: Any, partner: str, pf: PartnerFile, kinds: dict[str, list[str]]) -> None:
    now = timezone.now()
    source = CardEvent.Source.BANK_FILE
    params = {"bank": partner, "name": pf.name, "now": now, "source": source,
              "file": pf.pk, "tz": settings.TIME_ZONE, **kinds}  # fmt: skip
    # The first purchase of a card that had none: the state it had at that record.
    cur.execute(
        """
        CREATE TEMP TABLE _first ON COMMIT DROP AS
        SELECT DISTINCT ON (e.app_id) e.seq, e.app_id, e.event_time,
               coalesce((SELECT l.target FROM _life l
                         WHERE l.app_id = e.app_id AND l.seq < e.seq
                         ORDER BY l.seq DESC LIMIT 1), ca.status) AS status
        FROM _new_events e
        JOIN card_service_cardapplication ca ON ca.id = e.app_id
        WHERE e.event_type = ANY(%(first)s) AND ca.first_spend_at IS NULL
        ORDER BY e.app_id, e.seq
        """,
        params,
    )
    cur.execute(
        """
        INSERT INTO card_service_cardevent
            (application_id, from_status, to_status, fact, at, recorded_at, source,
             source_ref, actor_id, note)
        SELECT app_id, from_s, to_s, fact, at, %(now)s, %(source)s, ref, NULL, ''
        FROM (
            SELECT seq, app_id, before AS from_s, target AS to_s, '' AS fact,
                   event_time AS at, left(%(name)s || '#' || event_id, 80) AS ref
            FROM _life WHERE before <> target
            UNION ALL
            SELECT seq, app_id, status, status, 'first_spend', event_time, left(%(name)s, 80)
            FROM _first
        ) x
        ORDER BY seq
        """,
        params,
    )
    # What the moves write on the card (EVENT_KINDS' ``writes``): for each field, the value
    # of the card's last move in the file that writes it, as record by record. Column names
    # come from the model's metadata; the kinds are parameters.
    qn = connection.ops.quote_name
    writes = _writes()
    picked = "".join(
        f", (array_agg({expr} ORDER BY seq DESC) FILTER (WHERE event_type = ANY(%(w{i})s)))[1]"
        f" AS w{i}"
        for i, (_column, expr, _kinds) in enumerate(writes)
    )
    assigned = "".join(
        f"{qn(column)} = coalesce(ch.w{i}, ca.{qn(column)}), "
        for i, (column, _expr, _kinds) in enumerate(writes)
    )
    cur.execute(
        f"""
        WITH moved AS (
            SELECT DISTINCT ON (app_id) app_id, target, event_time
            FROM _life WHERE before <> target ORDER BY app_id, seq DESC
        ), changes AS (
            SELECT app_id{picked}
            FROM _life WHERE before <> target GROUP BY app_id
        ), cards AS (
            SELECT coalesce(m.app_id, f.app_id) AS app_id, m.target, m.event_time,
                   f.event_time AS first_spend_at
            FROM moved m FULL JOIN _first f ON f.app_id = m.app_id
        )
        UPDATE card_service_cardapplication ca SET
            status = coalesce(c.target, ca.status),
            status_changed_at = coalesce(c.event_time, ca.status_changed_at),
            {assigned}
            first_spend_at = coalesce(ca.first_spend_at, c.first_spend_at)
        FROM cards c LEFT JOIN changes ch ON ch.app_id = c.app_id
        WHERE ca.id = c.app_id
        """,  # noqa: S608
        {f"w{i}": kinds_ for i, (_c, _e, kinds_) in enumerate(writes)},
    )
    cur.execute(
        """
        INSERT INTO card_service_cardspend
            (bank_id, application_id, event_id, event_type, day, count, city_code)
        SELECT %(bank)s, app_id, event_id, event_type, (event_time AT TIME ZONE %(tz)s)::date,
               CASE WHEN event_type = ANY(%(one)s) THEN 1
                    ELSE coalesce(nullif(detail, ''), '0')::integer END,
               city_code
        FROM _new_events WHERE event_type = ANY(%(spend)s)
        ORDER BY seq
        """,
        params,
    )
    cur.execute(
        """
        INSERT INTO bank_adapters_appliedbankevent (partner, event_id, file_id, applied_at)
        SELECT %(bank)s, event_id, %(file)s, %(now)s FROM _new_events
        WHERE event_type <> ALL(%(spend)s) ORDER BY seq
        """,
        params,
    )
    if CARD_MOVED:
        cur.execute("SELECT app_id, target FROM _life WHERE before <> target ORDER BY seq")
        CARD_MOVED.fire_each(cur.fetchall())
    if FIRST_SPEND:
        cur.execute("SELECT app_id, event_time FROM _first ORDER BY seq")
        firsts = cur.fetchall()
        apps = CardApplication.objects.select_related("volunteer").in_bulk([a for a, _ in firsts])
        for app_id, at in firsts:
            FIRST_SPEND.fire(apps[app_id], at)
